"""A word count that names Hadoop settings of its own: a partitioner, a
libjar, jobconf, and sorted values, so a test can see them reach ``hadoop jar``."""

import os

from streamr.job import MRJob

HERE = os.path.dirname(os.path.abspath(__file__))


class MRHadoopSettings(MRJob):

    PARTITIONER = "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"
    LIBJARS = [os.path.join(HERE, "extra-lib.jar")]
    JOBCONF = {"mapreduce.job.reduces": "2", "streamr.test.marker": "from-the-job"}

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, key, values):
        with open("greeting.txt") as handle:
            greeting = handle.read().strip()
        yield key, [greeting, sum(values)]


if __name__ == "__main__":
    MRHadoopSettings.run()
