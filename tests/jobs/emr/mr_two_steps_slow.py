"""Word count in two steps; the second step's mappers first sleep
``--sleep`` seconds, leaving time to take the cluster away mid-job."""

import time

from streamr.job import MRJob
from streamr.step import MRStep


class MRTwoStepsSlow(MRJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--sleep", type=float, default=0.0)

    def steps(self):
        return [MRStep(mapper=self.split, reducer=self.count),
                MRStep(mapper_init=self.pause, reducer=self.total)]

    def split(self, _, line):
        for word in line.split():
            yield word, 1

    def count(self, word, ones):
        yield word, sum(ones)

    def pause(self):
        time.sleep(self.options.sleep)

    def total(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRTwoStepsSlow.run()
