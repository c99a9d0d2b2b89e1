"""Small jobs for the mrjob-compatibility tests (issue 14, items 1-9);
``STREAMR_TEST_JOB`` names the class to run."""

import os
import sys

from streamr.compat import jobconf_from_env
from streamr.job import MRJob


class MRRawLineCount(MRJob):
    """mapper_raw: counts the lines of each file it is given."""

    def mapper_raw(self, path, uri):
        with open(path, "rb") as handle:
            yield "lines", sum(1 for _ in handle)

    def reducer(self, key, values):
        yield key, sum(values)


class MRGrepPreFilter(MRJob):
    """A pre-filter that matches nothing in some splits."""

    def mapper_pre_filter(self):
        return "grep needle"

    def mapper(self, _, line):
        yield line, 1


class MRRunShippedScript(MRJob):
    """Runs a file shipped with --files as ./shout.sh."""

    def mapper_cmd(self):
        return "./shout.sh"


class MRCacheProperties(MRJob):
    NAMES = ("mapreduce.job.cache.files", "mapreduce.job.cache.local.files",
             "mapreduce.job.cache.archives", "mapreduce.job.cache.local.archives",
             "mapreduce.job.local.dir", "mapreduce.task.output.dir")

    def mapper(self, _, line):
        return iter(())

    def mapper_final(self):
        for name in self.NAMES:
            yield name, [jobconf_from_env(name), os.getcwd()]

    def reducer(self, key, values):
        yield key, sorted(values)[0]


class MRWordCount(MRJob):
    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    if os.environ.get("STREAMR_TEST_EXPLICIT_ARGS"):
        # builds the job with explicit arguments, as some scripts do
        job = MRWordCount(["-r", "local", "--no-conf", *sys.argv[1:]])
        job.execute()
    else:
        globals()[os.environ["STREAMR_TEST_JOB"]].run()
