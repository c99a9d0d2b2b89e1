"""The layer rules of docs/architecture: which streamr modules may import which.

Each rule is checked from the source (the import statements, read with ``ast``)
and, for the task side, by importing ``streamr.job`` in a fresh interpreter and
looking at what it loaded. A rule broken here is a design decision to take
deliberately, never a careless import: tasks pay for every module they load,
on every node, for every task.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.pythons import stdlib_module_names

PACKAGE = Path(__file__).resolve().parent.parent / "streamr"

#: the longest a module may grow; past it, a module holds two ideas
MAX_LINES = 600

#: modules every task imports; stdlib only at module level (Python 3.9 on EMR 7 nodes)
TASK_SIDE = ("streamr.job", "streamr.step", "streamr.protocol", "streamr.compat",
             "streamr.errors", "streamr.engine")

#: what a task must never load: runners, AWS, configuration, the command line
NOT_ON_TASK_SIDE = ("streamr.runners", "streamr.aws", "streamr.fs.s3", "streamr.conf",
                    "streamr.options", "streamr.cli", "streamr.launch", "streamr.history")


class Module:
    """One streamr module's source: its dotted name and its imports of other
    streamr modules, split into module-level and all (lazy ones included)."""

    def __init__(self, path: Path):
        self.path = path
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        self.is_package = parts[-1] == "__init__"
        if self.is_package:
            parts.pop()
        self.name = ".".join(parts)
        self.source = path.read_text(encoding="utf-8")
        tree = ast.parse(self.source)
        self.top_level: set[str] = set()
        self.anywhere: set[str] = set()
        self.third_party_top_level: set[str] = set()
        for node, top in _imports(tree):
            for target in self._targets(node):
                self.anywhere.add(target)
                if top:
                    if target.split(".")[0] == "streamr":
                        self.top_level.add(target)
                    else:
                        self.third_party_top_level.add(target.split(".")[0])

    def _targets(self, node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        assert isinstance(node, ast.ImportFrom)
        if node.level:  # relative: resolve against this module's package
            base = self.name.split(".")
            if not self.is_package:
                base = base[:-1]
            base = base[:len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        # "from streamr.fs import s3" imports the submodule streamr.fs.s3
        return [module] + ["%s.%s" % (module, alias.name) for alias in node.names]

    def lines(self) -> int:
        return len(self.source.splitlines())


def _imports(tree: ast.Module):
    """(import node, is it run when the module loads) for every import; the
    body of ``if TYPE_CHECKING:`` never runs."""
    def walk(nodes, top):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node, top
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                yield from walk(node.orelse, top)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(ast.iter_child_nodes(node), False)
            else:
                yield from walk(ast.iter_child_nodes(node), top)
    return walk(tree.body, True)


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _load_modules() -> dict[str, Module]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = Module(path)
        modules[module.name] = module
    return modules


MODULES = _load_modules()


def _known(target: str) -> str | None:
    """The streamr module an import target names, or None (a class, a function)."""
    return target if target in MODULES else None


def _under(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _graph() -> dict[str, set[str]]:
    """Module-level imports among streamr modules; importing a submodule also
    runs its packages' ``__init__``, which is a module of its own here."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, module in MODULES.items():
        for target in module.top_level:
            if _known(target) and target != name:
                graph[name].add(target)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_rules_see_the_package():
    # guards the rules below against passing on an empty or misread tree
    assert {"streamr.job", "streamr.runners.base", "streamr.fs.base"} <= set(MODULES)
    assert "streamr.runners.base" in MODULES["streamr.runners.inline"].top_level
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_among_streamr_modules():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_the_size_limit(name):
    assert MODULES[name].lines() <= MAX_LINES, (
        "%s has %d lines; past %d a module holds two ideas: split it"
        % (name, MODULES[name].lines(), MAX_LINES))


def test_task_side_imports_only_stdlib_and_task_side_at_module_level():
    stdlib = set(stdlib_module_names()) | {"__future__"}
    task_side = [name for name in MODULES if _under(name, TASK_SIDE)]
    assert "streamr.job" in task_side and any(n.startswith("streamr.engine.") for n in task_side)
    for name in task_side:
        module = MODULES[name]
        assert module.third_party_top_level <= stdlib, (
            name, sorted(module.third_party_top_level - stdlib))
        for target in module.top_level:
            assert not _under(target, NOT_ON_TASK_SIDE), (name, target)


def test_importing_a_job_loads_no_runner_aws_config_cli_or_third_party_code():
    # what a task really loads, lazy imports resolved: measured in a fresh interpreter
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import streamr.job\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=str(PACKAGE.parent)).stdout
    loaded = json.loads(out)
    assert "streamr.job" in loaded
    stdlib = set(stdlib_module_names())
    forbidden = [name for name in loaded if _under(name, NOT_ON_TASK_SIDE)]
    third_party = sorted({name.split(".")[0] for name in loaded
                          if name.split(".")[0] not in stdlib | {"streamr"}
                          and not name.startswith("_")})
    assert forbidden == []
    assert third_party == []


def test_runners_never_import_the_job_module():
    # the user's job class reaches a runner as a value, in the job description
    for name, module in MODULES.items():
        if _under(name, ["streamr.runners"]):
            assert not any(_under(t, ["streamr.job"]) for t in module.anywhere), name


def test_filesystems_never_import_runners():
    # HDFS runs `hadoop fs` itself; finding hadoop lives in streamr.fs for that reason
    for name, module in MODULES.items():
        if _under(name, ["streamr.fs"]):
            assert not any(_under(t, ["streamr.runners"]) for t in module.anywhere), name


def test_filesystems_never_import_input_handling():
    for name, module in MODULES.items():
        if _under(name, ["streamr.fs"]):
            assert not any(_under(t, ["streamr.inputs"]) for t in module.anywhere), name


def test_options_and_config_never_import_runners():
    for name in ("streamr.options", "streamr.conf"):
        for candidate, module in MODULES.items():
            if _under(candidate, [name]):
                assert not any(_under(t, ["streamr.runners"]) for t in module.anywhere), (
                    candidate)


def test_history_knows_runs_not_runners():
    # runners call into the history; the history never reaches back into them
    for name, module in MODULES.items():
        if _under(name, ["streamr.history"]):
            assert not any(_under(t, ["streamr.runners", "streamr.job"])
                           for t in module.anywhere), name


def test_pyspark_is_imported_only_where_spark_runs():
    # pyspark is an optional extra: without it every module still imports, and
    # the Spark runner says in one line how to install it
    for name, module in MODULES.items():
        assert "pyspark" not in module.third_party_top_level, name
