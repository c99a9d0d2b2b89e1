"""The bootstrap of new clusters: the script streamr runs on every node as it
starts, the files it fetches, and EMR's list of bootstrap actions.

The ``bootstrap`` option holds shell commands. A command names a local file
to send along by putting ``#`` after it: ``sh ./setup.sh#`` uploads
``setup.sh`` and runs it from the node's bootstrap directory;
``./conf.json#settings.json`` does the same under the name
``settings.json``. The rule, which :func:`parse_bootstrap_command` follows:

* The command is split into words the way ``sh`` would: blanks and the
  operators ``; & | < > ( )`` separate words, and a word that starts with
  ``#`` begins a comment that runs to the end of the line.
* A file reference is a whole word with no quotes or backslashes in it, of
  the form ``PATH#`` or ``PATH#NAME``, optionally after ``SOMETHING=`` (as
  in ``--conf=./x.json#`` or ``CONF=./x.json#``). ``PATH`` is made of
  letters, digits and ``_ . / ~ + , @ % : -``; ``NAME`` is a plain file name
  (letters, digits and ``_ . + -``).
* Every file reference must name an existing local file; ``~`` is expanded.
  Quote a word to pass a ``#`` through to the shell unchanged (``'a#b'``).

On the node, each reference becomes the absolute path of the file in the
bootstrap directory. :func:`plan_bootstrap` picks the names (two different
files that want the same name get distinct ones, such as ``x-1.sh``) and
writes the script; the runner uploads the files and the script.

The script is POSIX ``sh``. It runs ``set -e``; makes the bootstrap
directory ``$STREAMR_BOOTSTRAP_DIR`` (default
``/mnt/var/lib/streamr/bootstrap``; with ``sudo`` only when a plain
``mkdir -p`` is not allowed) and changes into it; fetches each file with
``aws s3 cp`` (nodes have the AWS CLI, and may have no other way out);
makes sure ``python3`` is 3.9 or later when asked to, installing it from
the OS packages if not; then runs the commands one after another in the
same shell, each announced on stderr first (``streamr bootstrap: running:
...``) so a failing one can be found in the node's bootstrap logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from streamr.errors import UsageError

__all__ = [
    "DEFAULT_BOOTSTRAP_DIR",
    "MAX_BOOTSTRAP_ACTIONS",
    "BootstrapFile",
    "BootstrapPlan",
    "bootstrap_actions_request",
    "bootstrap_fingerprint",
    "parse_bootstrap_command",
    "plan_bootstrap",
]

#: where the script keeps its files on a node unless STREAMR_BOOTSTRAP_DIR says otherwise
DEFAULT_BOOTSTRAP_DIR = "/mnt/var/lib/streamr/bootstrap"
#: EMR's limit on bootstrap actions per cluster
MAX_BOOTSTRAP_ACTIONS = 16
#: the Name of streamr's own bootstrap action
SCRIPT_ACTION_NAME = "streamr bootstrap"

_MAX_ACTION_NAME = 256
_BLANKS = " \t\n"
_OPERATORS = ";&|<>()"
_FILE_REF = re.compile(r"^(?P<prefix>[A-Za-z0-9_.-]*=)?(?P<path>[A-Za-z0-9_./~+,@%:-]+)"
                       r"#(?P<name>[A-Za-z0-9_.+-]*)$")
_MIN_PYTHON = (3, 9)


class BootstrapFile(NamedTuple):
    """A local file the bootstrap script fetches: where it is here, its name
    in the node's bootstrap directory, and the S3 URI it is uploaded to."""

    local_path: str
    name: str
    uri: str


@dataclass(frozen=True)
class BootstrapPlan:
    """What bootstrapping a node takes: the files to upload and the script
    (``None`` when there is nothing to do)."""

    #: the ``bootstrap`` commands as the user wrote them
    commands: list[str] = field(default_factory=list)
    #: the same commands as they run on the node, file references replaced
    node_commands: list[str] = field(default_factory=list)
    #: whether the script makes sure the node has a Python 3.9+
    python: bool = False
    files: list[BootstrapFile] = field(default_factory=list)
    script: str | None = None


class _FileRef(NamedTuple):
    path: str
    name: str | None
    start: int  # where the path starts in the command
    end: int  # where the reference (its word) ends


# --- finding file references ---------------------------------------------------------


def parse_bootstrap_command(cmd: str) -> list[tuple[str, str | None]]:
    """The local files *cmd* names, as ``(path, name)`` with *path* as
    written and *name* ``None`` for ``path#``. Raises :class:`UsageError`
    when one does not exist or is not a local file, or when *cmd* cannot be
    split like ``sh`` would (an unclosed quote). See the module docstring
    for the rule."""
    return [(ref.path, ref.name) for ref in _find_file_refs(cmd)]


