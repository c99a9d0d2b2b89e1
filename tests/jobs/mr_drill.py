"""A word count for the failure drills. With ``DRILL_DIR`` and
``DRILL_BLOCK`` (``mapper`` or ``reducer``) in the environment, the task of
that kind that meets the word ``zzblock`` writes its process id to
``$DRILL_DIR/<kind>-blocked`` and then waits until ``$DRILL_DIR/go``
exists, so a test can signal, kill or race the run while a task is at a
known point. Without them it is a plain word count."""

import os
import time

from streamr.job import MRJob


def _block(kind):
    where = os.environ.get("DRILL_DIR")
    if not where or os.environ.get("DRILL_BLOCK") != kind:
        return
    marker = os.path.join(where, "%s-blocked" % kind)
    with open(marker + ".tmp", "w") as handle:
        handle.write(str(os.getpid()))
    os.replace(marker + ".tmp", marker)  # seen whole or not at all
    while not os.path.exists(os.path.join(where, "go")):
        time.sleep(0.05)


class MRDrill(MRJob):

    def mapper(self, _, line):
        for word in line.split():
            if word == "zzblock":
                _block("mapper")
            yield word, 1

    def reducer(self, word, counts):
        if word == "zzblock":
            _block("reducer")
        yield word, sum(counts)


if __name__ == "__main__":
    MRDrill.run()
