"""What the test modules share, in one place: running jobs the way a user
does (:mod:`tests.support.jobs`), the simulated EMR's set-up and S3 and
cluster shortcuts (:mod:`tests.support.emr`), and waiting for an event
with a generous deadline instead of sleeping (:mod:`tests.support.waiting`).

Test modules import from here, never from each other, so a test module can
be moved, split or deleted without breaking another."""
