"""A job with one Spark step (which ``-r hadoop`` leaves to ``-r spark``).
The step is described as the Spark runner's steps are (``type: spark``)."""

from streamr.job import MRJob


class SparkLikeStep:
    def description(self, step_num=0):
        return {"type": "spark", "jobconf": {}, "spark_args": []}


class MRSparkStep(MRJob):

    def steps(self):
        return [SparkLikeStep()]


if __name__ == "__main__":
    MRSparkStep.run()
