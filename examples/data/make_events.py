"""Write the sample event stream that mr_event_count.py reads.

    python examples/data/make_events.py [OUTPUT]

OUTPUT defaults to events.jsonl.gz next to this script: gzipped JSON lines,
one event each, such as::

    {"type": "view", "user": "u017", "ts": "2024-03-12T08:15:03Z", "page": "/index.html"}

Types are ``view``, ``click`` and ``purchase`` (purchases carry an
``amount`` instead of a page), over three days of March 2024, in time order.

The bytes are the same on every run: the random numbers come from
``random.Random(seed).random()``, whose sequence Python promises not to
change, and the gzip header's time stamp is set to 0.
"""

import gzip
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

EVENTS = 500
SEED = 1312
START = datetime(2024, 3, 12, 0, 0, 0, tzinfo=timezone.utc)
TYPES = (("view", 6), ("click", 3), ("purchase", 1))
USERS = ["u%03d" % n for n in range(1, 41)]
PAGES = ("/index.html", "/about.html", "/tales/ferryman.html",
         "/tales/flood-year.html", "/shop/map-print.html", "/shop/ledger-notebook.html")


def below(rng, n):
    """A whole number in ``range(n)``."""
    return int(rng.random() * n)


def pick_type(rng):
    roll = below(rng, sum(weight for _, weight in TYPES))
    for name, weight in TYPES:
        if roll < weight:
            return name
        roll -= weight
    raise AssertionError("unreachable")


def events():
    rng = random.Random(SEED)
    when = START
    for _ in range(EVENTS):
        when += timedelta(seconds=1 + below(rng, 1000))
        event = {
            "type": pick_type(rng),
            "user": USERS[below(rng, len(USERS))],
            "ts": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if event["type"] == "purchase":
            event["amount"] = (500 + below(rng, 4500)) / 100
        else:
            event["page"] = PAGES[below(rng, len(PAGES))]
        yield event


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[1] if len(argv) > 1 else os.path.join(here, "events.jsonl.gz")
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               mtime=0) as packed:
        for event in events():
            packed.write(json.dumps(event).encode("utf_8") + b"\n")


if __name__ == "__main__":
    main(sys.argv)
