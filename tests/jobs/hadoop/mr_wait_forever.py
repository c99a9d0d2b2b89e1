"""A job whose mapper never finishes (until the job is killed)."""

import time

from streamr.job import MRJob


class MRWaitForever(MRJob):

    def mapper(self, _, line):
        while True:  # stands for a long task: only killing the job ends it
            time.sleep(60)
        yield line, 1

    def reducer(self, key, values):
        yield key, sum(values)


if __name__ == "__main__":
    MRWaitForever.run()
