"""A simulated Amazon EMR for the test suite: moto as an HTTP server on
127.0.0.1, with its EMR service patched and driven so that clusters and
steps live as on EMR: bootstrap actions run on sandboxed nodes, Hadoop
streaming steps run their tasks as local processes, logs land in S3 in
EMR's layout, and faults can be injected. Clients reach it only through
the AWS APIs (boto3 with ``AWS_ENDPOINT_URL``).

Start here: :class:`SimulatedEMR` (``tests/emr_sim/sim.py``), the pytest
fixture ``emr_sim`` (``tests/emr_sim/fixture.py``), or
``python -m tests.emr_sim`` for a standalone server."""

from __future__ import annotations

from typing import Any

__all__ = ["SimulatedEMR"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that loading the fixtures costs nothing
    if name == "SimulatedEMR":
        from tests.emr_sim.sim import SimulatedEMR

        return SimulatedEMR
    raise AttributeError(name)
