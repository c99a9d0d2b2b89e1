"""A job exercising many job features at once, for tests."""

import os

from streamr.compat import jobconf_from_env
from streamr.job import MRJob
from streamr.protocol import JSONValueProtocol
from streamr.step import MRStep


class MRTaskCensus(MRJob):
    """Counts lines per word and reports which tasks ran: mapper_final emits
    one record per map task, reducer_final one per reduce task."""

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--min-count", type=int, default=1)

    def mapper_init(self):
        self.lines = 0

    def mapper(self, _, line):
        self.lines += 1
        for word in line.split():
            yield word, 1

    def mapper_final(self):
        yield "__map_task__", jobconf_from_env("mapreduce.task.partition")

    def reducer_init(self):
        self.keys = 0

    def reducer(self, key, values):
        values = list(values)
        if key == "__map_task__":
            yield key, sorted(values)
            return
        self.keys += 1
        if sum(values) >= self.options.min_count:
            yield key, sum(values)

    def reducer_final(self):
        yield "__reduce_task__", jobconf_from_env("mapred.task.partition")


class MREnvReport(MRJob):
    """Reports environment and working-dir facts seen by the mapper."""

    def mapper_init(self):
        yield "input_file", os.path.basename(jobconf_from_env("map.input.file") or "")
        yield "my_conf", jobconf_from_env("my.conf.value")
        yield "cmdenv", os.environ.get("STREAMR_TEST_VAR")
        yield "wd_files", sorted(os.listdir("."))

    def mapper(self, _, line):
        return iter(())


class MRTwoStepMax(MRJob):
    """Multi-step: word counts, then the most common word."""

    OUTPUT_PROTOCOL = JSONValueProtocol

    def steps(self):
        return [
            MRStep(mapper=self.words, reducer=self.total),
            MRStep(reducer=self.most),
        ]

    def words(self, _, line):
        for word in line.split():
            yield word.lower(), 1

    def total(self, word, counts):
        yield None, (sum(counts), word)

    def most(self, _, pairs):
        yield None, max(pairs)


class MRSortValues(MRJob):
    SORT_VALUES = True

    def mapper(self, _, line):
        key, value = line.split()
        yield key, value

    def reducer(self, key, values):
        yield key, list(values)


class MRRaiser(MRJob):
    def mapper(self, _, line):
        if "boom" in line:
            raise ZeroDivisionError("boom line seen")
        yield line, 1


class MRRawMapper(MRJob):
    def mapper_raw(self, path, uri):
        with open(path, "rb") as handle:
            yield os.path.basename(uri), len(handle.read())


class MRCounting(MRJob):
    def mapper(self, _, line):
        self.increment_counter("lines", "seen, all")
        self.set_status("mapping")
        yield "n", 1

    def reducer(self, key, values):
        self.increment_counter("keys", "reduced", 2)
        yield key, sum(values)


class MRCommand(MRJob):
    def mapper_cmd(self):
        return "cat"


if __name__ == "__main__":
    import sys

    cls = globals()[os.environ.get("STREAMR_TEST_JOB", "MRTaskCensus")]
    sys.argv[0] = __file__
    cls.run()
