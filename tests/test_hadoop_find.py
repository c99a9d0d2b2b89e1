"""Finding Hadoop: the ``hadoop`` program (``hadoop_bin``, then
``$HADOOP_PREFIX``, ``$HADOOP_HOME``, ``$HADOOP_INSTALL``, then PATH) and
the streaming jar (``hadoop_streaming_jar``, then the installation's usual
places); neither found is one line naming where streamr looked and the
option to set, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from streamr.errors import HadoopNotFound
from streamr.runners.hadoop.find import find_hadoop_bin, find_streaming_jar
from tests.hadoop_standin import install
from tests.support.jobs import EXAMPLES, ROOT


def _program(path) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\nexit 0\n")
    os.chmod(path, 0o755)
    return str(path)


def test_the_option_wins_over_every_place(tmp_path):
    home = _program(tmp_path / "home" / "bin" / "hadoop")
    assert home
    mine = _program(tmp_path / "opt" / "my" / "hadoop")
    found = find_hadoop_bin([mine, "--config", "/etc/x"],
                            environ={"HADOOP_HOME": str(tmp_path / "home"), "PATH": ""})
    assert found == [mine, "--config", "/etc/x"]
    on_path = _program(tmp_path / "path" / "my-hadoop")
    assert find_hadoop_bin(["my-hadoop", "fs"], environ={
        "PATH": os.path.dirname(on_path)}) == ["my-hadoop", "fs"]


def test_an_option_naming_no_program_says_so(tmp_path):
    with pytest.raises(HadoopNotFound, match=r"^hadoop_bin %s does not exist; set hadoop_bin"
                       % (tmp_path / "nothing")):
        find_hadoop_bin([str(tmp_path / "nothing")], environ={"PATH": ""})
    (tmp_path / "data").write_text("not a program")
    with pytest.raises(HadoopNotFound, match=r"is not executable"):
        find_hadoop_bin([str(tmp_path / "data")], environ={"PATH": ""})
    with pytest.raises(HadoopNotFound, match=r"^hadoop_bin my-hadoop is not on PATH"):
        find_hadoop_bin(["my-hadoop"], environ={"PATH": str(tmp_path)})


@pytest.mark.parametrize("variable", ["HADOOP_PREFIX", "HADOOP_HOME", "HADOOP_INSTALL"])
def test_each_home_variable_is_looked_at(tmp_path, variable):
    program = _program(tmp_path / variable / "bin" / "hadoop")
    assert find_hadoop_bin(None, environ={variable: str(tmp_path / variable),
                                          "PATH": ""}) == [program]


def test_homes_are_looked_at_in_hadoops_order(tmp_path):
    prefix = _program(tmp_path / "prefix" / "bin" / "hadoop")
    _program(tmp_path / "home" / "bin" / "hadoop")
    environ = {"HADOOP_HOME": str(tmp_path / "home"), "HADOOP_PREFIX": str(tmp_path / "prefix"),
               "PATH": ""}
    assert find_hadoop_bin(None, environ=environ) == [prefix]


def test_path_is_looked_at_last(tmp_path):
    on_path = _program(tmp_path / "path" / "hadoop")
    environ = {"HADOOP_HOME": str(tmp_path / "empty"), "PATH": str(tmp_path / "path")}
    assert find_hadoop_bin(None, environ=environ) == [on_path]


def test_no_hadoop_names_every_place_and_the_option(tmp_path):
    with pytest.raises(HadoopNotFound) as raised:
        find_hadoop_bin(None, environ={"HADOOP_HOME": str(tmp_path / "nothing"), "PATH": ""})
    message = str(raised.value)
    assert "\n" not in message
    for place in ("$HADOOP_PREFIX", "$HADOOP_HOME/bin/hadoop (%s" % (tmp_path / "nothing"),
                  "$HADOOP_INSTALL", "hadoop on PATH", "hadoop_bin"):
        assert place in message
    assert raised.value.exit_status == 2


def test_the_streaming_jar_option_wins(tmp_path):
    assert find_streaming_jar("/jars/streaming.jar", ["hadoop"], environ={}) == (
        "/jars/streaming.jar")


def test_the_streaming_jar_is_found_under_hadoop_home(tmp_path):
    hadoop = install(str(tmp_path / "h"))
    # a test jar beside it loses to the plain one
    open(hadoop.streaming_jar.replace(".jar", "-tests.jar"), "wb").close()
    assert find_streaming_jar(None, None, environ={"HADOOP_HOME": hadoop.home}) == (
        hadoop.streaming_jar)


def test_the_streaming_jar_is_found_beside_the_hadoop_program(tmp_path):
    hadoop = install(str(tmp_path / "h"))
    assert find_streaming_jar(None, [hadoop.hadoop], environ={}) == hadoop.streaming_jar


def test_no_streaming_jar_names_the_places_and_the_option(tmp_path):
    program = _program(tmp_path / "bare" / "bin" / "hadoop")
    with pytest.raises(HadoopNotFound) as raised:
        find_streaming_jar(None, [program], environ={})
    message = str(raised.value)
    assert "\n" not in message
    assert os.path.join(str(tmp_path / "bare"), "share/hadoop/tools/lib/hadoop-streaming*.jar") \
        in message
    assert "/usr/lib/hadoop-mapreduce/hadoop-streaming*.jar" in message
    assert "hadoop_streaming_jar" in message


def _run(args, env):
    return subprocess.run([sys.executable, str(EXAMPLES / "mr_word_freq_count.py"), "-r",
                           "hadoop", "--no-conf", *args], cwd=ROOT, capture_output=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


def _bare_env(tmp_path) -> dict:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HADOOP")}
    env["PATH"] = str(tmp_path / "empty-path")
    env["PYTHONPATH"] = ROOT
    return env


def test_a_job_without_hadoop_ends_in_one_line_with_status_2(tmp_path):
    proc = _run([str(EXAMPLES / "data" / "stop_words.txt")], _bare_env(tmp_path))
    assert proc.returncode == 2, proc.stderr.decode()
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "no hadoop program found" in lines[0] and "hadoop_bin" in lines[0]
    assert "Traceback" not in proc.stderr.decode()


def test_a_job_without_a_streaming_jar_ends_in_one_line_with_status_2(tmp_path):
    program = _program(tmp_path / "bare" / "bin" / "hadoop")
    proc = _run(["--hadoop-bin", program, str(EXAMPLES / "data" / "stop_words.txt")],
                _bare_env(tmp_path))
    assert proc.returncode == 2, proc.stderr.decode()
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "no Hadoop streaming jar found" in lines[0]
    assert "hadoop_streaming_jar" in lines[0]
