"""Word count whose map tasks fail on their first attempt only."""

import os

from streamr.job import MRJob


class MRFlaky(MRJob):

    def mapper_init(self):
        if os.environ["mapreduce_task_attempt_id"].endswith("_0"):
            raise RuntimeError("first attempts fail on purpose")

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRFlaky.run()
