"""The EMR runner (``-r emr``): runs a job's steps on Amazon EMR, on a
cluster it starts or on an existing one, and explains failures from the
cluster's logs."""
