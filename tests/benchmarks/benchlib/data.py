"""Deterministic benchmark inputs: the same arguments always give the same
bytes, so two runs (or two machines) measure the same work.

Every generator writes to ``path + ".tmp"`` and renames at the end, so an
interrupted run never leaves a short file that a later run would reuse.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil

#: the largest text generated word by word; bigger inputs repeat it, which
#: keeps a 2 GB input from costing minutes of generation while the words
#: keep the same distribution (the vocabulary of a Zipf text is reached early)
TEXT_BLOCK_MB = 256

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "an", "el", "or",
              "ium", "the", "and", "st", "qu", "ay", "ze", "dö"]


def _fresh(path: str, megabytes: float) -> bool:
    """True when *path* already holds at least *megabytes* (made before)."""
    return os.path.exists(path) and os.path.getsize(path) >= int(megabytes * (1 << 20))


def text_lines(seed: int = 20261121):
    """Endless chunks of English-like text: lines of 5 to 14 words from a
    60,000-word vocabulary with Zipf-distributed frequencies, some
    capitalised and ending in a full stop."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
             for _ in range(60000)]
    cum_weights, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 1)
        cum_weights.append(total)
    while True:
        words = rng.choices(vocab, cum_weights=cum_weights, k=100000)
        lines, i = [], 0
        while i < len(words):
            n = rng.randint(5, 14)
            line = " ".join(words[i:i + n])
            if rng.random() < 0.3:
                line = line.capitalize() + "."
            lines.append(line)
            i += n
        yield "\n".join(lines) + "\n"


def make_text(path: str, megabytes: float) -> str:
    """At least *megabytes* of text (see :func:`text_lines`) at *path*."""
    if _fresh(path, megabytes):
        return path
    target = int(megabytes * (1 << 20))
    if megabytes > TEXT_BLOCK_MB:
        block = make_text(os.path.join(os.path.dirname(path), "text-block.txt"), TEXT_BLOCK_MB)
        block_size = os.path.getsize(block)
        with open(path + ".tmp", "wb") as out:
            while target - out.tell() >= block_size:
                with open(block, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
            if out.tell() < target:
                with open(block, "rb") as src:
                    # the rest of the target, ended at a line boundary
                    out.write(src.read(target - out.tell()) + src.readline())
        os.replace(path + ".tmp", path)
        return path
    with open(path + ".tmp", "wb") as out:
        for chunk in text_lines():
            out.write(chunk.encode("utf_8"))
            if out.tell() >= target:
                break
    os.replace(path + ".tmp", path)
    return path


def make_distinct(path: str, megabytes: float) -> str:
    """Lines ``key<TAB>1`` with every key different, in shuffled order."""
    if _fresh(path, megabytes):
        return path
    rng = random.Random(7)
    line_size = len("k%014d\t1\n" % 0)
    count = int(megabytes * (1 << 20)) // line_size + 1
    with open(path + ".tmp", "w") as out:
        block = 1 << 20
        for start in range(0, count, block):
            ids = list(range(start, min(start + block, count)))
            rng.shuffle(ids)
            out.write("".join("k%014d\t1\n" % (i * 2654435761 % (1 << 46)) for i in ids))
    os.replace(path + ".tmp", path)
    return path


_COUNTRIES = ["de", "fr", "us", "jp", "br", "in", "ng", "se", "ca", "au", "mx", "za"]
_TIERS = ["free", "plus", "pro"]


def order_record(rng: random.Random, order_id: int) -> dict:
    """One nested order: a user (id, country, tier) and one to five items."""
    user_id = int(rng.paretovariate(1.2) * 1000) % 200000
    # a user orders from one of two countries, so the reducer's set has work
    country = _COUNTRIES[(user_id + rng.randrange(2)) % len(_COUNTRIES)]
    return {
        "order_id": order_id,
        "user": {"id": user_id, "country": country,
                 "tier": _TIERS[user_id % len(_TIERS)]},
        "items": [{"sku": "sku-%05d" % rng.randrange(20000), "qty": rng.randint(1, 4),
                   "price_cents": rng.randrange(99, 20000)}
                  for _ in range(rng.randint(1, 5))],
        "paid": rng.random() < 0.9,
    }


def make_orders(path: str, megabytes: float) -> str:
    """JSON lines of :func:`order_record` orders, at least *megabytes*."""
    if _fresh(path, megabytes):
        return path
    rng = random.Random(1821)
    target = int(megabytes * (1 << 20))
    order_id = 0
    with open(path + ".tmp", "wb") as out:
        while out.tell() < target:
            lines = []
            for _ in range(2000):
                lines.append(json.dumps(order_record(rng, order_id)))
                order_id += 1
            out.write(("\n".join(lines) + "\n").encode("utf_8"))
    os.replace(path + ".tmp", path)
    return path


def make_gzip_pieces(text: str, directory: str, pieces: int) -> list:
    """*text* cut at line boundaries into *pieces* gzipped files in
    *directory* (made once); their paths, in order."""
    paths = [os.path.join(directory, "piece-%02d.txt.gz" % num) for num in range(pieces)]
    if all(os.path.exists(path) for path in paths):
        return paths
    os.makedirs(directory, exist_ok=True)
    size = os.path.getsize(text)
    with open(text, "rb") as src:
        for num, path in enumerate(paths):
            data = src.read(size // pieces)
            data += src.read() if num == pieces - 1 else src.readline()
            # mtime=0: the same bytes on every run
            with open(path + ".tmp", "wb") as raw, \
                    gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
                out.write(data)
            os.replace(path + ".tmp", path)
    return paths


_SMALL_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                "india")


def make_small_files(directory: str, count: int) -> int:
    """*count* text files of about 150 bytes in *directory* (made once);
    their total bytes."""
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(19)
    total = 0
    for num in range(count):
        path = os.path.join(directory, "doc-%06d.txt" % num)
        lines = [" ".join(rng.choices(_SMALL_WORDS, k=6)) for _ in range(4)]
        data = ("\n".join(lines) + "\n").encode()
        if not os.path.exists(path):
            with open(path, "wb") as out:
                out.write(data)
        total += len(data)
    return total
