"""streamr: write a MapReduce job once as a Python class, run it inline, on
every core of one machine, or on Amazon EMR."""

__version__ = "0.1.0"
