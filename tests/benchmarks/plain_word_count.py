"""The floor for word count: one process, collections.Counter, the same
words and output as examples/mr_word_freq_count.py (JSON key, tab, count;
sorted by the encoded key).

    python plain_word_count.py PATH...

A path may be a file (``.gz`` files are decompressed) or a directory (its
files, in name order)."""

import gzip
import json
import os
import re
import sys
from collections import Counter

WORD_RE = re.compile(r"[\w']+")


def input_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                yield os.path.join(path, name)
        else:
            yield path


def main(paths):
    counts = Counter()
    for path in input_files(paths):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf_8", errors="replace") as handle:
            for line in handle:
                counts.update(word.lower() for word in WORD_RE.findall(line))
    write = sys.stdout.write
    for word in sorted(counts, key=json.dumps):
        write("%s\t%d\n" % (json.dumps(word), counts[word]))


if __name__ == "__main__":
    main(sys.argv[1:])
