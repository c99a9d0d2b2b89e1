"""Find the word used most often in a text, leaving out stop words.

    python examples/mr_most_used_word.py examples/data/river-tales.txt
    python examples/mr_most_used_word.py --extra-stop-words my_words.txt \\
        examples/data/river-tales.txt

A two-step job. Step 1 counts words (lower-cased runs of letters, digits and
apostrophes) except the stop words listed in ``data/stop_words.txt``, which
``FILES`` ships to every task's working directory, where the mapper opens it
by its base name. ``--extra-stop-words FILE`` names a second list, shipped
the same way. Step 2 sends every ``(count, word)`` pair to one reducer,
which keeps the largest (on a tie, the word that sorts last).

Output is one line: ``"<word>"<TAB><count>``.
"""

import re

from streamr.job import MRJob
from streamr.step import MRStep

WORD_RE = re.compile(r"[\w']+")


def read_word_list(path):
    """Words in the file at *path*: one a line; blank lines and lines
    starting with ``#`` are ignored."""
    words = set()
    with open(path, encoding="utf_8") as handle:
        for line in handle:
            word = line.strip().lower()
            if word and not word.startswith("#"):
                words.add(word)
    return words


class MRMostUsedWord(MRJob):

    FILES = ["data/stop_words.txt"]

    def configure_args(self):
        super().configure_args()
        self.add_file_arg(
            "--extra-stop-words",
            help="a file of more words to leave out, one a line")

    def steps(self):
        return [
            MRStep(mapper_init=self.load_stop_words,
                   mapper=self.count_words,
                   combiner=self.sum_counts,
                   reducer=self.total_per_word),
            MRStep(reducer=self.pick_most_used),
        ]

    def load_stop_words(self):
        # FILES entries keep their base name in the task's working directory
        self.stop_words = read_word_list("stop_words.txt")
        if self.options.extra_stop_words:
            self.stop_words |= read_word_list(self.options.extra_stop_words)

    def count_words(self, _, line):
        for word in WORD_RE.findall(line):
            word = word.lower()
            if word not in self.stop_words:
                yield word, 1

    def sum_counts(self, word, counts):
        yield word, sum(counts)

    def total_per_word(self, word, counts):
        # one key for all words, so a single reducer sees every total
        yield None, (sum(counts), word)

    def pick_most_used(self, _, count_word_pairs):
        count, word = max(count_word_pairs)
        yield word, count


if __name__ == "__main__":
    MRMostUsedWord.run()
