"""The baseline: one process, collections.Counter, same words and output
format as examples/mr_word_freq_count.py (JSON key, tab, count; sorted)."""

import json
import re
import sys
from collections import Counter

WORD_RE = re.compile(r"[\w']+")


def main(path):
    counts = Counter()
    with open(path, encoding="utf_8", errors="replace") as handle:
        for line in handle:
            counts.update(word.lower() for word in WORD_RE.findall(line))
    write = sys.stdout.write
    for word in sorted(counts, key=lambda w: json.dumps(w)):
        write("%s\t%d\n" % (json.dumps(word), counts[word]))


if __name__ == "__main__":
    main(sys.argv[1])
