"""The EMR Serverless runner (``-r emr-serverless``): a job's steps as job
runs of an EMR Serverless Spark application. See
:mod:`streamr.runners.emr_serverless.runner`."""
