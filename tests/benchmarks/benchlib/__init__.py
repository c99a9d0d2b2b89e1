"""The parts of the benchmark harness behind ``run_benchmarks.py``: data
generators, the measuring of one run, the contenders, the report writer and
the benchmarks themselves, each in a module of its own so each stays small
and the pure parts can be tested without running a benchmark."""
