"""The floor for mr_three_steps.py: the same three counts in one process,
the same output (sorted by the encoded key).

    python plain_three_steps.py PATH"""

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
    per_count = Counter(counts.values())
    buckets = Counter()
    for count, words in per_count.items():
        buckets[count.bit_length()] += words
    write = sys.stdout.write
    for bucket in sorted(buckets, key=json.dumps):
        write("%s\t%s\n" % (json.dumps(bucket), json.dumps(buckets[bucket])))


if __name__ == "__main__":
    main(sys.argv[1])
