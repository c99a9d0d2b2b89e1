"""Count how often each word appears in the input.

    python examples/mr_word_freq_count.py examples/data/river-tales.txt

A word is a run of letters, digits and apostrophes (so ``don't`` and
``café`` are one word each), lower-cased. The combiner adds up each map
task's counts before the shuffle, so far fewer records reach the reducers.

Output lines are ``"<word>"<TAB><count>``, sorted by the encoded key
(accented letters are written as ``\\u`` escapes and sort by them).
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
