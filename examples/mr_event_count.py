"""Count events of each type in a stream of JSON events.

    python examples/mr_event_count.py examples/data/events.jsonl.gz
    python examples/mr_event_count.py --per-day examples/data/events.jsonl.gz

Each input line is one JSON object with at least ``type`` and ``ts`` (an
ISO 8601 time such as ``"2024-03-12T08:15:03Z"``); gzipped input is read
as is. ``INPUT_PROTOCOL = JSONValueProtocol`` hands the mapper each decoded
object as its value.

Output lines are ``"<type>"<TAB><count>``; with ``--per-day`` they are
``["<type>", "<YYYY-MM-DD>"]<TAB><count>``, one per type and day.
"""

from streamr.job import MRJob
from streamr.protocol import JSONValueProtocol


class MREventCount(MRJob):

    INPUT_PROTOCOL = JSONValueProtocol

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            "--per-day", action="store_true", default=False,
            help="count each type separately for each day (UTC) of its time stamp")

    def mapper(self, _, event):
        if self.options.per_day:
            yield (event["type"], event["ts"][:10]), 1
        else:
            yield event["type"], 1

    def combiner(self, key, counts):
        yield key, sum(counts)

    def reducer(self, key, counts):
        yield key, sum(counts)


if __name__ == "__main__":
    MREventCount.run()
