import pytest

from streamr import compat
from streamr.compat import (
    jobconf_from_dict,
    jobconf_from_env,
    map_version,
    translate_jobconf,
    translate_jobconf_dict,
    translate_jobconf_for_all_versions,
    uses_yarn,
)


def test_jobconf_from_env_finds_either_name(monkeypatch):
    monkeypatch.setenv("mapreduce_map_input_file", "s3://b/in.txt")
    assert jobconf_from_env("map.input.file") == "s3://b/in.txt"
    assert jobconf_from_env("mapreduce.map.input.file") == "s3://b/in.txt"
    monkeypatch.delenv("mapreduce_map_input_file")
    monkeypatch.setenv("map_input_file", "old")
    assert jobconf_from_env("mapreduce.map.input.file") == "old"


def test_jobconf_from_env_default(monkeypatch):
    monkeypatch.delenv("no_such_property", raising=False)
    assert jobconf_from_env("no.such.property") is None
    assert jobconf_from_env("no.such.property", "fallback") == "fallback"


def test_jobconf_from_dict_and_translation():
    assert jobconf_from_dict({"mapred.reduce.tasks": "3"}, "mapreduce.job.reduces") == "3"
    assert jobconf_from_dict({}, "mapreduce.job.reduces", 7) == 7
    assert translate_jobconf("mapred.map.tasks", "3.3.6") == "mapreduce.job.maps"
    assert translate_jobconf("mapreduce.job.maps", "1.0.3") == "mapred.map.tasks"
    assert translate_jobconf("custom.thing", "3.0") == "custom.thing"
    assert translate_jobconf_for_all_versions("map.input.file") == [
        "map.input.file", "mapreduce.map.input.file"]


# --- against mrjob 0.7.4 ------------------------------------------------------------

VERSIONS = ["0.18", "0.20", "0.20.205", "0.21", "0.21.0", "0.23", "1.0", "1.2.1", "2", "2.0",
            "2.7.3", "2.10", "3.3.6", "2.0a"]
NAMES = ["mapred.job.id", "mapreduce.job.id", "user.name", "mapreduce.job.user.name",
         "mapred.reduce.tasks", "mapreduce.job.reduces", "custom.thing", "map.input.file"]


@pytest.mark.mrjob
@pytest.mark.parametrize("version", VERSIONS)
def test_translate_jobconf_and_uses_yarn_as_mrjob(version):
    from mrjob.compat import translate_jobconf as theirs
    from mrjob.compat import uses_yarn as their_yarn

    for name in NAMES:
        assert translate_jobconf(name, version) == theirs(name, version), name
    assert uses_yarn(version) == their_yarn(version)


def test_hadoop_0_21_uses_the_new_names():
    assert translate_jobconf("mapred.job.id", "0.21") == "mapreduce.job.id"
    assert translate_jobconf("mapreduce.job.id", "1.2.1") == "mapred.job.id"


@pytest.mark.mrjob
def test_translate_jobconf_without_version_is_a_type_error():
    from mrjob.compat import translate_jobconf as theirs

    for function in (translate_jobconf, theirs):
        with pytest.raises(TypeError):
            function("mapred.job.id", None)


@pytest.mark.mrjob
@pytest.mark.parametrize("version, version_map", [
    ("1.5", {"1": "a", "2": "b"}), ("0.1", {"1": "a", "2": "b"}), ("2", {"1": "a", "2.0": "b"}),
    ("2.0a", {"2.0": "x", "2.0a": "y"}), ("3.3.6", {"0.20": 1, "2.10": 2, "2.9": 3}),
    ("2.10", [("0.20", 1), ("2.9", 2)]),
])
def test_map_version_as_mrjob(version, version_map):
    from mrjob.compat import map_version as theirs

    assert map_version(version, version_map) == theirs(version, version_map)


@pytest.mark.mrjob
def test_map_version_refusals_as_mrjob():
    from mrjob.compat import map_version as theirs

    for function in (map_version, theirs):
        with pytest.raises(TypeError):
            function(None, {"1": 1})
        with pytest.raises(ValueError):
            function("1.0", {})


@pytest.mark.mrjob
@pytest.mark.parametrize("version", [None, "1.0", "2.7.3"])
def test_translate_jobconf_dict_as_mrjob(version, monkeypatch):
    from mrjob.compat import translate_jobconf_dict as theirs

    warned = []
    monkeypatch.setattr(compat.log, "warning", lambda *args: warned.append(args[0] % args[1:]))
    jobconf = {"mapred.job.id": "x", "user.name": "u", "mapreduce.job.reduces": "3",
               "mapred.reduce.tasks": "5", "other": 1}
    assert translate_jobconf_dict(jobconf, version) == theirs(jobconf, version)
    if version == "2.7.3":  # user.name and mapred.job.id have other names there
        assert warned == ["jobconf names that Hadoop 2.7.3 does not use were given; added as:"
                          " mapred.job.id -> mapreduce.job.id,"
                          " user.name -> mapreduce.job.user.name"]
    else:
        assert warned == []
