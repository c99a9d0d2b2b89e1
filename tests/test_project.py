"""The project's own promises: README's commands, CI, layout."""

import ast
import os
import re

from tests.support.jobs import ROOT


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _readme_commands():
    text = _read(os.path.join(ROOT, "README.md"))
    head = text.split("## A job")[0]
    return re.findall(r"```sh\n(.+?)\n```", head, re.S)


def test_readme_has_exactly_two_setup_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "examples/mr_word_freq_count.py examples/data/" in commands[0]
    assert "pytest" in commands[1] and "[test" in commands[1]


def test_ci_runs_readme_test_command_word_for_word():
    ci = _read(os.path.join(ROOT, ".ci", "run"))
    lines = [line.strip() for line in ci.splitlines()]
    assert _readme_commands()[1] in lines
    assert "set -euo pipefail" in lines
    assert any(line.startswith(".venv/bin/ruff check") for line in lines)
    assert any("sphinx-build -W" in line for line in lines)


def test_readme_example_data_exists():
    data = _readme_commands()[0].rsplit(" ", 1)[1]
    assert os.path.isfile(os.path.join(ROOT, data))


TASK_SIDE = ["job.py", "step.py", "protocol.py", "compat.py", "errors.py",
             "args.py", "options.py", "inputs.py"] + [
    os.path.join("engine", name) for name in sorted(os.listdir(os.path.join(ROOT, "streamr",
                                                                              "engine")))
    if name.endswith(".py")]
REMOVED_MODULES = {"pipes", "imp", "distutils", "asynchat", "asyncore", "cgi", "crypt",
                   "telnetlib", "nntplib", "smtpd"}


def test_no_module_imports_what_recent_pythons_removed():
    for folder, _, files in os.walk(os.path.join(ROOT, "streamr")):
        for name in files:
            if not name.endswith(".py"):
                continue
            tree = ast.parse(_read(os.path.join(folder, name)))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                for imported in names:
                    assert imported.split(".")[0] not in REMOVED_MODULES, (name, imported)


def test_task_side_modules_import_only_stdlib_and_streamr():
    import sys

    stdlib = set(sys.stdlib_module_names)
    for name in TASK_SIDE:
        tree = ast.parse(_read(os.path.join(ROOT, "streamr", name)))
        for node in tree.body:  # module-level imports only; lazy ones are allowed
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                tops = [(node.module or "").split(".")[0]]
            else:
                continue
            for top in tops:
                assert top in stdlib or top in ("streamr", "__future__"), (name, top)
