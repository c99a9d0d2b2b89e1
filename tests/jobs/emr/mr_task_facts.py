"""Map-only: each task reports what its working directory and
environment hold, so tests can check what the EMR runner shipped."""

import os
import sys

from streamr.job import MRJob


class MRTaskFacts(MRJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--greeting", default="hello")
        self.add_file_arg("--lookup", default=None)

    def mapper_final(self):
        lookup = None
        if self.options.lookup:
            with open(self.options.lookup) as handle:
                lookup = handle.read().strip()
        facts = {
            "files": sorted(os.listdir(".")),
            "setup_ran": os.path.exists("setup-ran.txt"),
            "greeting": self.options.greeting,
            "lookup": lookup,
            "pythonpath": os.environ.get("PYTHONPATH"),
            "cmdenv": os.environ.get("STREAMR_CHECK"),
            "token": os.environ.get("STREAMR_TEST_TOKEN"),
            "input_file": os.environ.get("mapreduce_map_input_file"),
            "site_packages": [p for p in sys.path if "site-packages" in p],
        }
        yield "facts", facts

    def mapper(self, _, line):
        return
        yield


if __name__ == "__main__":
    MRTaskFacts.run()
