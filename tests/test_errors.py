"""The tree of errors a user can cause: every one derives from StreamrError
and declares its exit status, and the two places a run ends read that
status from the class."""

import ast
import inspect
import os
import types

import click
import pytest
from click.testing import CliRunner

from streamr import errors, launch, options, step
from streamr.cli.failure import StreamrGroup
from streamr.errors import StreamrError
from tests.support.jobs import ROOT
from tests.support.pythons import stdlib_module_names

EXPECTED_STATUS = {
    "StreamrError": 1,
    "UsageError": 2,
    "OptionValueError": 2,
    "AWSError": 1,
    "AWSSetupError": 2,
    "HadoopNotFound": 2,
    "HadoopError": 1,
    "CorruptInputError": 1,
    "NoSpaceError": 1,
    "MalformedRecordError": 1,
    "TooManyFailedRecords": 1,
    "StepFailedException": 1,
    "JobFailed": 1,
    "Interrupted": 130,
}


def error_classes():
    # Stopped is not an error: it carries SIGTERM/SIGHUP as a KeyboardInterrupt
    return [obj for obj in vars(errors).values()
            if inspect.isclass(obj) and issubclass(obj, BaseException)
            and obj is not errors.Stopped]


def test_a_stop_signal_travels_as_ctrl_c_does():
    assert issubclass(errors.Stopped, KeyboardInterrupt)
    assert errors.Interrupted("SIGTERM", 15).exit_status == 143
    assert errors.Interrupted().exit_status == 130


def test_every_error_derives_from_the_root_and_has_an_exit_status():
    found = {cls.__name__: cls for cls in error_classes()}
    assert set(found) == set(EXPECTED_STATUS)
    for name, cls in found.items():
        assert issubclass(cls, StreamrError), name
        assert "exit_status" in vars(cls), "%s declares no exit status of its own" % name
        assert cls.exit_status == EXPECTED_STATUS[name], name


def test_errors_stay_importable_where_jobs_and_runners_find_them():
    assert options.OptionValueError is errors.OptionValueError
    assert step.StepFailedException is errors.StepFailedException
    # callers that catch ValueError keep catching these
    assert issubclass(errors.OptionValueError, ValueError)
    assert issubclass(errors.MalformedRecordError, ValueError)


def test_no_other_streamr_module_defines_an_exception():
    """A user error defined elsewhere would escape the one tree (click's
    wrapper in streamr.cli.failure is how the command shows them)."""
    allowed = {("streamr/cli/failure.py", "CommandFailed")}
    package = os.path.join(ROOT, "streamr")
    for directory, _, names in os.walk(package):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
            if rel == "streamr/errors.py":
                continue
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if bases & {"Exception", "ValueError", "RuntimeError", "ClickException"}:
                    assert (rel, node.name) in allowed, "%s defines %s" % (rel, node.name)


class _Odd(StreamrError):
    exit_status = 7


class _FailingRunner:
    failure = None

    def __init__(self, exc):
        self.exc = exc

    def __enter__(self):
        return self

    def __exit__(self, *info):
        return False

    def run(self):
        raise self.exc


def _job():
    opts = types.SimpleNamespace(quiet=True, verbose=False, cat_output=False, output_dir=None)
    return types.SimpleNamespace(options=opts, arg_parser=types.SimpleNamespace(prog="job.py"))


@pytest.mark.parametrize("exc, status, line", [
    (_Odd("odd"), 7, "job.py: error: odd"),
    (errors.UsageError("bad"), 2, "job.py: error: bad"),
    (errors.StepFailedException("boom", step_num=0, num_steps=1), 1,
     "Step 1 of 1 failed: boom"),
    (KeyboardInterrupt(), 130, "job.py: interrupted; temporary files removed"),
])
def test_a_jobs_run_ends_with_the_line_and_status_of_the_errors_class(
        monkeypatch, capsys, exc, status, line):
    monkeypatch.setattr(launch, "make_runner", lambda job: _FailingRunner(exc))
    with pytest.raises(SystemExit) as info:
        launch.run_job_from_command_line(_job())
    assert info.value.code == status
    assert capsys.readouterr().err.splitlines() == [line]


def test_the_command_ends_with_the_status_of_the_errors_class():
    @click.group(cls=StreamrGroup)
    def group():
        pass

    @group.command()
    def fail():
        raise _Odd("odd")

    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 keeps stderr apart by itself
        runner = CliRunner()
    result = runner.invoke(group, ["fail"])
    assert result.exit_code == 7
    assert result.stderr == "streamr: error: odd\n"


def test_a_bug_keeps_its_traceback(monkeypatch):
    monkeypatch.setattr(launch, "make_runner", lambda job: _FailingRunner(KeyError("bug")))
    with pytest.raises(KeyError):
        launch.run_job_from_command_line(_job())


def test_errors_module_is_task_side():
    """errors.py runs inside tasks: it imports nothing but the standard library."""
    tree = ast.parse(inspect.getsource(errors))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= stdlib_module_names() | {"__future__"}
