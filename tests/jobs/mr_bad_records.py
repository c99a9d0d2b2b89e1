"""Jobs whose code raises on a few records, for record skipping
(``--skip-failed-records``) and for how a failing task is shown."""

from streamr.job import MRJob
from streamr.protocol import JSONProtocol


class MRPicky(MRJob):
    """Word count whose mapper raises on lines holding "boom", whose
    combiner raises on the word "dud" and whose reducer raises on the word
    "bomb". A mapper that raises has already yielded the line's first word,
    which a skip must drop."""

    def mapper(self, _, line):
        for num, word in enumerate(line.split()):
            yield word, 1
            if num == 0 and "boom" in line:
                raise ValueError("cannot take %r" % line)

    def combiner(self, word, counts):
        if word == "dud":
            raise RuntimeError("combiner refuses %s" % word)
        yield word, sum(counts)

    def reducer(self, word, counts):
        if word == "bomb":
            raise KeyError(word)
        yield word, sum(counts)


class MRPairs(MRJob):
    """Reads JSON key-value lines and writes them back."""

    INPUT_PROTOCOL = JSONProtocol

    def mapper(self, key, value):
        yield key, value


if __name__ == "__main__":
    import os

    {"MRPicky": MRPicky, "MRPairs": MRPairs}[os.environ.get("STREAMR_TEST_JOB",
                                                            "MRPicky")].run()
