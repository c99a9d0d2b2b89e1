"""Count GET requests for each web page in a web server's access log.

    python examples/mr_url_access_count.py examples/data/access.log

Reads logs in the Common or Combined Log Format (what Apache and nginx write
by default) and counts, per URL path, the GET requests for pages: paths
ending in ``.html`` or ``.xml`` once the query string is dropped, whatever
the answer's status. Lines that are not log entries (cut short, a bare
``"-"`` request, binary noise) are skipped and counted under the counter
``access log / malformed lines``, which the runner prints when the job ends.

Output lines are ``"<path>"<TAB><count>``, sorted by path.
"""

import re

from streamr.job import MRJob

# host ident user [time] "METHOD target HTTP/x.y" status size [...]
LOG_ENTRY_RE = re.compile(
    r'^(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/\d(?:\.\d)?" '
    r'(?P<status>\d{3}) (?P<size>\d+|-)(?: |$)'
)
PAGE_SUFFIXES = (".html", ".xml")


class MRURLAccessCount(MRJob):

    def mapper(self, _, line):
        entry = LOG_ENTRY_RE.match(line)
        if entry is None:
            self.increment_counter("access log", "malformed lines")
            return
        if entry.group("method") != "GET":
            return
        path = entry.group("target").split("?", 1)[0]
        if path.endswith(PAGE_SUFFIXES):
            yield path, 1

    def combiner(self, path, counts):
        yield path, sum(counts)

    def reducer(self, path, counts):
        yield path, sum(counts)


if __name__ == "__main__":
    MRURLAccessCount.run()
