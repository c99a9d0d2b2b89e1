"""Hadoop properties that tasks and runners agree on.

Runners set them in a step's jobconf and tasks read them from their
environment, so both sides name them here, in the engine, which every
runner may import (runners never import :mod:`streamr.job`).

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

__all__ = ["SKIP_MALFORMED_PROPERTY", "SORT_VALUES_JOBCONF", "SORT_VALUES_PARTITIONER"]

#: Hadoop property that tells tasks to skip (and count) lines the input or
#: internal protocol cannot read instead of failing.
SKIP_MALFORMED_PROPERTY = "streamr.skip.malformed.records"

#: jobconf a ``SORT_VALUES`` job adds: Hadoop sorts whole lines but
#: partitions by key alone
SORT_VALUES_JOBCONF = {
    "stream.num.map.output.key.fields": "2",
    "mapreduce.partition.keypartitioner.options": "-k1,1",
}
#: the partitioner a ``SORT_VALUES`` job uses unless it names its own
SORT_VALUES_PARTITIONER = "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"
