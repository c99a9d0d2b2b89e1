"""Stand-ins for the programs bootstrap scripts and tasks call on a real EMR
node, put first on PATH of every process the simulator starts there.

* ``sudo``: runs the command as the current user (skips ``-u USER``,
  ``-g GROUP``, ``-E`` and other flags; ``sudo VAR=value cmd`` works);
* ``yum``, ``dnf``, ``apt-get``, ``apt``, ``pip``, ``pip3``: succeed and do
  nothing (no network);
* ``shutdown``, ``reboot``, ``systemctl``: do nothing;
* ``python3``, ``python``: this test run's interpreter with ``-S``, so only
  the standard library and PYTHONPATH can be imported (``python3 -m pip``
  goes to the ``pip`` stand-in);
* ``aws`` (``aws s3 cp``, ``aws s3 ls``), ``hadoop`` / ``hdfs``
  (``hadoop fs -get|-copyToLocal|-put|-copyFromLocal|-cat|-ls|-mkdir|-test|-rm``
  on ``s3://`` URIs): small Python scripts (``standin_bin/``) run with this
  test run's interpreter, reaching the moto server through boto3.

Each call is appended, as one line ``name arg arg...``, to the file named
by ``STREAMR_SIM_CALL_LOG`` when that is set."""

from __future__ import annotations

import os
import shlex
import sys

__all__ = ["STANDIN_NAMES", "install_standins"]

_SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standin_bin")

_LOG = """log_call() {
    if [ -n "$STREAMR_SIM_CALL_LOG" ]; then
        printf '%s\\n' "$*" >> "$STREAMR_SIM_CALL_LOG"
    fi
}
"""

_SUDO = """#!/bin/sh
# stand-in for sudo on a simulated EMR node: no change of user
{log}log_call sudo "$@"
while [ $# -gt 0 ]; do
    case "$1" in
        -u|-g|-C|-D|-p|-r|-t|-T|-U|-h) shift 2 ;;
        --) shift; break ;;
        -*) shift ;;
        *) break ;;
    esac
done
[ $# -eq 0 ] && exit 0
exec env "$@"
"""

_NOTHING = """#!/bin/sh
# stand-in for {name} on a simulated EMR node: succeeds, does nothing
{log}log_call {name} "$@"
echo "{name} (simulated EMR node): nothing done for: {name} $*" >&2
exit 0
"""

_PYTHON = """#!/bin/sh
# stand-in for {name} on a simulated EMR node: standard library only (-S)
if [ "$1" = "-m" ] && {{ [ "$2" = "pip" ] || [ "$2" = "pip3" ]; }}; then
    shift 2
    exec {bin}/pip "$@"
fi
exec {python} -S "$@"
"""

_PY_SCRIPT = """#!/bin/sh
# stand-in for {name} on a simulated EMR node
exec env STREAMR_SIM_STANDIN={name} {python} {script} "$@"
"""

_DO_NOTHING = ("yum", "dnf", "apt-get", "apt", "pip", "pip3", "shutdown", "reboot",
               "systemctl")
_PYTHON_SCRIPTS = {"aws": "aws.py", "hadoop": "hadoop.py", "hdfs": "hadoop.py"}

#: every program this module stands in for
STANDIN_NAMES = ("sudo", "python3", "python", *_DO_NOTHING, *_PYTHON_SCRIPTS)


def install_standins(bin_dir: str, python: str | None = None) -> str:
    """Write the stand-ins into *bin_dir* (made if need be) and return it.
    *python* is the interpreter they use (this one by default)."""
    python = python or sys.executable
    os.makedirs(bin_dir, exist_ok=True)
    quoted = shlex.quote(python)
    scripts = {"sudo": _SUDO.format(log=_LOG)}
    for name in _DO_NOTHING:
        scripts[name] = _NOTHING.format(name=name, log=_LOG)
    for name in ("python3", "python"):
        scripts[name] = _PYTHON.format(name=name, python=quoted, bin=shlex.quote(bin_dir))
    for name, script in _PYTHON_SCRIPTS.items():
        scripts[name] = _PY_SCRIPT.format(
            name=name, python=quoted, script=shlex.quote(os.path.join(_SCRIPTS_DIR, script)))
    for name, text in scripts.items():
        path = os.path.join(bin_dir, name)
        with open(path, "w") as out:
            out.write(text)
        os.chmod(path, 0o755)
    return bin_dir
