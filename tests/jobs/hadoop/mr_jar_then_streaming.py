"""A jar step (upper-casing its input) and then a streaming step counting
words: the streaming step reads what the jar wrote."""

from streamr.job import MRJob
from streamr.step import GENERIC_ARGS, INPUT, OUTPUT, JarStep, MRStep


class MRJarThenStreaming(MRJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--jar", dest="jar", help="the upper-casing jar")

    def steps(self):
        return [JarStep(self.options.jar, args=[GENERIC_ARGS, INPUT, OUTPUT],
                        jobconf={"streamr.test.jar": "yes"}),
                MRStep(mapper=self.mapper, reducer=self.reducer)]

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRJarThenStreaming.run()
