"""A job whose mapper raises on a line holding "boom"."""

from streamr.job import MRJob


class MRBoomMapper(MRJob):

    def mapper(self, _, line):
        if "boom" in line:
            raise ValueError("the mapper cannot take %r" % line)
        yield line, 1

    def reducer(self, key, values):
        yield key, sum(values)


if __name__ == "__main__":
    MRBoomMapper.run()
