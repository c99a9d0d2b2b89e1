"""Jobs for the local runner's tests.

The local runner starts every task as ``python mr_local_jobs.py --mapper
...``, so the class to run is named by the environment variable
``STREAMR_TEST_JOB`` (tests pass it with ``--cmdenv``, or in the
environment of a job started as a subprocess).
"""

import os
import subprocess
import sys
import time

from streamr.compat import jobconf_from_env
from streamr.job import MRJob
from streamr.protocol import JSONProtocol, TextProtocol

# the Hadoop streaming variables a task reports, by short name
TASK_VARIABLES = {
    "input_file": "mapreduce_map_input_file",
    "start": "mapreduce_map_input_start",
    "length": "mapreduce_map_input_length",
    "partition": "mapreduce_task_partition",
    "attempt": "mapreduce_task_attempt_id",
    "task": "mapreduce_task_id",
    "job": "mapreduce_job_id",
    "ismap": "mapreduce_task_ismap",
}


def task_facts():
    """What this task sees of Hadoop streaming's environment."""
    facts = {name: os.environ.get(var) for name, var in TASK_VARIABLES.items()}
    facts["my_conf"] = jobconf_from_env("my.conf.value")
    facts["cmdenv"] = os.environ.get("STREAMR_CHECK_VAR")
    return facts


class MRSplitReport(MRJob):
    """One record per task: the map tasks' environment and every line each
    one read (in order); the reduce tasks' environment."""

    def mapper_init(self):
        self.lines = []

    def mapper(self, _, line):
        self.lines.append(line)

    def mapper_final(self):
        facts = task_facts()
        facts["lines"] = self.lines
        yield ["map", int(facts["partition"])], facts

    def reducer(self, key, values):
        for value in values:
            yield key, value

    def reducer_final(self):
        facts = task_facts()
        yield ["reduce", int(facts["partition"])], facts


class MRLineCount(MRJob):
    """How many times each whole line occurs."""

    def mapper(self, _, line):
        yield line, 1

    def reducer(self, line, counts):
        yield line, sum(counts)


class MRKeyValues(MRJob):
    """Every value of each key, in the order the reducer sees them: the
    first word of each line with the line's number."""

    def mapper(self, _, line):
        word, number = line.split()
        yield word, int(number)

    def reducer(self, key, values):
        yield key, list(values)


class MRKeyValuesText(MRKeyValues):
    """The same with a line-based internal protocol (map output is kept as
    encoded lines rather than objects)."""

    INTERNAL_PROTOCOL = TextProtocol

    def mapper(self, _, line):
        word, number = line.split()
        yield word, number


class MRWordSum(MRJob):
    """Word count with a combiner, many distinct keys."""

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def combiner(self, word, counts):
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield word, sum(counts)


class MRCmdMapper(MRJob):
    """A shell command as mapper, Python reducer (the first task running
    Python, so it reads with the input protocol)."""

    INPUT_PROTOCOL = JSONProtocol

    def mapper_cmd(self):
        return r"""awk '{for (i = 1; i <= NF; i++) printf "\"%s\"\t1\n", $i}'"""

    def reducer(self, word, counts):
        yield word, sum(counts)


class MRFiltersAndCmdCombiner(MRJob):
    """Python mapper and reducer behind shell filters, with a shell
    combiner: lines holding ``skip`` never reach the mapper, the key
    ``"drop"`` never reaches the reducer."""

    def mapper_pre_filter(self):
        return "sed '/skip/d'"

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def combiner_cmd(self):
        return r"""uniq -c | awk '{printf "%s\t%s\n", $2, $1}'"""

    def reducer_pre_filter(self):
        return """sed '/^"drop"/d'"""

    def reducer(self, word, counts):
        yield word, sum(counts)


class MRCombinerPreFilter(MRWordSum):
    """A Python combiner behind a shell filter that drops the key ``"eps"``
    (so it reaches no reducer either)."""

    def combiner_pre_filter(self):
        return """sed '/^"eps"/d'"""


class MRCmdReducer(MRJob):
    """Python mapper, shell command as reducer."""

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer_cmd(self):
        return r"""uniq -c | awk '{printf "%s\t%s\n", $2, $1}'"""


class MRReadFiles(MRJob):
    """Map-only: each input line names something to look at in the task's
    working directory: ``env:NAME`` (an environment variable), ``ls:DIR``
    (a directory listing) or a file path (its first line)."""

    FILES = ["mr_features.py#features_copy.py"]

    def mapper(self, _, line):
        if line.startswith("env:"):
            yield line, os.environ.get(line[4:])
        elif line.startswith("ls:"):
            yield line, sorted(os.listdir(line[3:]))
        elif os.path.isfile(line):
            with open(line, encoding="utf_8") as handle:
                yield line, handle.readline().rstrip("\n")
        else:
            yield line, None


class MRFailOnce(MRJob):
    """Word count whose tasks (mappers, or reducers with ``--fail-in
    reducer``) each fail on their first attempt: a marker file per task in
    ``$STREAMR_MARKER_DIR`` remembers that it has failed once."""

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--fail-in", default="mapper", choices=["mapper", "reducer"])

    def _fail_first_time(self, kind):
        if self.options.fail_in != kind:
            return
        marker = os.path.join(os.environ["STREAMR_MARKER_DIR"], os.environ["mapreduce_task_id"])
        if not os.path.exists(marker):
            open(marker, "w").close()
            raise RuntimeError("first attempt of this task fails on purpose")

    def mapper_init(self):
        self._fail_first_time("mapper")

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def mapper_final(self):
        yield "__attempt__", jobconf_from_env("mapreduce.task.attempt.id")

    def reducer_init(self):
        self._fail_first_time("reducer")

    def reducer(self, key, values):
        if key == "__attempt__":
            yield key, sorted(values)
        else:
            yield key, sum(values)

    def reducer_final(self):
        yield "__reduce_attempt__", jobconf_from_env("mapreduce.task.attempt.id")


class MRSleepy(MRJob):
    """Each map task sleeps ``--sleep`` seconds; with ``--marker``, it first
    starts a child process (holding the marker in its command line) that
    sleeps 15 minutes, far past any test's deadline, to check that stopping
    a task stops its children. The
    map task numbered ``--fail-partition`` fails after a second instead
    (by then the other tasks have started their children)."""

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--sleep", type=float, default=1.0)
        self.add_passthru_arg("--marker", default=None)
        self.add_passthru_arg("--fail-partition", default=None)

    def mapper_init(self):
        if self.options.fail_partition == jobconf_from_env("mapreduce.task.partition"):
            time.sleep(1)
            raise RuntimeError("map task %s fails" % self.options.fail_partition)
        if self.options.marker:
            self.child = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(900)", self.options.marker])
        time.sleep(self.options.sleep)

    def mapper(self, _, line):
        yield line, 1

    def reducer(self, line, counts):
        yield line, sum(counts)


if __name__ == "__main__":
    globals()[os.environ["STREAMR_TEST_JOB"]].run()
