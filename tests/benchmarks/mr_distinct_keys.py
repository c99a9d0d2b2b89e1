"""Benchmark job whose keys are all distinct: every input line is
``key<TAB>number``; the reducer sums numbers per key (one each)."""

from streamr.job import MRJob


class MRDistinctKeys(MRJob):

    def mapper(self, _, line):
        key, _, number = line.partition("\t")
        yield key, int(number)

    def reducer(self, key, numbers):
        yield key, sum(numbers)


if __name__ == "__main__":
    MRDistinctKeys.run()
