"""The ``streamr`` command: run, conf show, conf check, --version; through
click's test runner and once as a real process."""

import os
import re
import subprocess
import sys

import click
import pytest
import yaml
from click.testing import CliRunner

import streamr
from streamr.cli import cli, table_option_values, table_options
from streamr.options import option
from tests.support.jobs import ROOT

WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")


def write(directory, name, text):
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _runner():
    """A test runner that keeps stderr apart (click < 8.2 must be told to)."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def invoke(*args):
    return _runner().invoke(cli, list(args), catch_exceptions=False)


def _squash(text):
    return " ".join(text.split())


# --- the group ---------------------------------------------------------------------------


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == "streamr %s\n" % streamr.__version__


def test_help_lists_the_subcommands():
    result = invoke("--help")
    assert result.exit_code == 0
    assert re.search(r"^\s+run\s", result.stdout, re.M)
    assert re.search(r"^\s+conf\s", result.stdout, re.M)


# --- streamr run --------------------------------------------------------------------------


def test_run_is_python_job_py(tmp_path):
    data = write(tmp_path, "in.txt", "b a b\n")
    result = invoke("run", WORD_COUNT, "--no-conf", data)
    assert result.exit_code == 0
    assert result.stdout == '"a"\t1\n"b"\t2\n'


def test_run_passes_switches_to_the_job(tmp_path):
    data = write(tmp_path, "in.txt", "b a b\n")
    out = tmp_path / "out"
    result = invoke("run", WORD_COUNT, "--no-conf", "-o", str(out), "-r", "inline", data)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert {"_SUCCESS", "part-00000"} <= set(os.listdir(out))


def test_run_help_is_the_jobs_help():
    result = invoke("run", WORD_COUNT, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("usage: mr_word_freq_count.py")
    assert "--num-cores" in result.stdout


def test_run_without_a_script_shows_run_help():
    result = invoke("run", "--help")
    assert result.exit_code == 0
    assert "Usage: streamr run" in result.stdout


def test_run_missing_script_is_one_line_exit_2(tmp_path):
    result = invoke("run", str(tmp_path / "nope.py"))
    assert result.exit_code == 2
    assert result.stderr.startswith("streamr: error: no job script ")
    assert result.stderr.count("\n") == 1


def test_run_keeps_the_jobs_exit_status(tmp_path):
    bad = write(tmp_path, "bad.conf", "runners: {inline: {num_cores: [}}\n")
    result = invoke("run", WORD_COUNT, "-c", bad, write(tmp_path, "in.txt", "a\n"))
    assert result.exit_code == 2
    assert "bad.conf line 1" in result.stderr


def test_run_restores_argv_and_path(tmp_path):
    argv, path = list(sys.argv), list(sys.path)
    invoke("run", WORD_COUNT, "--no-conf", write(tmp_path, "in.txt", "a\n"))
    assert sys.argv == argv and sys.path == path


# --- streamr conf show -------------------------------------------------------------------


@pytest.fixture
def confs(tmp_path):
    write(tmp_path, "base.conf", """\
runners:
  local:
    cmdenv:
      PATH: /base/bin
      TZ: UTC
    setup: [base-setup]
""")
    return write(tmp_path, "main.conf", """\
include: base.conf
runners:
  local:
    num_cores: 4
    cmdenv:
      PATH: /main/bin
    setup: [main-setup]
  emr:
    aws_secret_access_key: hush-hush
    release_label: emr-7.2.0
