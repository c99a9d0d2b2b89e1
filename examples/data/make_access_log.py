"""Write the sample web-server access log that mr_url_access_count.py reads.

    python examples/data/make_access_log.py [OUTPUT]

OUTPUT defaults to access.log next to this script. The log is made up but
looks like a small site's: the Common Log Format, most lines extended to
the Combined format (referrer and user agent), a mix of GET, POST and HEAD,
pages, style sheets, images and scripts, query strings, some 404 and 500
answers, and a handful of malformed lines of the kinds real logs hold.

The output is the same on every run and every Python version: the only
randomness is a small linear congruential generator seeded with a constant.
"""

import os
import sys

LINES = 300
START = (2024, 3, 12, 6, 0, 0)  # year, month, day, hour, minute, second (UTC)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

HOSTS = (
    "192.0.2.4", "192.0.2.17", "192.0.2.88", "198.51.100.23", "198.51.100.61",
    "198.51.100.142", "203.0.113.9", "203.0.113.77", "203.0.113.200",
)
USERS = ("-", "-", "-", "-", "-", "-", "rosa", "tobias")

# (weight, method, path) of the requests a visitor makes
REQUESTS = (
    (30, "GET", "/index.html"),
    (12, "GET", "/about.html"),
    (10, "GET", "/tales/ferryman.html"),
    (8, "GET", "/tales/heron-and-mill.html"),
    (6, "GET", "/tales/flood-year.html"),
    (5, "GET", "/tales/index.html?page=2"),
    (4, "GET", "/tales/index.html?page=3&sort=oldest"),
    (8, "GET", "/feed.xml"),
    (3, "GET", "/sitemap.xml"),
    (2, "GET", "/feed.xml?format=atom"),
    (14, "GET", "/css/site.css"),
    (4, "GET", "/css/print.css?v=7"),
    (16, "GET", "/img/logo.png"),
    (6, "GET", "/img/river-map.png"),
    (7, "GET", "/search.php?q=heron"),
    (3, "GET", "/search.php?q=caf%C3%A9+bridge"),
    (3, "GET", "/contact.php"),
    (4, "POST", "/contact.php"),
    (2, "POST", "/login.php"),
    (2, "POST", "/tales/ferryman.html"),
    (5, "HEAD", "/index.html"),
    (2, "HEAD", "/feed.xml"),
    (3, "GET", "/old/lantern-night.html"),
    (2, "GET", "/wp-login.php"),
    (1, "GET", "/robots.txt"),
    (2, "GET", "/"),
)
MISSING = {"/old/lantern-night.html", "/wp-login.php"}

REFERRERS = (
    "-", "-", "-",
    "https://www.example.org/",
    "https://search.example.com/?q=river+tales",
    "https://tales.example.net/index.html",
)
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
    "curl/8.5.0",
    "ExampleBot/2.1 (+https://bot.example.com/)",
)

# lines no parser of the Common Log Format should accept, and where they go
MALFORMED = {
    41: '203.0.113.77 - - [12/Mar/2024:06:4',
    97: 'GET /index.html HTTP/1.1 200 1043',
    150: '198.51.100.23 - - [12/Mar/2024:08:02:11 +0000] "-" 408 0 "-" "-"',
    203: ('192.0.2.88 - - [12/Mar/2024:09:10:40 +0000] '
          '"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 226 "-" "-"'),
    255: '### log rotated by logrotate ###',
}


class Dice:
    """A linear congruential generator (the constants of Knuth's MMIX),
    so the output never depends on the random module's version."""

    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
        return (self.state >> 33) % n

    def pick(self, items):
        return items[self.below(len(items))]

    def weighted(self, table):
        roll = self.below(sum(row[0] for row in table))
        for row in table:
            roll -= row[0]
            if roll < 0:
                return row
        raise AssertionError("unreachable")


def timestamp(seconds):
    """The log's time format for START plus *seconds* (all within one month)."""
    year, month, day, hour, minute, second = START
    total = ((day - 1) * 24 + hour) * 3600 + minute * 60 + second + seconds
    day, rest = divmod(total, 86400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        day + 1, MONTHS[month - 1], year, hour, minute, second)


def status_and_size(dice, method, path):
    if path.split("?")[0] in MISSING:
        return 404, 196
    if path.startswith("/search.php") and dice.below(6) == 0:
        return 500, 531
    if method == "POST":
        return (303, 0) if dice.below(3) else (200, 812)
    if method == "HEAD":
        return 200, 0
    if dice.below(15) == 0:
        return 304, 0
    return 200, 300 + dice.below(24000)


def log_lines():
    dice = Dice(20240312)
    seconds = 0
    for number in range(LINES):
        seconds += 1 + dice.below(90)
        if number in MALFORMED:
            yield MALFORMED[number]
            continue
        _, method, path = dice.weighted(REQUESTS)
        status, size = status_and_size(dice, method, path)
        line = '%s - %s [%s] "%s %s HTTP/1.1" %d %s' % (
            dice.pick(HOSTS), dice.pick(USERS), timestamp(seconds), method, path,
            status, size if size else "-")
        if dice.below(5):  # most lines use the combined format
            line += ' "%s" "%s"' % (dice.pick(REFERRERS), dice.pick(AGENTS))
        yield line


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[1] if len(argv) > 1 else os.path.join(here, "access.log")
    with open(out, "w", encoding="ascii", newline="\n") as handle:
        for line in log_lines():
            handle.write(line + "\n")


if __name__ == "__main__":
    main(sys.argv)
