"""Config files: finding them and reading the options they set for a runner.

Looked for, unless paths are given: ``$STREAMR_CONF``, ``~/.streamr.conf``,
``/etc/streamr.conf`` (the first that exists). The format is YAML (JSON is
YAML too)::

    runners:
      local:
        num_cores: 4
"""

from __future__ import annotations

import os

import yaml

from streamr.errors import UsageError

__all__ = ["default_conf_paths", "load_runner_options"]


def default_conf_paths() -> list:
    """The config file read when none is named: the first that exists of
    ``$STREAMR_CONF``, ``~/.streamr.conf``, ``/etc/streamr.conf``."""
    candidates = []
    if os.environ.get("STREAMR_CONF"):
        candidates.append(os.path.expanduser(os.environ["STREAMR_CONF"]))
    candidates += [os.path.expanduser("~/.streamr.conf"), "/etc/streamr.conf"]
    for path in candidates:
        if os.path.isfile(path):
            return [path]
    return []


def load_runner_options(alias: str, conf_paths: list | None) -> list:
    """``[(path, options dict), ...]`` for runner *alias*, lowest precedence
    first. *conf_paths* ``None`` means the default file; ``[]`` means none."""
    paths = default_conf_paths() if conf_paths is None else list(conf_paths)
    result = []
    for path in paths:
        try:
            with open(os.path.expanduser(path), encoding="utf_8") as handle:
                data = yaml.safe_load(handle) or {}
        except OSError as exc:
            raise UsageError("cannot read config file %s: %s" % (path, exc.strerror)) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = " line %d column %d" % (mark.line + 1, mark.column + 1) if mark else ""
            raise UsageError("config file %s%s is not valid YAML" % (path, where)) from None
        runners = data.get("runners") or {} if isinstance(data, dict) else {}
        result.append((path, dict(runners.get(alias) or {})))
    return result
