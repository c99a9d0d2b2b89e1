"""Step descriptions: what one MapReduce step of a job runs.

A job's ``steps()`` returns a list of these. :class:`MRStep` is a Hadoop
streaming step made of the job's own methods or shell commands;
:class:`JarStep` runs a jar. The Spark steps run through ``spark-submit``:
:class:`SparkStep` runs the job's own ``spark()`` method (or another
function of the same shape), :class:`SparkJarStep` a jar and
:class:`SparkScriptStep` a separate Python script. Each can describe itself
as a plain, JSON-able dict (:meth:`description`), which is what runners work
from, and the step types are mrjob's, so a job written for mrjob describes
its steps the same way here.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import shlex

# defined with the other errors a user can cause; jobs written for mrjob
# import it from here
from streamr.errors import StepFailedException

__all__ = [
    "GENERIC_ARGS",
    "INPUT",
    "OUTPUT",
    "JarStep",
    "MRStep",
    "SparkJarStep",
    "SparkScriptStep",
    "SparkStep",
    "StepFailedException",
]

#: every step type a description's ``type`` may name
STEP_TYPES = ("jar", "spark", "spark_jar", "spark_script", "streaming")
#: the step types that run through ``spark-submit``
SPARK_STEP_TYPES = ("spark", "spark_jar", "spark_script")

#: Placeholder in the args of :class:`JarStep`, :class:`SparkJarStep` and
#: :class:`SparkScriptStep`, replaced by the step's input path(s), joined by
#: commas when there are several.
INPUT = "<input>"
#: Placeholder in the args of :class:`JarStep`, :class:`SparkJarStep` and
#: :class:`SparkScriptStep`, replaced by the step's output path.
OUTPUT = "<output>"
#: Placeholder in :class:`JarStep` args, replaced by generic Hadoop args
#: (``-D`` properties, ``-libjars``).
GENERIC_ARGS = "<generic args>"

_MAPPER_KEYS = ("mapper", "mapper_init", "mapper_final", "mapper_cmd",
                "mapper_pre_filter", "mapper_raw")
_COMBINER_KEYS = ("combiner", "combiner_init", "combiner_final", "combiner_cmd",
                  "combiner_pre_filter")
_REDUCER_KEYS = ("reducer", "reducer_init", "reducer_final", "reducer_cmd",
                 "reducer_pre_filter")
_FUNC_KEYS = _MAPPER_KEYS + _COMBINER_KEYS + _REDUCER_KEYS
_STEP_KEYS = _FUNC_KEYS + ("jobconf",)


def identity_mapper(key, value):
    """Yield the pair unchanged: the mapper of a step that has none."""
    yield key, value


def identity_reducer(key, values):
    """Yield each value with its key: the reducer (or combiner) of a step
    that names only ``*_init``/``*_final``/``*_pre_filter``."""
    for value in values:
        yield key, value


class MRStep:
    """One streaming step. Keyword arguments name its parts:

    ``mapper``, ``mapper_init``, ``mapper_final``, ``mapper_cmd``,
    ``mapper_pre_filter``, ``mapper_raw``, the same for ``combiner`` and
    ``reducer`` (without ``_raw``), and ``jobconf`` (Hadoop properties for
    this step only).

    A ``*_cmd`` replaces the whole task with a shell command, so it cannot be
    combined with any other part of the same task. Look parts up with
    ``step['mapper']``: a step without a mapper maps with the identity
    function, and a step with only ``reducer_init``/``reducer_final`` reduces
    with the identity function.
    """

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - set(_STEP_KEYS))
        if unknown:
            raise TypeError("MRStep() got an unexpected keyword argument %r" % unknown[0])
        if not set(kwargs) & set(_FUNC_KEYS):
            raise ValueError("Step has no mappers and no reducers")

        self._parts = dict.fromkeys(_STEP_KEYS)
        self._parts.update(kwargs)

        self.has_explicit_mapper = any(kwargs.get(k) for k in _MAPPER_KEYS)
        self.has_explicit_combiner = any(kwargs.get(k) for k in _COMBINER_KEYS)
        self.has_explicit_reducer = any(kwargs.get(k) for k in _REDUCER_KEYS)

        self._refuse_together("mapper_cmd", _MAPPER_KEYS)
        self._refuse_together("mapper_raw", ("mapper", "mapper_pre_filter"))
        self._refuse_together("combiner_cmd", _COMBINER_KEYS)
        self._refuse_together("reducer_cmd", _REDUCER_KEYS)

    def _refuse_together(self, key, others):
        if not self._parts[key]:
            return
        for other in others:
            if other != key and self._parts[other]:
                raise ValueError("Can't specify both %s and %s" % (key, other))

    def __getitem__(self, key):
        if key == "mapper" and self._parts["mapper"] is None:
            return identity_mapper
        if key in ("combiner", "reducer") and self._parts[key] is None:
            explicit = (self.has_explicit_combiner if key == "combiner"
                        else self.has_explicit_reducer)
            if explicit:
                return identity_reducer
        return self._parts[key]

    def __eq__(self, other):
        return isinstance(other, MRStep) and self._parts == other._parts

    def __hash__(self):
        return id(self)

    def __repr__(self):
        shown = ", ".join("%s=%r" % (k, v) for k, v in self._parts.items() if v is not None)
        return "MRStep(%s)" % shown

    def _substep(self, kind):
        cmd = self._parts[kind + "_cmd"]
        pre_filter = self._parts[kind + "_pre_filter"]
        if cmd:
            if pre_filter:
                raise ValueError("Cannot specify both %s_cmd and %s_pre_filter" % (kind, kind))
            if not isinstance(cmd, str):
                cmd = " ".join(shlex.quote(str(arg)) for arg in cmd)
            return {"type": "command", "command": cmd}
        desc = {"type": "script"}
        if pre_filter:
            desc["pre_filter"] = pre_filter
        return desc

    def render_mapper(self):
        return self._substep("mapper")

    def render_combiner(self):
        return self._substep("combiner")

    def render_reducer(self):
        return self._substep("reducer")

    def description(self, step_num=0):
        """This step as a plain dict: ``type`` (``"streaming"``), and
        ``mapper``/``combiner``/``reducer`` entries that are either
        ``{"type": "script"}`` (run the job in task mode, perhaps behind a
        ``pre_filter`` command) or ``{"type": "command", "command": ...}``.

        A first step always has a mapper (so input is decoded with the input
        protocol); a later step without a mapper feeds its input straight to
        the sort."""
        desc = {"type": "streaming"}
        if step_num == 0 or self.has_explicit_mapper or self.has_explicit_combiner:
            desc["mapper"] = self.render_mapper()
        if self.has_explicit_combiner:
            desc["combiner"] = self.render_combiner()
        if self.has_explicit_reducer:
            desc["reducer"] = self.render_reducer()
        if self._parts["mapper_raw"]:
            desc["input_manifest"] = True
        if self._parts["jobconf"]:
            desc["jobconf"] = self._parts["jobconf"]
        return desc


class JarStep:
    """A step that runs a jar: ``JarStep(jar, args=[...], main_class=...,
    jobconf={...})``. Put :data:`INPUT`, :data:`OUTPUT` and
    :data:`GENERIC_ARGS` in *args* where the jar expects them."""

    _ATTRS = ("args", "jar", "jobconf", "main_class")

    def __init__(self, jar, args=None, main_class=None, jobconf=None):
        if not isinstance(jar, str):
            raise TypeError("jar must be a path or URI, not %r" % (jar,))
        self.jar = jar
        self.args = list(args or [])
        self.main_class = main_class
        self.jobconf = dict(jobconf or {})

    def __eq__(self, other):
        return isinstance(other, JarStep) and all(
            getattr(self, a) == getattr(other, a) for a in self._ATTRS)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return "JarStep(%s)" % ", ".join("%s=%r" % (a, getattr(self, a)) for a in self._ATTRS)

    def description(self, step_num=0):
        desc = {a: getattr(self, a) for a in self._ATTRS}
        desc["type"] = "jar"
        return desc


class _SparkStepBase:
    """What the three Spark steps share: a fixed set of attributes, each
    checked for its type when given and defaulted when not (lists and
    dicts fresh per step), compared by value, and described as a dict
    holding each attribute a runner needs (a function, such as
    :class:`SparkStep`'s *spark*, stays out: it cannot cross a process)."""

    _TYPE = ""
    _ATTRS: tuple = ()
    _HIDDEN: tuple = ()
    # what a given value must be; ``callable`` stands for any callable
    _KINDS = {
        "args": (list, tuple),
        "jar": str,
        "jobconf": dict,
        "main_class": str,
        "script": str,
        "spark": callable,
        "spark_args": (list, tuple),
    }
    _DEFAULTS = {"args": list, "jobconf": dict, "spark_args": list}

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - set(self._ATTRS))
        if unknown:
            raise TypeError("%s() got unexpected keyword arguments: %s"
                            % (type(self).__name__, ", ".join(unknown)))
        for name in self._ATTRS:
            value = kwargs.get(name)
            if value is None:
                value = self._default(name)
            else:
                self._check_kind(name, value)
            setattr(self, name, value)

    def _check_kind(self, name, value):
        kind = self._KINDS[name]
        if kind is callable:
            if not callable(value):
                raise TypeError("%s is not callable: %r" % (name, value))
        elif not isinstance(value, kind):
            raise TypeError("%s is not an instance of %r: %r" % (name, kind, value))

    def _default(self, name):
        make = self._DEFAULTS.get(name)
        return make() if make else None

    def __eq__(self, other):
        return isinstance(other, type(self)) and all(
            getattr(self, name) == getattr(other, name) for name in self._ATTRS)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        shown = ("%s=%r" % (name, getattr(self, name)) for name in sorted(self._ATTRS)
                 if getattr(self, name) != self._default(name))
        return "%s(%s)" % (type(self).__name__, ", ".join(shown))

    def description(self, step_num=0):
        """This step as a plain dict: ``type`` and every attribute but a
        function."""
        desc = {name: getattr(self, name) for name in self._ATTRS if name not in self._HIDDEN}
        desc["type"] = self._TYPE
        return desc


