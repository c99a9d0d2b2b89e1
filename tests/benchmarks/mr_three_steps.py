"""Benchmark job of three steps over text: step 1 counts words, step 2
counts how many words share each count (frequencies of frequencies), step 3
adds those up per power of two of the count. Output lines are
``<bucket><TAB><words>``, where bucket ``n`` holds the words seen from
``2**(n-1)`` to ``2**n - 1`` times."""

import re

from streamr.job import MRJob
from streamr.step import MRStep

WORD_RE = re.compile(r"[\w']+")


class MRThreeSteps(MRJob):

    def steps(self):
        return [
            MRStep(mapper=self.words, combiner=self.add, reducer=self.add),
            MRStep(mapper=self.by_count, combiner=self.add, reducer=self.add),
            MRStep(mapper=self.by_bucket, combiner=self.add, reducer=self.add),
        ]

    def words(self, _, line):
        for word in WORD_RE.findall(line):
            yield word.lower(), 1

    def add(self, key, numbers):
        yield key, sum(numbers)

    def by_count(self, word, count):
        yield count, 1

    def by_bucket(self, count, words):
        yield count.bit_length(), words


if __name__ == "__main__":
    MRThreeSteps.run()
