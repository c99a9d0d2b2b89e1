"""pytest fixtures for the simulated EMR, registered in tests/conftest.py.

``emr_sim`` gives a :class:`~tests.emr_sim.sim.SimulatedEMR` on the
session's moto server (one simulator for the whole run, started on first
use), reset before and after each test, with its :meth:`env` applied to
this process through monkeypatch (so boto3 clients made in the test, and
subprocesses inheriting the environment, reach the simulator)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def emr_sim_session(moto_server):
    """The session's simulator (use ``emr_sim`` in tests)."""
    from tests.emr_sim.sim import SimulatedEMR

    sim = SimulatedEMR(server=moto_server).start()
    yield sim
    sim.stop()


@pytest.fixture()
def emr_sim(emr_sim_session, monkeypatch):
    """A clean simulated EMR, its environment applied to this process."""
    sim = emr_sim_session
    sim.reset()
    for name, value in sim.env(include_unset=True).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    yield sim
    sim.reset()
