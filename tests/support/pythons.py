"""The Python interpreters streamr supports, and where to find them.

The supported minor versions are read from the classifiers in setup.cfg, so
the package metadata, the tests that run tasks on another Python and
``.ci/run`` (which makes a virtual environment on each of them) cannot
disagree. An interpreter of a minor version is looked for, by minor version
only (any patch release will do), in:

1. pyenv's versions directory: ``$PYENV_ROOT`` when set, else what
   ``pyenv root`` prints, else ``~/.pyenv``; then ``versions/3.9*/bin/python3.9``
   (the newest patch release first);
2. ``python3.9`` on ``PATH``.

Each candidate is run once to ask its version: a pyenv shim on ``PATH``
exists even for a version that is not installed.

From the command line, for ``.ci/run``::

    python -m tests.support.pythons --others    # supported minors but this one
    python -m tests.support.pythons 3.12        # the path of a 3.12 interpreter

The second form exits 1 with one line on stderr when there is none."""

from __future__ import annotations

import configparser
import functools
import glob
import os
import re
import shutil
import subprocess
import sys

SETUP_CFG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "setup.cfg")

_CLASSIFIER_RE = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")


class NoInterpreter(LookupError):
    """No interpreter of a supported minor version was found."""


def supported() -> list[str]:
    """The minor versions setup.cfg's classifiers name (``["3.9", ...]``), oldest first."""
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG, encoding="utf-8")
    lines = parser.get("metadata", "classifiers").strip().splitlines()
    minors = [m.group(1) for m in map(_CLASSIFIER_RE.match, (s.strip() for s in lines)) if m]
    return sorted(minors, key=_as_tuple)


def current() -> str:
    return "%d.%d" % sys.version_info[:2]


def stdlib_module_names() -> frozenset:
    """The top-level names of the standard library's modules:
    ``sys.stdlib_module_names`` from Python 3.10 on; on 3.9, which lacks it,
    the built-in and frozen modules and what the standard library's own
    directories hold (site-packages is not a module there, so what is
    installed is left out)."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    import pkgutil

    # the directory os.py is in, even from a virtual environment, and its C extensions
    stdlib = os.path.dirname(os.__file__)
    found = {module.name for module in pkgutil.iter_modules(
        [stdlib, os.path.join(stdlib, "lib-dynload")])}
    frozen = {"_frozen_importlib", "_frozen_importlib_external"}
    return frozenset(found | set(sys.builtin_module_names) | frozen)


def _as_tuple(minor: str) -> tuple:
    return tuple(int(part) for part in minor.split("."))


def pyenv_root() -> str:
    """``$PYENV_ROOT``, else ``pyenv root``'s answer, else ``~/.pyenv``."""
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    pyenv = shutil.which("pyenv")
    if pyenv:
        answer = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        if answer.returncode == 0 and answer.stdout.strip():
            return answer.stdout.strip()
    return os.path.expanduser("~/.pyenv")


def _patch_key(path: str) -> tuple:
    """Sort key of ``.../versions/3.9.18/bin/python3.9``: its release, as numbers."""
    release = os.path.basename(os.path.dirname(os.path.dirname(path)))
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[.-]", release))


def candidates(minor: str) -> list[str]:
    """Where an interpreter of *minor* may be, in the order they are tried."""
    pattern = os.path.join(pyenv_root(), "versions", minor + ".*", "bin", "python" + minor)
    found = sorted(glob.glob(pattern), key=_patch_key, reverse=True)
    on_path = shutil.which("python" + minor)
    if on_path:
        found.append(on_path)
    return found


def _minor_of(python: str) -> str | None:
    try:
        answer = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


@functools.cache
def find(minor: str) -> str:
    """The path of a working interpreter of *minor* (``"3.9"``); raises
    :class:`NoInterpreter` naming the places looked in."""
    tried = candidates(minor)
    for python in tried:
        if _minor_of(python) == minor:
            return python
    where = os.path.join(pyenv_root(), "versions", minor + ".*")
    raise NoInterpreter("no Python %s interpreter: looked in %s and for python%s on PATH%s"
                        % (minor, where, minor,
                           " (tried %s)" % ", ".join(tried) if tried else ""))


def main(argv: list[str]) -> int:
    if argv == ["--others"]:
        print("\n".join(minor for minor in supported() if minor != current()))
        return 0
    if len(argv) != 1 or argv[0] not in supported():
        print("usage: python -m tests.support.pythons --others | MINOR (one of %s)"
              % ", ".join(supported()), file=sys.stderr)
        return 2
    try:
        print(find(argv[0]))
    except NoInterpreter as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
