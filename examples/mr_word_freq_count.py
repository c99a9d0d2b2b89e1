"""Count how often each word appears in the input.

    python examples/mr_word_freq_count.py examples/data/alice.txt
"""

import re

from streamr.job import MRJob

WORD_RE = re.compile(r"[\w']+")


class MRWordFreqCount(MRJob):

    def mapper(self, _, line):
        for word in WORD_RE.findall(line):
            yield word.lower(), 1

    def combiner(self, word, counts):
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRWordFreqCount.run()
