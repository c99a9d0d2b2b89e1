"""Hadoop properties that tasks and runners agree on.

Runners set them in a step's jobconf and tasks read them from their
environment, so both sides name them here, in the engine, which every
runner may import (runners never import :mod:`streamr.job`).

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

__all__ = [
    "FAILED_RECORDS_COUNTER",
    "PROCESSED_RECORDS_COUNTER",
    "SKIP_FAILED_PROPERTY",
    "SKIP_FAILED_TASK_MAX_PROPERTY",
    "SKIP_FAILED_TASK_PERCENT_PROPERTY",
    "SKIP_MALFORMED_PROPERTY",
    "SORT_VALUES_JOBCONF",
    "SORT_VALUES_PARTITIONER",
    "STREAMR_COUNTER_GROUP",
    "TASK_FAILURE_PERCENT_PROPERTIES",
]

#: Hadoop property that tells tasks to skip (and count) lines the input or
#: internal protocol cannot read instead of failing.
SKIP_MALFORMED_PROPERTY = "streamr.skip.malformed.records"

#: Hadoop property that tells tasks to skip (and count) the records whose
#: mapper, combiner or reducer call raises, instead of failing
SKIP_FAILED_PROPERTY = "streamr.skip.failed.records"
#: most such records one task may skip; past it the task fails
SKIP_FAILED_TASK_MAX_PROPERTY = "streamr.skip.failed.records.task.max"
#: most such records one task may skip, in percent of the records it ran
#: the job's code on; checked when the task has run them all
SKIP_FAILED_TASK_PERCENT_PROPERTY = "streamr.skip.failed.records.task.max.percent"

#: the counter group of streamr's own counters
STREAMR_COUNTER_GROUP = "streamr"
#: counter of records skipped because the job's code raised on them
FAILED_RECORDS_COUNTER = "failed records skipped"
#: counter of records the job's code was called on, counted while skipping
#: is on (what the per-job percentage is taken of)
PROCESSED_RECORDS_COUNTER = "records processed"

#: Hadoop's properties for the share of map and reduce tasks that may fail
#: (after all their attempts) without failing the job; Hadoop on EMR honours
#: them, streamr's local runners do not (they stop at the first failed task)
TASK_FAILURE_PERCENT_PROPERTIES = ("mapreduce.map.failures.maxpercent",
                                   "mapreduce.reduce.failures.maxpercent")

#: jobconf a ``SORT_VALUES`` job adds: Hadoop sorts whole lines but
#: partitions by key alone
SORT_VALUES_JOBCONF = {
    "stream.num.map.output.key.fields": "2",
    "mapreduce.partition.keypartitioner.options": "-k1,1",
}
#: the partitioner a ``SORT_VALUES`` job uses unless it names its own
SORT_VALUES_PARTITIONER = "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"
