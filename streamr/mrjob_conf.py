"""Reading an mrjob config file for people moving from mrjob.

Someone who used mrjob keeps their settings (EMR instance types, key pairs,
pools, ``cmdenv``) in ``$MRJOB_CONF``, ``~/.mrjob.conf`` or
``/etc/mrjob.conf``. When no streamr config file is found, streamr reads the
first of those that exists instead, says so once on stderr, and renames
mrjob's options to streamr's: most have the same name, a few were renamed
(:data:`RENAMED`), and the ones streamr has no counterpart for are named
once each and ignored. The file's format (YAML or JSON, ``runners:`` and
``include:``) is the same as streamr's, so reading it is
:mod:`streamr.conf`'s job; this module only finds the file and translates
its option names and the few values whose form differs.
"""

from __future__ import annotations

import logging
import os

from streamr.option_type import expand_path
from streamr.options import OPTIONS

__all__ = ["MRJOB_CONF_ENV_VAR", "RENAMED", "find_mrjob_conf", "translate_runner_sections",
           "use_mrjob_conf"]

log = logging.getLogger("streamr.conf")

MRJOB_CONF_ENV_VAR = "MRJOB_CONF"
_USER_PATH = "~/.mrjob.conf"
_SYSTEM_PATH = "/etc/mrjob.conf"

#: mrjob option name -> the streamr option that means the same
RENAMED = {
    "upload_files": "files",
    "upload_dirs": "dirs",
    "upload_archives": "archives",
    "image_version": "release_label",
}

_OURS = frozenset(opt.name for opt in OPTIONS)

# what has been said already in this process, so each thing is said once
_told: set = set()


def find_mrjob_conf() -> str | None:
    """The mrjob config file mrjob itself would read: ``$MRJOB_CONF`` if it
    names a file, else ``~/.mrjob.conf``, else ``/etc/mrjob.conf``; None
    when there is none."""
    named = os.environ.get(MRJOB_CONF_ENV_VAR)
    candidates = [expand_path(named)] if named else []
    candidates += [expand_path(_USER_PATH), _SYSTEM_PATH]
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    return None


def use_mrjob_conf() -> str | None:
    """The mrjob config file to read when there is no streamr one (see
    :func:`find_mrjob_conf`), after saying once on stderr that it is read."""
    path = find_mrjob_conf()
    if path:
        _say_once(("read", path),
                  "no streamr config file found; reading mrjob's %s instead, with its option"
                  " names mapped to streamr's (see 'streamr conf show')" % path)
    return path


def translate_runner_sections(path: str, data: dict) -> None:
    """Rename, in place, the options under each runner of *data* (the top
    level of mrjob config file *path*) to streamr's names, converting the
    values whose form differs; drop the options streamr has no counterpart
    for, naming each once."""
    runners = data.get("runners")
    if not isinstance(runners, dict):
        return
    for alias, section in runners.items():
        if isinstance(section, dict):
            _translate_section(path, alias, section)


def _translate_section(path: str, alias: str, section: dict) -> None:
    marks = getattr(section, "marks", None)
    for name in list(section):
        value = section.pop(name)
        where = marks.pop(name, None) if marks is not None else None
        ours = RENAMED.get(name, name)
        if ours not in _OURS:
            _say_once(("unmapped", name),
                      "%s: mrjob option %r has no streamr counterpart; ignored" % (path, name))
            continue
        section[ours] = _convert(ours, value)
        if where is not None:
            marks[ours] = where


def _convert(name: str, value: object) -> object:
    """mrjob's form of a value in streamr's form, where the two differ."""
    if name in ("s3_endpoint", "emr_endpoint") and isinstance(value, str) \
            and "://" not in value:
        return "https://" + value  # mrjob takes a host name, streamr a URL
    if name == "release_label" and isinstance(value, str) and not value.startswith("emr-"):
        return "emr-" + value  # mrjob's image_version is the bare version
    return value


def _say_once(key: tuple, message: str) -> None:
    if key not in _told:
        _told.add(key)
        log.warning("%s", message)
