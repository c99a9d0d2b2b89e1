"""The Hadoop runner (``-r hadoop``): runs a job on a Hadoop cluster of
one's own through the cluster's standard command line, as a person at the
cluster would.

:mod:`~streamr.runners.hadoop.runner` runs the lifecycle;
:mod:`~streamr.runners.hadoop.find` finds ``hadoop`` and the streaming jar;
:mod:`~streamr.runners.hadoop.client` runs one ``hadoop jar`` command,
showing progress from Hadoop's own output and killing the job on Ctrl-C;
:mod:`~streamr.runners.hadoop.diagnose` reads the task logs of a failed
job for its probable cause. Step arguments are
:mod:`streamr.runners.streaming_args`, shared with the EMR runner; HDFS is
:mod:`streamr.fs.hdfs`."""
