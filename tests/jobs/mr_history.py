"""Jobs for the run-history tests: a word count that can be told to fail
in its reducer, or to wait in its mapper until a file appears (so a test
can kill it while it runs)."""

import os
import time

from streamr.job import MRJob


class MRHistoryCount(MRJob):
    """Counts words. ``--fail-on WORD`` makes the reducer raise on WORD;
    ``--hold-until PATH`` makes the mapper write PATH.started.PID and then wait
    until PATH exists; ``--interrupt`` makes it stop as Ctrl-C stops it."""

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--fail-on", default="")
        self.add_passthru_arg("--hold-until", default="")
        self.add_passthru_arg("--api-token", default="")
        self.add_passthru_arg("--interrupt", action="store_true")

    def mapper(self, _, line):
        if self.options.interrupt:
            raise KeyboardInterrupt  # what Ctrl-C raises in the inline runner's process
        hold = self.options.hold_until
        if hold:
            with open("%s.started.%d" % (hold, os.getpid()), "w"):
                pass
            # the test kills this process: it waits for an event that never comes
            while not os.path.exists(hold):
                time.sleep(0.05)
        for word in line.split():
            self.increment_counter("words", "seen")
            yield word, 1

    def reducer(self, word, counts):
        if word == self.options.fail_on:
            raise ValueError("cannot count %s" % word)
        yield word, sum(counts)


if __name__ == "__main__":
    MRHistoryCount.run()
