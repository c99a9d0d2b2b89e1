"""Config files: finding, reading, including, !clear, checking, merging with
the job class and the command line, and the messages for users' mistakes."""

import logging
import os
import sys
from io import BytesIO

import pytest

from streamr import conf
from streamr.compat import jobconf_from_env
from streamr.conf import (
    Level,
    Setting,
    Source,
    check_conf_file,
    default_conf_paths,
    load_runner_options,
    merge_runner_options,
)
from streamr.errors import UsageError
from streamr.job import MRJob
from streamr.options import Cleared, OptionValueError
from streamr.runners.inline import InlineRunner
from tests.support.jobs import ROOT, run_script

WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
EXAMPLE_CONFS = ["local.conf", "emr.conf", "emr-pooling-spot.conf", "hadoop.conf",
                 "spark.conf", "emr-serverless.conf"]


@pytest.fixture
def warnings():
    """Messages logged as warnings on ``streamr.conf`` during the test."""
    messages = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("streamr.conf")
    handler, saved_level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield messages
    logger.removeHandler(handler)
    logger.setLevel(saved_level)


def write(directory, name, text):
    path = os.path.join(str(directory), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def merged(alias, paths, job=None, cli=None):
    return merge_runner_options(alias, load_runner_options(alias, paths), job, cli)


def values(alias, paths, job=None, cli=None):
    return merged(alias, paths, job, cli).values


# --- finding the file -------------------------------------------------------------------


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Home and /etc moved into tmp_path; $STREAMR_CONF unset."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("STREAMR_CONF", raising=False)
    monkeypatch.setattr(conf, "SYSTEM_CONF_PATH", str(tmp_path / "etc-streamr.conf"))
    return tmp_path


def test_no_file_anywhere_means_no_file(places):
    assert default_conf_paths() == []


def test_etc_file_is_the_last_resort(places):
    etc = write(places, "etc-streamr.conf", "runners: {}\n")
    assert default_conf_paths() == [etc]


def test_home_file_comes_before_etc(places):
    write(places, "etc-streamr.conf", "runners: {}\n")
    home = write(places, "home/.streamr.conf", "runners: {}\n")
    assert default_conf_paths() == [home]


def test_env_var_comes_first_and_expands(places, monkeypatch):
    write(places, "home/.streamr.conf", "runners: {}\n")
    named = write(places, "home/mine.conf", "runners: {local: {num_cores: 7}}\n")
    monkeypatch.setenv("STREAMR_CONF", "~/mine.conf")
    assert default_conf_paths() == [named]
    assert values("local", None)["num_cores"] == 7


def test_env_var_naming_no_file_warns_and_falls_back(places, monkeypatch, warnings):
    home = write(places, "home/.streamr.conf", "runners: {}\n")
    monkeypatch.setenv("STREAMR_CONF", str(places / "missing.conf"))
    assert default_conf_paths() == [home]
    assert "STREAMR_CONF" in warnings[0] and "missing.conf" in warnings[0]


def test_empty_list_reads_nothing_and_none_reads_the_default(places):
    write(places, "home/.streamr.conf", "runners: {local: {num_cores: 3}}\n")
    assert values("local", [])["num_cores"] is None
    assert values("local", None)["num_cores"] == 3


def test_conf_paths_expand_home(places):
    write(places, "home/x.conf", "runners: {local: {num_cores: 5}}\n")
    assert values("local", ["~/x.conf"])["num_cores"] == 5


def test_several_conf_paths_later_wins(tmp_path):
    a = write(tmp_path, "a.conf", "runners: {local: {num_cores: 1, setup: [a]}}\n")
    b = write(tmp_path, "b.conf", "runners: {local: {num_cores: 2, setup: [b]}}\n")
    result = values("local", [a, b])
    assert result["num_cores"] == 2
    assert result["setup"] == ["a", "b"]


# --- reading ------------------------------------------------------------------------


def test_json_is_accepted_even_with_tabs(tmp_path):
    path = write(tmp_path, "c.json",
                 '{\n\t"runners": {\n\t\t"inline": {"cmdenv": {"A": 1}}\n\t}\n}\n')
    assert values("inline", [path])["cmdenv"] == {"A": "1"}


def test_empty_file_sets_nothing(tmp_path):
    path = write(tmp_path, "empty.conf", "# nothing yet\n")
    assert values("local", [path])["num_cores"] is None


def test_yaml_merge_keys_work(tmp_path, warnings):
    path = write(tmp_path, "m.conf", """\
runners:
  inline: &shared
    cmdenv: {TZ: UTC}
  local:
    <<: *shared
    num_cores: 2
""")
    result = values("local", [path])
    assert result["cmdenv"] == {"TZ": "UTC"} and result["num_cores"] == 2
    assert warnings == []


def test_duplicate_keys_warn(tmp_path, warnings):
    path = write(tmp_path, "d.conf", "runners:\n  local:\n    num_cores: 1\n    num_cores: 2\n")
    assert values("local", [path])["num_cores"] == 2
    assert len(warnings) == 1
    assert "d.conf line 4" in warnings[0] and "'num_cores' is given twice" in warnings[0]


# --- include ------------------------------------------------------------------------


def test_include_chain_precedence_and_list_order(tmp_path, monkeypatch):
    write(tmp_path, "conf/c.conf", "runners: {local: {num_cores: 1, label: c, setup: [c]}}\n")
    write(tmp_path, "conf/b.conf", "include: c.conf\n"
          "runners: {local: {num_cores: 2, setup: [b]}}\n")
    a = write(tmp_path, "conf/a.conf", "include: b.conf\nrunners: {local: {setup: [a]}}\n")
    monkeypatch.chdir(tmp_path)  # relative includes are relative to the file, not the cwd
    m = merged("local", [a])
    assert m.values["num_cores"] == 2
    assert m.values["label"] == "c"
    assert m.values["setup"] == ["c", "b", "a"]
    assert [os.path.basename(f) for f in m.files] == ["c.conf", "b.conf", "a.conf"]


def test_include_list_home_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEAM_DIR", str(tmp_path / "team"))
    write(tmp_path, "home/base.conf", "runners: {local: {setup: [home], num_cores: 1}}\n")
    write(tmp_path, "team/team.conf", "runners: {local: {setup: [team], num_cores: 2}}\n")
    main = write(tmp_path, "main.conf", "include:\n  - ~/base.conf\n  - $TEAM_DIR/team.conf\n"
                 "runners: {local: {setup: [main]}}\n")
    result = values("local", [main])
    assert result["setup"] == ["home", "team", "main"]
    assert result["num_cores"] == 2


def test_file_included_twice_is_read_once(tmp_path):
    write(tmp_path, "d.conf", "runners: {local: {setup: [d]}}\n")
    write(tmp_path, "b.conf", "include: d.conf\nrunners: {local: {setup: [b]}}\n")
    write(tmp_path, "c.conf", "include: d.conf\nrunners: {local: {setup: [c]}}\n")
    a = write(tmp_path, "a.conf", "include: [b.conf, c.conf]\n")
    assert values("local", [a])["setup"] == ["d", "b", "c"]


def test_include_cycle_is_reported_not_followed(tmp_path, warnings):
    a = write(tmp_path, "a.conf", "include: b.conf\nrunners: {local: {setup: [a]}}\n")
    write(tmp_path, "b.conf", "include: a.conf\nrunners: {local: {setup: [b]}}\n")
    assert values("local", [a])["setup"] == ["b", "a"]
    assert len(warnings) == 1
    assert "cycle" in warnings[0]
    assert "a.conf -> " in warnings[0] and "b.conf -> " in warnings[0]
    assert "b.conf line 1" in warnings[0]


def test_file_including_itself_is_a_cycle(tmp_path, warnings):
    a = write(tmp_path, "a.conf", "include: ./a.conf\nrunners: {local: {num_cores: 3}}\n")
    assert values("local", [a])["num_cores"] == 3
    assert "cycle" in warnings[0]


def test_missing_include_is_an_error_naming_both_files(tmp_path):
    a = write(tmp_path, "a.conf", "runners: {}\ninclude: nope.conf\n")
    with pytest.raises(UsageError) as info:
        load_runner_options("local", [a])
    message = str(info.value)
    assert "a.conf line 2" in message and "nope.conf does not exist" in message


def test_include_of_the_wrong_type_is_an_error(tmp_path):
    a = write(tmp_path, "a.conf", "include: {x: 1}\n")
    with pytest.raises(UsageError, match="a.conf line 1 column 10: include must be a path"):
        load_runner_options("local", [a])


# --- !clear ----------------------------------------------------------------------------


@pytest.fixture
def base(tmp_path):
    return write(tmp_path, "base.conf", """\
runners:
  local:
    setup: [base]
    jobconf: {a: 1, b: 2}
    cmdenv: {PATH: /base/bin, TZ: UTC}
    cleanup: NONE
    num_cores: 8
""")


@pytest.mark.parametrize("text, name, expected", [
    ("setup: !clear [mine]", "setup", ["mine"]),
    ("setup: !clear", "setup", []),
    ("jobconf: !clear {c: 3}", "jobconf", {"c": "3"}),
    ("cmdenv: !clear\n      TZ: CET", "cmdenv", {"TZ": "CET"}),
    ("cmdenv:\n      PATH: !clear /mine/bin", "cmdenv", {"PATH": "/mine/bin", "TZ": "UTC"}),
    ("cmdenv:\n      PATH: /mine/bin", "cmdenv", {"PATH": "/mine/bin" + os.pathsep + "/base/bin",
                                                  "TZ": "UTC"}),
    ("num_cores: !clear 2", "num_cores", 2),
    ("num_cores: !clear", "num_cores", None),
    ("cleanup: !clear", "cleanup", ["ALL"]),  # back to the built-in default
    ("setup: !clear 'quoted command'", "setup", ["quoted command"]),
])
def test_clear_drops_what_earlier_files_set(tmp_path, base, text, name, expected):
    main = write(tmp_path, "main.conf", "include: base.conf\nrunners:\n  local:\n    %s\n" % text)
    assert values("local", [main])[name] == expected


def test_clear_affects_only_lower_precedence(tmp_path, base):
    main = write(tmp_path, "main.conf", "include: base.conf\n"
                 "runners: {local: {setup: !clear [main], jobconf: !clear {c: 3}}}\n")
    later = write(tmp_path, "later.conf", "runners: {local: {setup: [later]}}\n")
    result = values("local", [main, later], job={"jobconf": {"j": "1"}},
                    cli={"setup": ["cli"]})
    assert result["setup"] == ["main", "later", "cli"]
    assert result["jobconf"] == {"c": "3", "j": "1"}


def test_clear_inside_a_structure_is_an_error(tmp_path):
    path = write(tmp_path, "x.conf", "runners:\n  emr:\n    emr_configurations:\n"
                 "      - {Classification: x, Properties: !clear {a: 1}}\n")
    with pytest.raises(UsageError) as info:
        load_runner_options("emr", [path])
    assert "x.conf line 4" in str(info.value) and "!clear" in str(info.value)


def test_clear_on_a_runner_section_is_an_error(tmp_path):
    path = write(tmp_path, "x.conf", "runners:\n  local: !clear\n")
    with pytest.raises(UsageError, match="x.conf line 2 column 10: runners: local: must be a"):
        load_runner_options("local", [path])


def test_cleared_settings_are_not_sources(tmp_path, base):
    main = write(tmp_path, "main.conf", "include: base.conf\nrunners:\n  local:\n"
                 "    setup: !clear\n")
    m = merged("local", [main])
    assert [s.source.name for s in m.settings["setup"]] == ["default", main]


# --- precedence across all levels ------------------------------------------------------------


def test_precedence_of_five_levels_for_a_single_value(tmp_path):
    write(tmp_path, "inc.conf", "runners: {inline: {label: included, owner: included,"
          " local_tmp_dir: /included}}\n")
    main = write(tmp_path, "main.conf", "include: inc.conf\n"
                 "runners: {inline: {label: file, owner: file}}\n")
    m = merged("inline", [main], job={"label": "job", "owner": "job"}, cli={"label": "cli"})
    assert m.values["label"] == "cli"
    assert m.values["owner"] == "job"
    assert m.values["local_tmp_dir"] == "/included"
    assert m.values["check_input_paths"] is True  # nothing set it: the default
    assert [str(s) for s in m.sources("label")] == ["command line"]
    assert [str(s) for s in m.sources("owner")] == ["job class"]
    assert m.sources("local_tmp_dir") == [Source(os.path.join(str(tmp_path), "inc.conf"), 1)]
    assert m.sources("check_input_paths") == [conf.DEFAULT]


class MRConfReport(MRJob):
    """Reports what a task sees of its Hadoop properties and environment."""

    JOBCONF = {"level.job": "job", "level.file": "job", "level.include": "job"}

    def mapper(self, _, line):
        for level in ("default", "include", "file", "job", "cli"):
            yield level, jobconf_from_env("level." + level)
        yield "TZ", os.environ.get("TZ")
        yield "PATH", os.environ.get("PATH")


def test_precedence_of_five_levels_as_tasks_see_it(tmp_path):
    write(tmp_path, "inc.conf", """\
runners:
  inline:
    jobconf: {level.include: include, level.file: include, level.job: include,
              level.cli: include}
    cmdenv: {TZ: Asia/Tokyo, PATH: /include/bin}
""")
    main = write(tmp_path, "main.conf", """\
include: inc.conf
runners:
  inline:
    jobconf: {level.file: file, level.job: file, level.cli: file}
    cmdenv: {TZ: UTC, PATH: /file/bin}
""")
    job = MRConfReport(["-r", "inline", "-c", main, "-D", "level.cli=cli", "-"])
    job.sandbox(stdin=BytesIO(b"one line\n"))
    with job.make_runner() as runner:
        runner.run()
        seen = dict(job.parse_output(runner.cat_output()))
    assert seen["default"] is None
    assert seen["include"] == "job"  # the job class beats both files
    assert seen["file"] == "job"
    assert seen["job"] == "job"
    assert seen["cli"] == "cli"
    assert seen["TZ"] == "UTC"
    assert seen["PATH"] == os.pathsep.join(["/file/bin", "/include/bin"])


def test_job_class_sees_include_and_file_levels_by_key(tmp_path):
    write(tmp_path, "inc.conf", "runners: {inline: {jobconf: {only.include: i, both: i}}}\n")
    main = write(tmp_path, "main.conf", "include: inc.conf\n"
                 "runners: {inline: {jobconf: {both: f}}}\n")
    result = values("inline", [main], job={"jobconf": {"job": "j"}}, cli={"jobconf": {"x": 1}})
    assert result["jobconf"] == {"only.include": "i", "both": "f", "job": "j", "x": "1"}


def test_bad_value_from_the_command_line_names_it():
    with pytest.raises(OptionValueError, match="^command line: num_cores must be a whole"):
        merge_runner_options("local", [], None, {"num_cores": "x"})


def test_option_for_another_runner_on_the_command_line_warns(warnings):
    result = merge_runner_options("inline", [], None, {"release_label": "emr-6.0.0"}).values
    assert result["release_label"] == "emr-7.14.0"  # ignored: the default stays
    assert warnings == ["command line: the inline runner does not take --release-label; ignored"
                        " (it is for the emr runner)"]


def test_merge_accepts_levels_built_in_python():
    level = Level("mine", [Setting("setup", Cleared(["x"]), Source("mine"))])
    later = Level("later", [Setting("setup", ["y"], Source("later"))])
    m = merge_runner_options("local", [level, later])
    assert m.values["setup"] == ["x", "y"]
    assert [s.name for s in m.sources("setup")] == ["mine", "later"]


def test_runner_keeps_merged_options_and_refuses_unknown_keywords(tmp_path):
    path = write(tmp_path, "c.conf", "runners: {inline: {label: from-file}}\n")
    runner = InlineRunner(conf_paths=[path], cmdenv={"A": "1"})
    assert runner.options["label"] == "from-file"
    assert runner.options["cmdenv"] == {"A": "1"}
    assert runner.merged_options.sources("label") == [Source(path, 1)]
    with pytest.raises(TypeError, match="nosuch"):
        InlineRunner(conf_paths=[], nosuch=1)


# --- mistakes ---------------------------------------------------------------------------------


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "bad.conf", "runners:\n  local:\n    num_cores: 4: 5\n")
    with pytest.raises(UsageError) as info:
        load_runner_options("local", [path])
    message = str(info.value)
    assert message.startswith(path + " line 3 column 17: not valid YAML (")
    assert "fix the syntax" in message and "\n" not in message


