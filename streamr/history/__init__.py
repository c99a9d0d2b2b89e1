"""The run history: one record per run of a job, kept in a store that
outlives the run, so that people can see in one place what ran, what is
running or waiting, and why a run failed.

Runners write through :class:`~streamr.history.recorder.Recorder`; the
``streamr runs`` command and the dashboard read through
:func:`~streamr.history.reading.open_history`. This package knows runs, not
runners: it never imports :mod:`streamr.runners` or :mod:`streamr.job`, so a
runner's plumbing can change without the record's shape changing with it.
"""
