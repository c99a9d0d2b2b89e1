"""streamr.py2 against mrjob 0.7.4's mrjob.py2: the names jobs import from
it mean the same on Python 3, and importing it stays cheap for tasks."""

import importlib
import subprocess
import sys

import pytest

import streamr.py2

# mrjob is imported by the tests, not when the module loads: from Python
# 3.12 on it cannot be installed, and this module must still collect there
# (its tests are deselected with -m "not mrjob")
pytestmark = pytest.mark.mrjob


@pytest.fixture(scope="module")
def mrjob_py2():
    return importlib.import_module("mrjob.py2")

NAMES = ["PY2", "ParseResult", "StringIO", "integer_types", "pathname2url", "string_types",
         "urljoin", "urlopen", "urlparse", "xrange"]


@pytest.mark.parametrize("name", NAMES)
def test_each_name_is_what_mrjob_gives_on_python_3(name, mrjob_py2):
    assert getattr(streamr.py2, name) == getattr(mrjob_py2, name)


@pytest.mark.parametrize("value", [b"caf\xc3\xa9", b"\xff\xfe latin", b"", "d\xe9j\xe0", ""])
def test_to_unicode_decodes_as_mrjob_does(value, mrjob_py2):
    assert streamr.py2.to_unicode(value) == mrjob_py2.to_unicode(value)


@pytest.mark.parametrize("value", [3, None, bytearray(b"x"), ["a"]])
def test_to_unicode_refuses_what_mrjob_refuses(value, mrjob_py2):
    with pytest.raises(TypeError):
        mrjob_py2.to_unicode(value)
    with pytest.raises(TypeError):
        streamr.py2.to_unicode(value)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        streamr.py2.no_such_name  # noqa: B018


def test_importing_it_does_not_load_urllib_request():
    probe = ("import sys, streamr.py2\n"
             "print('urllib.request' in sys.modules)\n"
             "streamr.py2.urlopen\n"
             "print('urllib.request' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]