class SparkStep(_SparkStepBase):
    """A step that runs Spark code of the job's own: ``SparkStep(spark,
    jobconf={...}, spark_args=[...])``. *spark* has the shape of
    :meth:`MRJob.spark <streamr.job.MRJob.spark>`: it is called with the
    step's input path(s) (comma-separated) and its output directory, in a
    process started by ``spark-submit``, and makes its own SparkContext.
    *spark_args* are more arguments for ``spark-submit``
    (``["--executor-memory", "2G"]``).

    Described as ``{"type": "spark", "jobconf": {...}, "spark_args": [...]}``."""

    _TYPE = "spark"
    _ATTRS = ("jobconf", "spark", "spark_args")
    _HIDDEN = ("spark",)

    def __init__(self, spark, **kwargs):
        super().__init__(spark=spark, **kwargs)


class SparkJarStep(_SparkStepBase):
    """A step that runs a jar through Spark: ``SparkJarStep(jar,
    main_class, args=[...], jobconf={...}, spark_args=[...])``. Put
    :data:`INPUT` and :data:`OUTPUT` in *args* where the program expects
    its input and output paths.

    Described as ``{"type": "spark_jar", "jar": ..., "main_class": ...,
    "args": [...], "jobconf": {...}, "spark_args": [...]}``."""

    _TYPE = "spark_jar"
    _ATTRS = ("args", "jar", "jobconf", "main_class", "spark_args")

    def __init__(self, jar, main_class, **kwargs):
        super().__init__(jar=jar, main_class=main_class, **kwargs)


class SparkScriptStep(_SparkStepBase):
    """A step that runs a Python script through Spark:
    ``SparkScriptStep(script, args=[...], jobconf={...},
    spark_args=[...])``. Put :data:`INPUT` and :data:`OUTPUT` in *args*
    where the script expects its input and output paths.

    Described as ``{"type": "spark_script", "script": ..., "args": [...],
    "jobconf": {...}, "spark_args": [...]}``."""

    _TYPE = "spark_script"
    _ATTRS = ("args", "jobconf", "script", "spark_args")

    def __init__(self, script, **kwargs):
        super().__init__(script=script, **kwargs)
