"""Jobs for the tests of what mrjob users bring along: options, the
properties tasks see, and messages of a sandboxed job."""

import logging
import os

from streamr.job import MRJob

log = logging.getLogger(__name__)


class MRPropertyNames(MRJob):
    """Reports, once per map task, which names of a few Hadoop properties
    the task's environment holds."""

    NAMES = ("mapred.task.is.map", "mapreduce.task.ismap", "mapred.job.id",
             "mapreduce.job.id", "mapred.reduce.tasks", "mapreduce.job.reduces")

    def mapper_init(self):
        self.seen = [name for name in self.NAMES if name.replace(".", "_") in os.environ]

    def mapper(self, _, line):
        return iter(())

    def mapper_final(self):
        yield "seen", self.seen

    def reducer(self, key, values):
        yield key, sorted({name for seen in values for name in seen})


class MRLogsAndFails(MRJob):
    """Logs a line from the job's code, then fails in the reducer."""

    def mapper(self, _, line):
        log.warning("mapper saw %s", line)
        yield line, 1

    def reducer(self, key, values):
        raise RuntimeError("reducer gave up on %s" % key)


if __name__ == "__main__":
    MRPropertyNames.run()
