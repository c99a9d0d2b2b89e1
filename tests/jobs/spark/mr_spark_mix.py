"""Streaming and Spark steps in one job, for tests: a streaming word count,
then the job's own Spark function keeping the words counted at least
``--min-count`` times that are not in the stop-word file (a file of the
job's working directory), upper-cased, then a streaming reducer adding up
the counts of each upper-cased word. Each step reads what the one before
wrote."""

import json
import os
import re

from streamr.job import MRJob
from streamr.step import MRStep, SparkStep

WORD_RE = re.compile(r"[\w']+")


class MRSparkMix(MRJob):

    FILES = ["mix_stop_words.txt"]

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--min-count", type=int, default=1)

    def steps(self):
        return [
            MRStep(mapper=self.mapper_words, combiner=self.add_up, reducer=self.add_up),
            SparkStep(self.keep_common, spark_args=["--conf", "spark.default.parallelism=3"]),
            MRStep(reducer=self.add_up),
        ]

    def mapper_words(self, _, line):
        for word in WORD_RE.findall(line):
            yield word.lower(), 1

    def add_up(self, word, counts):
        yield word, sum(counts)

    def keep_common(self, input_path, output_path):
        from pyspark import SparkContext

        # the stop words are read here, in the working directory the step
        # runs in, and travel to the executors as a plain set
        with open("mix_stop_words.txt") as handle:
            stop = {line.strip() for line in handle if line.strip()}
        least = self.options.min_count
        sc = SparkContext(appName="spark mix")
        parallelism = sc.getConf().get("spark.default.parallelism", "none")
        pairs = sc.textFile(input_path).map(lambda line: line.split("\t", 1))
        kept = pairs.filter(lambda kv: int(kv[1]) >= least and json.loads(kv[0]) not in stop)
        kept.map(lambda kv: "%s\t%s" % (kv[0].upper(), kv[1])).saveAsTextFile(output_path)
        # what spark-submit was given (the step's spark_args) is visible to the job
        with open(os.environ["MIX_REPORT"], "w") as report:
            report.write("parallelism=%s\n" % parallelism)
        sc.stop()


if __name__ == "__main__":
    MRSparkMix.run()
