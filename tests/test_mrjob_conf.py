"""An mrjob config file is read, with mrjob's option names mapped to
streamr's, when there is no streamr config file."""

import logging
import os
import subprocess
import sys

import pytest

from streamr import conf, mrjob_conf
from streamr.conf import merge_runner_options, read_conf_files, runner_levels
from tests.support.jobs import JOBS, ROOT

MRJOB_CONF = """\
runners:
  emr:
    instance_type: m4.large
    upload_files: [data.txt]
    image_version: 5.29.0
    s3_endpoint: s3.us-west-2.amazonaws.com
    ssh_tunnel: true
    num_core_instances: 3
  local:
    cmdenv:
      TZ: UTC
    ssh_tunnel: true
    sort_bin: [sort]
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home directory; no config file anywhere else either."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("STREAMR_CONF", "MRJOB_CONF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(conf, "SYSTEM_CONF_PATH", str(tmp_path / "etc-streamr.conf"))
    monkeypatch.setattr(mrjob_conf, "_SYSTEM_PATH", str(tmp_path / "etc-mrjob.conf"))
    monkeypatch.setattr(mrjob_conf, "_told", set())
    return home


class _Collected(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def said():
    """What the ``streamr.conf`` logger says, however earlier tests left
    logging set up (the command-line set-up stops propagation)."""
    handler = _Collected()
    logger = logging.getLogger("streamr.conf")
    level = logger.level
    logger.setLevel(logging.WARNING)  # whatever -q in an earlier test left
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)
    logger.setLevel(level)


def _warnings(messages):
    return list(messages)


def test_mrjob_conf_read_with_names_mapped(home, said):
    path = home / ".mrjob.conf"
    path.write_text(MRJOB_CONF)
    files = read_conf_files()
    assert [(f.path, f.from_mrjob) for f in files] == [(str(path), True)]
    merged = merge_runner_options("emr", runner_levels(files, "emr"))
    assert merged.values["instance_type"] == "m4.large"
    assert merged.values["files"] == ["data.txt"]
    assert merged.values["release_label"] == "emr-5.29.0"
    assert merged.values["s3_endpoint"] == "https://s3.us-west-2.amazonaws.com"
    assert merged.values["num_core_instances"] == 3
    assert [str(s) for s in merged.sources("instance_type")] == ["%s line 3" % path]
    assert [str(s) for s in merged.sources("release_label")] == ["%s line 5" % path]
    local = merge_runner_options("local", runner_levels(files, "local"))
    assert local.values["cmdenv"] == {"TZ": "UTC"}
    assert _warnings(said) == [
        "no streamr config file found; reading mrjob's %s instead, with its option names"
        " mapped to streamr's (see 'streamr conf show')" % path,
        "%s: mrjob option 'ssh_tunnel' has no streamr counterpart; ignored" % path,
        "%s: mrjob option 'sort_bin' has no streamr counterpart; ignored" % path,
    ]
    read_conf_files()  # read again (another runner): nothing said twice
    assert len(_warnings(said)) == 3


def test_mrjob_conf_env_var_wins_over_home(home, tmp_path, monkeypatch):
    (home / ".mrjob.conf").write_text("runners: {local: {num_cores: 1}}\n")
    named = tmp_path / "team-mrjob.conf"
    named.write_text("runners: {local: {num_cores: 5}}\n")
    monkeypatch.setenv("MRJOB_CONF", str(named))
    files = read_conf_files()
    assert [f.path for f in files] == [str(named)]
    assert merge_runner_options("local", runner_levels(files, "local")).values["num_cores"] == 5


def test_etc_mrjob_conf_is_the_last_resort(home, tmp_path):
    etc = tmp_path / "etc-mrjob.conf"
    etc.write_text("runners: {local: {num_cores: 2}}\n")
    assert [f.path for f in read_conf_files()] == [str(etc)]


def test_streamr_conf_hides_mrjob_conf(home, said):
    (home / ".mrjob.conf").write_text(MRJOB_CONF)
    (home / ".streamr.conf").write_text("runners: {local: {num_cores: 2}}\n")
    files = read_conf_files()
    assert [(f.path, f.from_mrjob) for f in files] == [(str(home / ".streamr.conf"), False)]
    assert _warnings(said) == []


@pytest.mark.parametrize("conf_paths", [[], ["given.conf"]])
def test_no_conf_and_named_files_never_read_mrjob_conf(home, tmp_path, conf_paths, said):
    (home / ".mrjob.conf").write_text(MRJOB_CONF)
    paths = [str(tmp_path / name) for name in conf_paths]
    for path in paths:
        with open(path, "w") as handle:
            handle.write("runners: {}\n")
    assert [f.path for f in read_conf_files(paths)] == paths
    assert _warnings(said) == []


def test_mrjob_includes_are_mapped_too(home):
    (home / "base.conf").write_text("runners: {emr: {upload_dirs: [lib]}}\n")
    (home / ".mrjob.conf").write_text("include: base.conf\nrunners: {emr: {zone: us-east-1a}}\n")
    files = read_conf_files()
    merged = merge_runner_options("emr", runner_levels(files, "emr"))
    assert merged.values["dirs"] == ["lib"] and merged.values["zone"] == "us-east-1a"


def _home_env(home):
    env = {key: value for key, value in os.environ.items()
           if key not in ("STREAMR_CONF", "MRJOB_CONF")}
    env.update(HOME=str(home), PYTHONPATH=ROOT)
    return env


@pytest.mark.slow
def test_conf_show_names_the_mrjob_file_and_says_so_once(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    path = home / ".mrjob.conf"
    path.write_text(MRJOB_CONF)
    result = subprocess.run([sys.executable, "-m", "streamr.cli", "conf", "show", "-r", "emr",
                             "-r", "local"], env=_home_env(home), capture_output=True,
                            text=True, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "#   %s (mrjob's config, option names mapped)" % path in result.stdout
    assert "    instance_type: m4.large  # %s line 3" % path in result.stdout
    assert "    release_label: emr-5.29.0  # %s line 5" % path in result.stdout
    assert result.stderr.splitlines() == [
        "no streamr config file found; reading mrjob's %s instead, with its option names"
        " mapped to streamr's (see 'streamr conf show')" % path,
        "%s: mrjob option 'ssh_tunnel' has no streamr counterpart; ignored" % path,
        "%s: mrjob option 'sort_bin' has no streamr counterpart; ignored" % path,
    ]


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_job_run_uses_mrjob_conf(tmp_path, runner):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".mrjob.conf").write_text(
        "runners:\n  %s:\n    jobconf: {mapred.reduce.tasks: 1}\n    hadoop_version: '1.2.1'\n"
        % runner)
    script = os.path.join(JOBS, "mr_mrjob_compat.py")
    result = subprocess.run([sys.executable, script, "-r", runner], input=b"a\nb\n",
                            env=_home_env(home), capture_output=True, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (b'"seen"\t["mapred.job.id", "mapred.reduce.tasks",'
                             b' "mapred.task.is.map", "mapreduce.job.id",'
                             b' "mapreduce.task.ismap"]\n')
    told = [line for line in result.stderr.decode().splitlines() if "mrjob's" in line]
    assert len(told) == 1
