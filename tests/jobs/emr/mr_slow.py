"""Map tasks that take a long time (``--sleep`` seconds), for interrupting."""

import time

from streamr.job import MRJob


class MRSlow(MRJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--sleep", type=float, default=60.0)

    def mapper_init(self):
        time.sleep(self.options.sleep)

    def mapper(self, _, line):
        yield line, 1


if __name__ == "__main__":
    MRSlow.run()
