"""A job whose one step is a :class:`~streamr.step.SparkJarStep`, for tests.

A Spark program in a jar needs compiled JVM code; the one jar every Spark
installation has is Spark's own, so the step runs a main class from it:
``org.apache.spark.deploy.SparkSubmit``, which runs the small PySpark
script next to this file on INPUT and OUTPUT. That is enough to check what
a jar step needs: the jar, its main class, and the placeholders in its
arguments replaced."""

import glob
import os

from streamr.job import MRJob
from streamr.step import INPUT, OUTPUT, SparkJarStep

HERE = os.path.dirname(os.path.abspath(__file__))


def spark_core_jar():
    """The spark-core jar of the installed pyspark (imported only here:
    the job's file is read where Spark may not be installed)."""
    import pyspark

    jars = os.path.join(os.path.dirname(pyspark.__file__), "jars")
    return glob.glob(os.path.join(jars, "spark-core_*.jar"))[0]


class MRSparkJar(MRJob):

    def steps(self):
        return [SparkJarStep(spark_core_jar(), "org.apache.spark.deploy.SparkSubmit",
                             args=["--master", "local[1]",
                                   os.path.join(HERE, "spark_upper_lines.py"),
                                   INPUT, OUTPUT])]


if __name__ == "__main__":
    MRSparkJar.run()
