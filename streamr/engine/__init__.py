"""The map/reduce engine that runs inside tasks.

Everything between reading a task's input and writing its output lives here:
cutting inputs into splits (:mod:`~streamr.engine.splits`), choosing the key
ranges of reduce tasks (:mod:`~streamr.engine.partition`), the map side with
its combiner and spills (:mod:`~streamr.engine.mapside`), sorted runs
(:mod:`~streamr.engine.sortedruns`), what a task knows about its job
(:mod:`~streamr.engine.context`) and the task bodies
(:mod:`~streamr.engine.streaming`, :mod:`~streamr.engine.tasks`).

The inline and local runners drive the same code, so a job cannot tell them
apart, and a runner added later (Spark) can reuse it.

Every module of this package runs inside tasks: standard library only,
importable on Python 3.9, and no runner, AWS, config or command-line code.
"""
