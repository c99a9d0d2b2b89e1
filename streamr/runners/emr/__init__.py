"""The EMR runner (``-r emr``): runs a job's steps on Amazon EMR, on a
cluster it starts or on an existing one, and explains failures from the
cluster's logs.

:mod:`~streamr.runners.emr.runner` runs the lifecycle; where the steps run
is a placement (:mod:`~streamr.runners.emr.placement`: a given, new or
pooled cluster); :mod:`~streamr.runners.emr.step_plan` plans the steps,
:mod:`~streamr.runners.emr.cluster_start` starts clusters,
:mod:`~streamr.runners.emr.outcome` says how the steps went, from logs
fetched by :mod:`~streamr.runners.emr.log_fetch` and parsed by
:mod:`streamr.logs`."""