def test_tab_indentation_says_to_use_spaces(tmp_path):
    path = write(tmp_path, "tab.conf", "runners:\n\tlocal: {}\n")
    with pytest.raises(UsageError, match="tab.conf line 2 column 1: .*indent with spaces"):
        load_runner_options("local", [path])


def test_unknown_option_warns_with_closest_name_and_goes_on(tmp_path, warnings):
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    num_core: 4\n    setup: [x]\n")
    assert values("local", [path])["setup"] == ["x"]
    assert warnings == ["%s line 3 column 5: unknown option 'num_core' (did you mean"
                        " 'num_cores'?); ignored" % path]


def test_dashed_option_name_suggests_the_underscored_one(tmp_path, warnings):
    path = write(tmp_path, "c.conf", "runners: {local: {task-python-bin: python3}}\n")
    load_runner_options("local", [path])
    assert "did you mean 'task_python_bin'?" in warnings[0]


def test_option_of_another_runner_warns_where_it_belongs(tmp_path, warnings):
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    release_label: emr-6.0.0\n")
    assert values("local", [path])["release_label"] == "emr-7.14.0"
    assert warnings == ["%s line 3 column 5: the local runner does not take release_label; ignored"
                        " (it belongs under runners: emr:)" % path]


def test_wrong_type_stops_naming_file_line_column_and_key(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    num_cores: four\n")
    with pytest.raises(UsageError) as info:
        load_runner_options("local", [path])
    assert str(info.value) == ("%s line 3 column 16: num_cores must be a whole number,"
                               " not 'four'" % path)


def test_wrong_type_in_a_mapping_value(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    cmdenv: {A: [1, 2]}\n")
    with pytest.raises(UsageError, match=r"c.conf line 3 column 13: cmdenv: value of 'A'"):
        load_runner_options("inline", [path])


@pytest.mark.parametrize("text, message", [
    ("- just\n- a list\n", "c.conf: a config file must be a mapping with runners:"),
    ("runners: [local]\n", "c.conf line 1 column 10: runners must be a mapping"),
    ("runners:\n  local: 4\n", "c.conf line 2 column 10: runners: local: must be a mapping"),
])
def test_wrong_structure_is_an_error(tmp_path, text, message):
    path = write(tmp_path, "c.conf", text)
    with pytest.raises(UsageError, match=message):
        load_runner_options("local", [path])


def test_unknown_top_level_key_and_runner_warn(tmp_path, warnings):
    path = write(tmp_path, "c.conf", "runner:\n  local: {}\nrunners:\n  emrr: {}\n")
    load_runner_options("local", [path])
    assert warnings == [
        "%s line 1 column 1: unknown top-level key 'runner' (did you mean 'runners'?);"
        " only include: and runners: are read" % path,
        "%s line 4 column 3: unknown runner 'emrr' (did you mean 'emr'?); its options are"
        " ignored" % path,
    ]


def test_only_the_runner_in_use_is_checked_when_running(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  emr: {num_core_instances: many}\n"
                 "  inline: {label: fine}\n")
    assert values("inline", [path])["label"] == "fine"
    with pytest.raises(UsageError, match="num_core_instances must be a whole number"):
        load_runner_options("emr", [path])


def test_missing_conf_path_is_an_error(tmp_path):
    with pytest.raises(UsageError, match="config file .*nope.conf does not exist"):
        load_runner_options("local", [str(tmp_path / "nope.conf")])


def test_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "latin.conf"
    path.write_bytes(b"runners: {local: {label: caf\xe9}}\n")
    with pytest.raises(UsageError, match="latin.conf is not UTF-8 text"):
        load_runner_options("local", [str(path)])


def test_check_conf_file_collects_every_problem(tmp_path):
    write(tmp_path, "inc.conf", "runners: {local: {num_cores: x}}\n")
    path = write(tmp_path, "c.conf", "include: inc.conf\nrunners:\n"
                 "  inline: {num_core: 1, release_label: x}\n  emr: {max_mins_idle: soon}\n")
    problems = check_conf_file(path)
    assert [p.level for p in problems] == ["error", "warning", "warning", "error"]
    assert "inc.conf line 1" in problems[0].message and "num_cores" in problems[0].message
    assert "'num_core'" in problems[1].message
    assert "does not take release_label" in problems[2].message
    assert "max_mins_idle must be a number" in problems[3].message


def test_check_conf_file_reports_syntax_errors_instead_of_raising(tmp_path):
    path = write(tmp_path, "c.conf", "runners: [\n")
    problems = check_conf_file(path)
    assert len(problems) == 1 and problems[0].level == "error"
    assert "not valid YAML" in problems[0].message


# --- jobs as users run them -----------------------------------------------------------------


def test_job_with_bad_value_exits_2_with_one_line(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    cleanup: SOMETIMES\n")
    data = write(tmp_path, "in.txt", "a b\n")
    result = run_script(WORD_COUNT, ["-c", path, data])
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mr_word_freq_count.py: error: %s line 3 column 14:" % path)
    assert "cleanup must be among" in lines[0]


def test_job_with_syntax_error_exits_2_without_traceback(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    jobconf: [1\n")
    result = run_script(WORD_COUNT, ["-c", path, write(tmp_path, "in.txt", "a\n")])
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"c.conf line 4 column 1: not valid YAML" in result.stderr


def test_job_with_unknown_key_warns_and_runs(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    cmdnev: {A: 1}\n")
    result = run_script(WORD_COUNT, ["-c", path, write(tmp_path, "in.txt", "a a\n")])
    assert result.returncode == 0
    assert result.stdout == b'"a"\t2\n'
    assert b"unknown option 'cmdnev' (did you mean 'cmdenv'?)" in result.stderr


def test_job_reads_streamr_conf_from_the_environment(tmp_path):
    path = write(tmp_path, "c.conf", "runners:\n  inline:\n    cleanup: SOMETIMES\n")
    result = run_script(WORD_COUNT, [write(tmp_path, "in.txt", "a\n")],
                        env={"STREAMR_CONF": path})
    assert result.returncode == 2 and b"c.conf line 3" in result.stderr
    result = run_script(WORD_COUNT, ["--no-conf", write(tmp_path, "in.txt", "a\n")],
                        env={"STREAMR_CONF": path})
    assert result.returncode == 0


LOCAL_JOB = """\
import os
from streamr.compat import jobconf_from_env
from streamr.job import MRJob

class MRSeeConf(MRJob):
    def mapper(self, _, line):
        yield "prop", jobconf_from_env("my.prop")
        yield "env", os.environ.get("MY_VAR")

if __name__ == "__main__":
    MRSeeConf.run()
"""


def test_cmdenv_and_jobconf_from_conf_reach_local_runner_tasks(tmp_path):
    script = write(tmp_path, "mr_see_conf.py", LOCAL_JOB)
    path = write(tmp_path, "c.conf", "runners:\n  local:\n    jobconf: {my.prop: 42}\n"
                 "    cmdenv: {MY_VAR: from-conf}\n")
    data = write(tmp_path, "in.txt", "one\n")
    result = run_script(script, ["-r", "local", "-c", path, data])
    assert result.returncode == 0, result.stderr
    assert sorted(set(result.stdout.decode().splitlines())) == [
        '"env"\t"from-conf"', '"prop"\t"42"']


# --- the example files in conf/ ---------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_CONFS)
def test_example_conf_has_no_problems(name):
    path = os.path.join(ROOT, "conf", name)
    assert check_conf_file(path) == []


def test_example_confs_are_all_tested():
    found = sorted(n for n in os.listdir(os.path.join(ROOT, "conf")) if n.endswith(".conf"))
    assert found == sorted(EXAMPLE_CONFS)


def test_pooling_example_builds_on_the_basic_one(warnings):
    path = os.path.join(ROOT, "conf", "emr-pooling-spot.conf")
    result = values("emr", [path])
    assert warnings == []
    assert result["pool_clusters"] is True
    assert result["tags"] == {"team": "data", "project": "streamr-jobs", "schedule": "nightly"}
    assert result["region"] == "us-west-2"  # from emr.conf
    assert result["num_task_instances"] == 8
    assert result["core_instance_bid_price"] == "0.20"
    assert len(result["emr_configurations"]) == 2 and result["bootstrap"]


def test_local_example_sets_what_tasks_see(warnings):
    result = values("local", [os.path.join(ROOT, "conf", "local.conf")])
    assert warnings == []
    assert result["cmdenv"]["TZ"] == "UTC"
    assert result["jobconf"] == {"mapreduce.job.reduces": "4"}
    assert result["num_cores"] == 4 and result["setup"]
    assert result["local_tmp_dir"] == os.path.expanduser("~/tmp/streamr")
    assert sys.platform == "win32" or "$" not in result["local_tmp_dir"]


def test_spark_example_chooses_a_cluster(warnings):
    result = values("spark", [os.path.join(ROOT, "conf", "spark.conf")])
    assert warnings == []
    assert result["spark_master"] == "spark://spark-master.internal:7077"
    assert result["spark_args"] == ["--executor-memory 2g", "--conf spark.executor.cores=2"]
    assert result["jobconf"]["mapreduce.job.reduces"] == "16"


def test_emr_serverless_example_names_a_role_and_an_application(warnings):
    result = values("emr-serverless", [os.path.join(ROOT, "conf", "emr-serverless.conf")])
    assert warnings == []
    assert result["emr_serverless_role"].startswith("arn:aws:iam::")
    assert result["emr_serverless_application"] == "streamr-jobs"
    assert result["num_cores"] == 16 and result["check_cluster_every"] == 15
