"""Running jobs on Apache Spark.

* :mod:`streamr.runners.spark.submit`: finding ``spark-submit`` and Java,
  building its command line, running it and reading its failures (shared
  by every runner that submits to Spark);
* :mod:`streamr.runners.spark.harness`: the Spark program that runs an
  ordinary job's steps with Hadoop's semantics, and
  :mod:`streamr.runners.spark.tasks`, the work of each of its partitions
  (one Hadoop task);
* :mod:`streamr.runners.spark.steps`: the Spark job types (``SparkStep``,
  ``SparkJarStep``, ``SparkScriptStep``) as ``spark-submit`` runs them;
* :mod:`streamr.runners.spark.runner`: ``-r spark``.

Nothing here imports pyspark at module level: without it installed, the
runner still loads and says in one line how to install it."""
