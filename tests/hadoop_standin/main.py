"""Entry point of the stand-in's programs: ``hadoop``, ``mapred``,
``yarn`` and Spark's ``spark-submit``
(``python -m tests.hadoop_standin.main NAME ARGS...``, from the
shell scripts :func:`tests.hadoop_standin.install` writes). Each call is
logged first; anything the stand-in does not know fails as Hadoop does
with an unknown command. ``hadoop jar`` runs a streaming jar's job
(:mod:`tests.hadoop_standin.jobs`), or a jar that is a zip holding a
``__main__.py`` (what stands for a jar's main class in tests) with the
arguments that follow the jar."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import zipfile

from tests.hadoop_standin.fs_cli import run_fs
from tests.hadoop_standin.store import HdfsStore

_VERSION = """Hadoop 3.3.6
Source code repository https://github.com/apache/hadoop.git -r {commit}
Compiled by ubuntu on 2023-06-18T08:22Z
Compiled on platform linux-x86_64
Compiled with protoc 3.7.1
From source with checksum 5652179ad55f76cb287d9c633bb53bbd
This command was run using {home}/share/hadoop/common/hadoop-common-3.3.6.jar"""


def _log_call(home: str, name: str, argv: list) -> None:
    state = os.path.join(home, "state")
    os.makedirs(state, exist_ok=True)
    with open(os.path.join(state, "calls.log"), "a", encoding="utf_8") as log:
        log.write(" ".join(shlex.quote(word) for word in [name, *argv]) + "\n")


def _runnable_jar(path: str) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as jar:
        return "__main__.py" in jar.namelist()


def _unknown(name: str, argv: list) -> int:
    print("Error: Could not find or load main class %s" % (argv[0] if argv else name),
          file=sys.stderr)
    return 1


def hadoop(home: str, argv: list) -> int:
    if argv[:1] == ["version"]:
        print(_VERSION.format(home=home, commit="1be78238728da9266a4f88195058f08fd012bf9c"))
        return 0
    if argv[:1] in (["fs"], ["dfs"]):
        return run_fs(HdfsStore(os.path.join(home, "hdfs")), argv[1:])
    if argv[:1] == ["jar"] and len(argv) >= 2:
        jar = argv[1]
        if not os.path.exists(jar):
            print("JAR does not exist or is not a normal file: %s" % os.path.abspath(jar),
                  file=sys.stderr)
            return 255
        if os.path.basename(jar).startswith("hadoop-streaming"):
            from tests.hadoop_standin.jobs import run_streaming_jar

            return run_streaming_jar(home, argv[2:])
        if _runnable_jar(jar):
            # Hadoop's RunJar runs the jar's main class; a stand-in jar is a
            # zip with a __main__.py, run with the same arguments
            return subprocess.run([sys.executable, "-S", jar, *argv[2:]]).returncode
        print("Exception in thread \"main\" java.lang.ClassNotFoundException: %s"
              % (argv[2] if len(argv) > 2 else "main class"), file=sys.stderr)
        return 1
    if argv[:1] == ["job"]:
        return mapred(home, argv)
    return _unknown("hadoop", argv)


def mapred(home: str, argv: list) -> int:
    if argv[:2] == ["job", "-kill"] and len(argv) == 3:
        return _kill(home, argv[2], "job")
    return _unknown("mapred", argv)


def yarn(home: str, argv: list) -> int:
    if argv[:2] == ["application", "-kill"] and len(argv) == 3:
        return _kill(home, argv[2].replace("application_", "job_", 1), "application")
    if argv[:2] == ["logs", "-applicationId"] and len(argv) == 3:
        return _logs(home, argv[2])
    return _unknown("yarn", argv)


def _kill(home: str, job_id: str, what: str) -> int:
    state = os.path.join(home, "state")
    try:
        with open(os.path.join(state, "jobs", job_id)) as handle:
            pid = int(handle.read())
    except (FileNotFoundError, ValueError):
        if what == "job":
            print("Could not find job %s" % job_id, file=sys.stderr)
        else:
            print("Application %s has already finished"
                  % job_id.replace("job_", "application_", 1))
        return 255 if what == "job" else 0
    with open(os.path.join(state, "kills.log"), "a", encoding="utf_8") as log:
        log.write(job_id + "\n")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if what == "job":
        print("Killed job %s" % job_id)
    else:
        name = job_id.replace("job_", "application_", 1)
        print("Killing application %s" % name)
        print("Killed application %s" % name)
    return 0


def _logs(home: str, application_id: str) -> int:
    from tests.hadoop_standin.jobs import application_logs

    found = application_logs(home, application_id)
    if found is None:
        print("Unable to get ApplicationState. Attempting to fetch logs directly from the"
              " filesystem.", file=sys.stderr)
        print("Can not find the logs for the application: %s with the appOwner: %s"
              % (application_id, os.environ.get("USER", "hadoop")), file=sys.stderr)
        return 255
    shown = None
    for container, name, text in found:
        if container != shown:
            print("Container: %s on localhost_45454" % container)
            print("LogAggregationType: AGGREGATED")
            print("=" * 68)
            shown = container
        print("LogType:%s" % name)
        print("LogLastModifiedTime:Sat Nov 29 17:00:00 +0000 2026")
        print("LogLength:%d" % len(text.encode("utf_8")))
        print("LogContents:")
        sys.stdout.write(text)
        print("")
        print("End of LogType:%s" % name)
        print("*" * 84)
        print("")
    return 0


def spark_submit(home: str, argv: list) -> int:
    from tests.hadoop_standin.spark_submit import spark_submit as submit

    return submit(home, argv)


_PROGRAMS = {"hadoop": hadoop, "mapred": mapred, "yarn": yarn, "spark-submit": spark_submit}


def main(argv: list) -> int:
    home = os.environ["STREAMR_STANDIN_HOME"]
    name, args = argv[0], argv[1:]
    _log_call(home, name, args)
    return _PROGRAMS[name](home, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
