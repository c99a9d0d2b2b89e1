"""The project's own promises: README's commands, CI, layout."""

import ast
import os
import re

from tests.support.jobs import ROOT
from tests.support.pythons import stdlib_module_names


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
             "args.py", "options.py", "option_type.py", "inputs.py", "fs/compression.py"] + [
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
    stdlib = stdlib_module_names()
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


def _streamr_imports(path):
    """Every streamr module *path* imports, at module level or in a function."""
    found = set()
    for node in ast.walk(ast.parse(_read(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "streamr"}


def test_options_and_config_know_no_runner_and_fs_knows_no_inputs():
    for name in ("conf.py", "options.py", "option_type.py", "plugins.py"):
        imported = _streamr_imports(os.path.join(ROOT, "streamr", name))
        assert not [m for m in imported if m.startswith("streamr.runners")], name
    fs_dir = os.path.join(ROOT, "streamr", "fs")
    for name in os.listdir(fs_dir):
        if name.endswith(".py"):
            assert "streamr.inputs" not in _streamr_imports(os.path.join(fs_dir, name)), name


def test_cli_modules_do_not_import_their_own_package():
    """Subcommand modules import each other's modules, never ``streamr.cli``
    itself (which imports them all): no cycle."""
    cli_dir = os.path.join(ROOT, "streamr", "cli")
    for name in os.listdir(cli_dir):
        if name.endswith(".py") and name not in ("__init__.py", "__main__.py"):
            assert "streamr.cli" not in _streamr_imports(os.path.join(cli_dir, name)), name
