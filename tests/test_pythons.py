"""The supported Pythons: one list (setup.cfg's classifiers) that the
package metadata, CI, the docs and the interpreter finder all agree on; and
what a task needs from the Python it runs on."""

import bz2
import gzip
import lzma
import os
import re
import stat
import subprocess
import sys

import pytest

from streamr.errors import CorruptInputError
from streamr.inputs import open_input
from tests.support import pythons
from tests.support.jobs import ROOT

TEXT = b"first line\nsecond line\n"


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def _setup_cfg_value(name):
    match = re.search(r"^%s\s*=\s*(.+)$" % name, _read("setup.cfg"), re.M)
    assert match, name
    return match.group(1).strip()


# --- one list of Pythons --------------------------------------------------------------------


def test_supported_pythons_are_3_9_to_3_13_without_a_gap():
    assert pythons.supported() == ["3.9", "3.10", "3.11", "3.12", "3.13"]


def test_python_requires_names_exactly_the_classified_pythons():
    minors = pythons.supported()
    last = minors[-1].split(".")
    expected = ">=%s, <%s.%d" % (minors[0], last[0], int(last[1]) + 1)
    assert _setup_cfg_value("python_requires") == expected


def test_mrjob_is_a_test_dependency_only_where_it_imports():
    # mrjob 0.7.4 imports distutils (gone in 3.12) and pipes (gone in 3.13)
    assert re.search(r'^\s+mrjob==0\.7\.4; python_version < "3\.12"$', _read("setup.cfg"), re.M)


def test_ci_makes_a_venv_on_every_other_supported_python_and_runs_the_fast_tier():
    ci = _read(".ci", "run")
    assert '.venv/bin/python -m tests.support.pythons --others)"' in ci
    assert '.venv/bin/python -m tests.support.pythons "$minor")"' in ci
    assert '"$venv/bin/pip" install -q -e \'.[test,docs]\'' in ci
    assert 'tier="not slow and not sim"' in ci and 'tier="$tier and not mrjob"' in ci
    assert '"$venv/bin/python" -m pytest -q -p no:cacheprovider -m "$tier"' in ci


def test_others_are_every_supported_python_but_this_one(capsys):
    assert pythons.main(["--others"]) == 0
    others = capsys.readouterr().out.split()
    assert others == [m for m in pythons.supported() if m != pythons.current()]


@pytest.mark.parametrize("page", ["README.md", os.path.join("docs", "guide",
                                                            "10-getting-started.md")])
def test_docs_name_the_supported_pythons(page):
    minors = pythons.supported()
    assert "Python %s to %s" % (minors[0], minors[-1]) in _read(page)
    assert "--task-python-bin" in _read(page)


# --- finding an interpreter by minor version ---------------------------------------------


@pytest.fixture()
def fake_pythons(tmp_path, monkeypatch):
    """A pyenv root and a PATH of stand-in interpreters, each answering the
    version check with the minor version it is given; returns a function
    ``make(path, minor)``."""
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    pythons.find.cache_clear()

    def make(path, minor):
        full = tmp_path / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text("#!/bin/sh\necho %s\n" % minor)
        full.chmod(full.stat().st_mode | stat.S_IXUSR)
        return str(full)

    yield make
    pythons.find.cache_clear()


def test_newest_patch_release_in_pyenv_is_found(fake_pythons):
    fake_pythons("pyenv/versions/3.9.9/bin/python3.9", "3.9")
    newest = fake_pythons("pyenv/versions/3.9.18/bin/python3.9", "3.9")
    fake_pythons("pyenv/versions/3.10.13/bin/python3.10", "3.10")
    assert pythons.find("3.9") == newest


def test_python_on_path_is_found_when_pyenv_has_none(fake_pythons):
    on_path = fake_pythons("bin/python3.12", "3.12")
    assert pythons.find("3.12") == on_path


def test_an_interpreter_of_another_version_is_passed_over(fake_pythons):
    # a pyenv shim is on PATH even for a version that is not installed
    fake_pythons("pyenv/versions/3.13.0/bin/python3.13", "3.12")
    on_path = fake_pythons("bin/python3.13", "3.13")
    assert pythons.find("3.13") == on_path


def test_missing_interpreter_says_where_it_looked(fake_pythons, tmp_path, capsys):
    with pytest.raises(pythons.NoInterpreter) as caught:
        pythons.find("3.9")
    where = os.path.join(str(tmp_path), "pyenv", "versions", "3.9.*")
    assert str(caught.value) == (
        "no Python 3.9 interpreter: looked in %s and for python3.9 on PATH" % where)
    assert pythons.main(["3.9"]) == 1
    assert capsys.readouterr().err == str(caught.value) + "\n"


def test_unsupported_minor_is_a_usage_error(capsys):
    assert pythons.main(["3.8"]) == 2
    assert "one of 3.9, 3.10, 3.11, 3.12, 3.13" in capsys.readouterr().err


def test_every_supported_python_is_on_this_machine():
    # the machines this project runs on have them all: fail, do not skip
    for minor in pythons.supported():
        found = pythons.find(minor)
        answer = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"],
                                capture_output=True, text=True, check=True)
        assert answer.stdout.strip() == str(tuple(int(p) for p in minor.split(".")))


def test_standard_library_names_leave_installed_packages_out():
    names = pythons.stdlib_module_names()
    assert {"os", "json", "zlib", "gzip", "lzma", "_json"} <= names
    assert not {"pytest", "boto3", "yaml", "smart_open", "streamr"} & names
    if hasattr(sys, "stdlib_module_names"):
        assert names == frozenset(sys.stdlib_module_names)


# --- a task on a Python with the standard library only -------------------------------------


@pytest.fixture()
def no_smart_open(monkeypatch):
    """``import smart_open`` fails, as on a node with the standard library only."""
    monkeypatch.setitem(sys.modules, "smart_open", None)


@pytest.mark.parametrize("name, compress", [
    ("in.gz", gzip.compress), ("in.bz2", bz2.compress), ("in.xz", lzma.compress),
    ("IN.GZ", gzip.compress),
])
def test_compressed_local_input_is_read_without_smart_open(no_smart_open, tmp_path, name,
                                                            compress):
    path = tmp_path / name
    path.write_bytes(compress(TEXT))
    with open_input(str(path)) as stream:
        assert stream.read() == TEXT


def test_zstd_input_without_any_zstd_module_says_what_is_missing(no_smart_open, monkeypatch,
                                                                  tmp_path):
    for name in ("compression", "compression.zstd", "backports", "backports.zstd", "zstandard"):
        monkeypatch.setitem(sys.modules, name, None)
    path = tmp_path / "in.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd")
    with pytest.raises(CorruptInputError, match="no zstd module is installed"):
        open_input(str(path))
