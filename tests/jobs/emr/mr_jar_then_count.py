"""A jar step (a stand-in jar in the simulated EMR upper-cases its input),
then a streaming step counting the words it wrote."""

from streamr.job import MRJob
from streamr.step import GENERIC_ARGS, INPUT, OUTPUT, JarStep, MRStep

JAR = "s3://jar-bucket/upper.jar"


class MRJarThenCount(MRJob):

    def steps(self):
        return [
            JarStep(JAR, args=[GENERIC_ARGS, INPUT, OUTPUT], main_class="example.Upper",
                    jobconf={"upper.mode": "all"}),
            MRStep(mapper=self.mapper, reducer=self.reducer),
        ]

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRJarThenCount.run()