def _find_file_refs(cmd: str) -> list[_FileRef]:
    refs = []
    # the pattern admits no quotes or backslashes: a quoted word is never a reference
    for start, end in _shell_words(cmd):
        match = _FILE_REF.match(cmd[start:end])
        if not match:
            continue
        path, name = match.group("path"), match.group("name") or None
        where = "bootstrap file %s (in %r)" % (path, cmd)
        if "://" in path:
            raise UsageError("%s is a URI: only local files can be named with #; fetch it in"
                             " the command instead (aws s3 cp URI .)" % where)
        if name in (".", ".."):
            raise UsageError("%s: %r cannot be a file name" % (where, name))
        local = os.path.expanduser(path)
        if not os.path.exists(local):
            raise UsageError("%s does not exist (to pass a # to the shell as it is, quote the"
                             " word)" % where)
        if not os.path.isfile(local):
            raise UsageError("%s is not a file: only files can be named with #" % where)
        refs.append(_FileRef(path, name, start + len(match.group("prefix") or ""), end))
    return refs


def _shell_words(cmd: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each word of *cmd*, comments left out."""
    words = []
    index, size = 0, len(cmd)
    while index < size:
        char = cmd[index]
        if char in _BLANKS or char in _OPERATORS:
            index += 1
            continue
        if char == "#":
            newline = cmd.find("\n", index)
            index = size if newline < 0 else newline
            continue
        start = index
        while index < size and cmd[index] not in _BLANKS and cmd[index] not in _OPERATORS:
            char = cmd[index]
            if char in "\\'\"`":
                index = _skip_quoted(cmd, index)
            else:
                index += 1
        words.append((start, index))
    return words


def _skip_quoted(cmd: str, index: int) -> int:
    """The index just past the quoted part (or escaped character) that
    starts at *index*."""
    char = cmd[index]
    if char == "\\":
        return min(index + 2, len(cmd))
    if char == "'":
        close = cmd.find("'", index + 1)
    else:  # " or `: backslash escapes the next character
        close = index + 1
        while close < len(cmd) and cmd[close] != char:
            close += 2 if cmd[close] == "\\" else 1
        if close >= len(cmd):
            close = -1
    if close < 0:
        raise UsageError("bootstrap command %r has an unclosed %s" % (cmd, char))
    return close + 1


# --- the plan and the script ---------------------------------------------------------


def plan_bootstrap(commands: list[str], python: bool,
                   uri_for: Callable[[str], str]) -> BootstrapPlan:
    """Plan the bootstrap of each node from the ``bootstrap`` *commands* and
    the ``bootstrap_python`` flag. ``uri_for(local_path)`` gives the S3 URI
    the runner uploads a file to; it is called once per file."""
    files: list[BootstrapFile] = []
    by_request: dict[tuple[str, str], BootstrapFile] = {}
    uris: dict[str, str] = {}
    taken: set[str] = set()
    node_commands = []
    for cmd in commands:
        pieces, done = [], 0
        for ref in _find_file_refs(cmd):
            local_path = os.path.abspath(os.path.expanduser(ref.path))
            wanted = ref.name or os.path.basename(local_path)
            entry = by_request.get((local_path, wanted))
            if entry is None:
                if local_path not in uris:
                    uris[local_path] = uri_for(local_path)
                entry = BootstrapFile(local_path, _free_name(wanted, taken), uris[local_path])
                taken.add(entry.name)
                by_request[(local_path, wanted)] = entry
                files.append(entry)
            pieces += [cmd[done:ref.start], _node_path(entry.name)]
            done = ref.end
        node_commands.append("".join(pieces) + cmd[done:])

    script = None
    if commands or python:
        script = _script(files, python, list(commands), node_commands)
    return BootstrapPlan(commands=list(commands), node_commands=node_commands,
                         python=bool(python), files=files, script=script)


def _free_name(wanted: str, taken: set[str]) -> str:
    name, counter = wanted, 0
    stem, ext = os.path.splitext(wanted)
    while name in taken:
        counter += 1
        name = "%s-%d%s" % (stem, counter, ext)
    return name


def _node_path(name: str) -> str:
    return '"$STREAMR_BOOTSTRAP_DIR"/' + shlex.quote(name)


def _say(message: str) -> str:
    """A script line that writes *message* to stderr."""
    return "printf '%%s\\n' %s >&2" % shlex.quote("streamr bootstrap: " + message)


_PREAMBLE = """\
#!/bin/sh
# Written by streamr: bootstraps a node of an EMR cluster as it starts.
set -e
_streamr_on_exit() {
    _streamr_status=$?
    if [ "$_streamr_status" -ne 0 ]; then
        printf 'streamr bootstrap: failed with exit status %s\\n' "$_streamr_status" >&2
    fi
    exit "$_streamr_status"
}
trap _streamr_on_exit EXIT
STREAMR_BOOTSTRAP_DIR="${STREAMR_BOOTSTRAP_DIR:-@DEFAULT_DIR@}"
export STREAMR_BOOTSTRAP_DIR
if ! mkdir -p "$STREAMR_BOOTSTRAP_DIR" 2>/dev/null; then
    sudo mkdir -p "$STREAMR_BOOTSTRAP_DIR"
    sudo chown "$(id -u):$(id -g)" "$STREAMR_BOOTSTRAP_DIR"
fi
cd "$STREAMR_BOOTSTRAP_DIR"
STREAMR_BOOTSTRAP_DIR="$(pwd)"
"""

_PYTHON_CHECK = """\
%(checking)s
if ! python3 -c %(test)s >/dev/null 2>&1; then
    %(installing)s
    sudo dnf install -y python3 || sudo yum install -y python3
    hash -r 2>/dev/null || true
    if ! python3 -c %(test)s; then
        %(too_old)s
        exit 1
    fi
fi
"""


def _script(files: list[BootstrapFile], python: bool, commands: list[str],
            node_commands: list[str]) -> str:
    lines = _PREAMBLE.replace("@DEFAULT_DIR@", DEFAULT_BOOTSTRAP_DIR).splitlines()
    for entry in files:
        target = shlex.quote("./" + entry.name)
        lines.append(_say("fetching %s as %s" % (entry.uri, entry.name)))
        lines.append("aws s3 cp %s %s" % (shlex.quote(entry.uri), target))
        lines.append("chmod +x %s" % target)
    if python:
        version = "%d.%d" % _MIN_PYTHON
        test = "import sys; sys.exit(sys.version_info < %r)" % (_MIN_PYTHON,)
        lines += (_PYTHON_CHECK % {
            "checking": _say("checking for Python %s or later" % version),
            "test": shlex.quote(test),
            "installing": _say("python3 missing or older than %s: installing it" % version),
            "too_old": _say("python3 is still missing or older than %s" % version),
        }).splitlines()
    for cmd, node_cmd in zip(commands, node_commands):
        lines.append(_say("running: " + cmd))
        lines.append(node_cmd)
        lines.append("")  # ends the command even if it ends with a backslash
    lines.append(_say("done"))
    return "\n".join(lines) + "\n"


# --- EMR's bootstrap actions ------------------------------------------------------------


def bootstrap_actions_request(plan_script_uri: str | None, actions: list[str]) -> list[dict]:
    """The ``BootstrapActions`` of a RunJobFlow request: streamr's script
    (when there is one, uploaded to *plan_script_uri*) first, then each of
    the ``bootstrap_actions`` option's entries, ``S3_URI [ARG ...]`` split
    like a shell would."""
    request = []
    if plan_script_uri:
        request.append(_action(SCRIPT_ACTION_NAME, plan_script_uri, []))
    for number, line in enumerate(actions, 1):
        words = _split_action(line)
        name = "action %d: %s" % (number, posixpath.basename(words[0].rstrip("/")))
        request.append(_action(name[:_MAX_ACTION_NAME], words[0], words[1:]))
    if len(request) > MAX_BOOTSTRAP_ACTIONS:
        raise UsageError("too many bootstrap actions: EMR allows at most %d, and these are %d"
                         " (streamr's own bootstrap script counts as one when there is one)"
                         % (MAX_BOOTSTRAP_ACTIONS, len(request)))
    return request


def _action(name: str, path: str, args: list[str]) -> dict:
    return {"Name": name, "ScriptBootstrapAction": {"Path": path, "Args": list(args)}}


def _split_action(line: str) -> list[str]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError("bootstrap action %r: cannot split it like a shell would (%s)"
                         % (line, exc)) from None
    if not words:
        raise UsageError("bootstrap action %r is empty: give the S3 URI of a script and its"
                         " arguments" % (line,))
    bucket, _, key = words[0][len("s3://"):].partition("/")
    if not words[0].startswith("s3://") or not bucket or not key.strip("/"):
        raise UsageError("bootstrap action %r must start with the S3 URI of a script"
                         " (s3://bucket/path), not %r" % (line, words[0]))
    return words


def bootstrap_fingerprint(plan: BootstrapPlan, actions: list[str]) -> str:
    """A SHA-256 hex digest of everything that decides how nodes are
    bootstrapped: the commands as they run on the node, the files (by name
    and the content part of their URI), the Python check and the bootstrap
    actions.
    Two runs with the same fingerprint bootstrap nodes the same way."""
    described = {
        "commands": plan.node_commands,
        # by content: uploads live at <cloud_tmp_dir>files/<md5>/<name>, and
        # jobs with different cloud_tmp_dirs bootstrap nodes the same way
        "files": [[entry.name] + entry.uri.rsplit("/", 2)[-2:] for entry in plan.files],
        "python": plan.python,
        "actions": [_split_action(line) for line in actions],
    }
    text = json.dumps(described, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
