"""Why a job failed on a Hadoop cluster: its task attempts' logs, read for
the probable cause (:func:`streamr.logs.find_probable_cause`, the same
parser the EMR runner uses: the user's Python traceback first, else a
Java exception, with the input split being read).

The logs come from the directories of the ``hadoop_log_dirs`` option when
it is set (YARN's ``userlogs/<application>/<container>/`` layout, as
NodeManagers and the job history keep them); else from ``yarn logs
-applicationId`` (aggregated logs); else from the usual local log
directories (``$HADOOP_LOG_DIR``, ``$YARN_LOG_DIR``, ``logs/`` of the
installation, ``/var/log/hadoop-yarn``).
"""

from __future__ import annotations

import logging
import os
import subprocess

from streamr.fs.hadoop_bin import hadoop_homes
from streamr.logs import ProbableCause, find_probable_cause, log_type

__all__ = ["default_log_dirs", "logs_from_dirs", "parse_yarn_logs", "probable_cause"]

log = logging.getLogger(__name__)

#: the task logs worth reading
_WANTED = ("stderr", "syslog")
#: most bytes read from one log file (its end is kept: the error is last)
MAX_LOG_BYTES = 1 << 20


def default_log_dirs(environ=None) -> list:
    """Local directories a cluster node usually keeps YARN's logs in."""
    environ = os.environ if environ is None else environ
    dirs = [environ[name] for name in ("HADOOP_LOG_DIR", "YARN_LOG_DIR") if environ.get(name)]
    dirs += [os.path.join(home, "logs") for _, home in hadoop_homes(environ)]
    dirs += ["/var/log/hadoop-yarn/containers", "/var/log/hadoop-yarn/apps",
             "/var/log/hadoop-yarn", "/var/log/hadoop"]
    return dirs


def logs_from_dirs(dirs: list, application_id: str) -> dict:
    """``{path: lines}`` of the task logs of *application_id* found under
    *dirs* (any depth: ``userlogs/<application>/<container>/stderr``)."""
    found = {}
    for top in dirs:
        if not os.path.isdir(top):
            continue
        for folder, subdirs, names in os.walk(top):
            subdirs.sort()
            if application_id not in folder:
                continue
            for name in sorted(names):
                if log_type(name) in _WANTED:
                    path = os.path.join(folder, name)
                    found[path] = _read_tail(path)
    return found


def _read_tail(path: str) -> list:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - MAX_LOG_BYTES))
            return handle.read().decode("utf_8", "replace").splitlines()
    except OSError as exc:
        log.debug("could not read %s: %s", path, exc)
        return []


def parse_yarn_logs(text: str, application_id: str) -> dict:
    """``{path: lines}`` from ``yarn logs -applicationId`` output: each
    ``Container: <id> on <host>`` section's ``LogType:<name>`` logs, named
    ``yarn logs -applicationId <app>: <container>/<name>``."""
    found: dict = {}
    container = name = None
    body: list | None = None
    for line in text.splitlines():
        if body is not None:
            if line == "End of LogType:%s" % name:
                found["yarn logs -applicationId %s: %s/%s" % (application_id, container, name)
                      ] = body
                body = None
            else:
                body.append(line)
            continue
        if line.startswith("Container: "):
            container = line.split()[1]
        elif line.startswith("LogType:"):
            name = line[len("LogType:"):].strip()
        elif line.startswith("LogContents:") and container and name:
            body = []
    return {path: lines for path, lines in found.items() if log_type(path) in _WANTED}


def _yarn_logs(yarn: list, application_id: str) -> dict:
    command = yarn + ["logs", "-applicationId", application_id]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("%s: %s", " ".join(command), exc)
        return {}
    if done.returncode != 0:
        log.debug("%s failed: %s", " ".join(command), done.stderr[-500:])
        return {}
    return parse_yarn_logs(done.stdout.decode("utf_8", "replace"), application_id)


def probable_cause(application_id: str | None, *, log_dirs: list | None,
                   yarn: list) -> tuple[ProbableCause | None, str]:
    """The probable cause of the failed application, and where its logs
    were looked for (to tell the user when none was found)."""
    if not application_id:
        return None, "no application was started"
    if log_dirs:
        cause = find_probable_cause(logs_from_dirs(log_dirs, application_id))
        return cause, ", ".join(log_dirs)
    cause = find_probable_cause(_yarn_logs(yarn, application_id))
    if cause is not None:
        return cause, "yarn logs"
    dirs = default_log_dirs()
    cause = find_probable_cause(logs_from_dirs(dirs, application_id))
    return cause, "yarn logs -applicationId %s, %s" % (application_id, ", ".join(dirs))