""")


def test_show_prints_values_and_where_each_came_from(confs, tmp_path):
    result = invoke("conf", "show", "-r", "local", "-c", confs)
    assert result.exit_code == 0
    out = result.stdout
    base = os.path.join(str(tmp_path), "base.conf")
    assert "#   %s\n#   %s\n" % (base, confs) in out
    assert "    num_cores: 4  # %s line 4\n" % confs in out
    assert ("      PATH: /main/bin:/base/bin  # %s line 4, %s line 6\n" % (base, confs)) in out
    assert "      TZ: UTC  # %s line 5\n" % base in out
    assert "    - base-setup  # %s line 6\n    - main-setup  # %s line 7\n" % (base, confs) in out
    assert "    check_input_paths: true  # default\n" in out
    assert "emr:" not in out and "release_label" not in out


def test_show_output_is_a_config_file(confs):
    out = invoke("conf", "show", "-c", confs).stdout
    data = yaml.safe_load(out)
    assert set(data["runners"]) == {"inline", "local", "emr"}
    assert data["runners"]["local"]["num_cores"] == 4
    assert data["runners"]["local"]["setup"] == ["base-setup", "main-setup"]
    assert data["runners"]["emr"]["release_label"] == "emr-7.2.0"


def test_show_hides_secrets(confs):
    out = invoke("conf", "show", "-r", "emr", "-c", confs).stdout
    assert "hush-hush" not in out
    assert "aws_secret_access_key: '********'" in out


def test_show_takes_runner_switches_as_the_command_line(confs):
    result = invoke("conf", "show", "-r", "local", "-c", confs, "--num-cores", "2",
                    "--cmdenv", "TZ=CET", "--setup", "cli-setup")
    out = result.stdout
    assert "    num_cores: 2  # command line\n" in out
    assert "      TZ: CET  # command line\n" in out
    assert "    - cli-setup  # command line\n" in out


def test_show_with_no_conf_and_all(confs):
    out = invoke("conf", "show", "-r", "inline", "--no-conf", "--all").stdout
    assert out.startswith("# no config file read\nrunners:\n  inline:\n")
    assert "    label: null  # default\n" in out
    assert "    files: []  # default\n" in out
    assert "task_python_bin" not in out  # not an option of the inline runner
    assert "    num_cores: null  # default\n" in out  # plans its tasks per core


def test_show_unknown_runner_is_exit_2():
    result = invoke("conf", "show", "-r", "nosuch", "--no-conf")
    assert result.exit_code == 2
    assert result.stderr.startswith("streamr: error: conf show knows the runners")


def test_show_bad_file_is_one_line_exit_2(tmp_path):
    bad = write(tmp_path, "bad.conf", "runners:\n  local:\n    num_cores: lots\n")
    result = invoke("conf", "show", "-r", "local", "-c", bad)
    assert result.exit_code == 2
    assert result.stderr == ("streamr: error: %s line 3 column 16: num_cores must be a whole"
                             " number, not 'lots'\n" % bad)
    assert result.stdout == ""


def test_show_bad_switch_value_is_exit_2():
    result = invoke("conf", "show", "--no-conf", "-r", "local", "--num-cores", "x")
    assert result.exit_code == 2
    assert "command line: num_cores must be a whole number" in result.stderr


def test_show_warnings_go_to_stderr(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    num_core: 4\n")
    result = invoke("conf", "show", "-r", "local", "-c", path)
    assert result.exit_code == 0
    assert "unknown option 'num_core' (did you mean 'num_cores'?)" in result.stderr
    assert "num_core" not in result.stdout


def test_show_help_comes_from_the_option_table():
    result = invoke("conf", "show", "--help")
    text = _squash(result.stdout)
    for name in ("num_cores", "cmdenv", "pool_clusters", "emr_configurations"):
        assert _squash(option(name).help) in text, name
    assert "--pool-clusters / --no-pool-clusters" in result.stdout


def test_table_options_for_other_commands():
    @click.command()
    @table_options(["region", "num_core_instances", "tags", "pool_clusters"])
    @click.pass_context
    def tool(ctx, **kwargs):
        click.echo(repr(sorted(table_option_values(ctx, kwargs).items())))
        click.echo(repr(kwargs))

    result = _runner().invoke(tool, ["--region", "x", "--tag", "a=1", "--tag", "b=2",
                                       "--no-pool-clusters"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "[('pool_clusters', False), ('region', 'x'), ('tags', {'a': '1', 'b': '2'})]", "{}"]
    help_text = _squash(_runner().invoke(tool, ["--help"]).stdout)
    assert _squash(option("num_core_instances").help) in help_text


# --- streamr conf check ------------------------------------------------------------------


def test_check_good_files(confs):
    result = invoke("conf", "check", confs, os.path.join(ROOT, "conf", "emr.conf"))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["%s: ok" % confs,
                                          "%s: ok" % os.path.join(ROOT, "conf", "emr.conf")]
    assert result.stderr == ""


def test_check_reports_every_problem_and_exits_2(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    num_core: 1\n"
                 "    num_cores: x\n  emr:\n    max_mins_idle: soon\n")
    result = invoke("conf", "check", path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("warning: %s line 3 column 5: unknown option 'num_core'" % path)
    assert lines[1].startswith("error: %s line 4 column 16: num_cores must be" % path)
    assert lines[2].startswith("error: %s line 6 column 20: max_mins_idle must be" % path)
    assert result.stdout == "%s: 2 errors, 1 warning\n" % path


def test_check_warnings_pass_unless_strict(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    release_label: x\n")
    assert invoke("conf", "check", path).exit_code == 0
    result = invoke("conf", "check", "--strict", path)
    assert result.exit_code == 1
    assert "does not take release_label" in result.stderr


def test_check_syntax_error(tmp_path):
    path = write(tmp_path, "c.conf", "runners: {local: [}\n")
    result = invoke("conf", "check", path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: %s line 1 column 19: not valid YAML" % path)


def test_check_needs_a_file():
    result = invoke("conf", "check")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


@pytest.mark.parametrize("name", ["local.conf", "emr.conf", "emr-pooling-spot.conf"])
def test_check_example_files_strictly(name):
    result = invoke("conf", "check", "--strict", os.path.join(ROOT, "conf", name))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(": ok\n")


# --- as a real process -----------------------------------------------------------------------


def _streamr_command():
    script = os.path.join(os.path.dirname(sys.executable), "streamr")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "streamr.cli"]


def test_real_process(tmp_path):
    bad = write(tmp_path, "bad.conf", "runners:\n  local:\n    num_cores: [1\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    result = subprocess.run(_streamr_command() + ["conf", "show", "-c", bad], env=env,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"streamr: error: %s line 4 column 1: not valid YAML"
                                     % bad.encode())
    assert result.stderr.count(b"\n") == 1

    data = write(tmp_path, "in.txt", "x y x\n")
    result = subprocess.run(_streamr_command() + ["run", WORD_COUNT, "--no-conf", data],
                            env=env, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b'"x"\t2\n"y"\t1\n'


# --- registration -------------------------------------------------------------------------


def test_subcommands_are_the_ones_registered_in_one_place():
    from streamr.cli.commands import COMMANDS

    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    assert sorted(cli.commands) == sorted(names)
    listed = invoke("--help").stdout.split("Commands:")[1]
    assert sorted(re.findall(r"^  (\S+)", listed, re.M)) == sorted(names)
