"""A two-step job that says which Python its tasks ran on.

Every task, map or reduce, of both steps adds one to the counter
``task python`` / ``<major>.<minor>`` of the interpreter it runs on, so a
test that picks the task Python (``--task-python-bin``) can see that it was
used. Step 1 counts words (with a combiner), step 2 gathers the words of
each count, sorted (``SORT_VALUES``). Output: ``<count><TAB>["word", ...]``,
largest count first.
"""

import re
import sys

from streamr.job import MRJob
from streamr.step import MRStep

WORD_RE = re.compile(r"[\w']+")


class MRWordsByCount(MRJob):

    SORT_VALUES = True

    def steps(self):
        return [
            MRStep(mapper_init=self.note_python, mapper=self.words,
                   combiner=self.add, reducer_init=self.note_python, reducer=self.add),
            MRStep(mapper_init=self.note_python, mapper=self.by_count,
                   reducer_init=self.note_python, reducer=self.gather),
        ]

    def note_python(self):
        self.increment_counter("task python", "%d.%d" % sys.version_info[:2])

    def words(self, _, line):
        for word in WORD_RE.findall(line):
            yield word.lower(), 1

    def add(self, word, counts):
        yield word, sum(counts)

    def by_count(self, word, count):
        # negative, zero-padded: the largest count sorts first
        yield "%06d" % (10 ** 6 - count), word

    def gather(self, key, words):
        yield 10 ** 6 - int(key), list(words)


if __name__ == "__main__":
    MRWordsByCount.run()
