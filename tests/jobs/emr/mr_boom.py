"""Word count whose mapper fails on any line holding BOOM."""

from streamr.job import MRJob


class MRBoom(MRJob):

    def mapper(self, _, line):
        if "BOOM" in line:
            raise ValueError("cannot count a line with BOOM in it")
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRBoom.run()
