from streamr.compat import (
    jobconf_from_dict,
    jobconf_from_env,
    translate_jobconf,
    translate_jobconf_for_all_versions,
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
