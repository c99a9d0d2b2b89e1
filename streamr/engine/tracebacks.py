"""The job's own traceback, without streamr's frames.

When the job's code raises, its author wants to see their own frames: the
script's top level that called ``MRJob.run()`` and the engine frames
between the task and the job's method say nothing they can act on. Both
the runner that prints a failure (:mod:`streamr.launch`) and a task that
fails or skips a record (:mod:`streamr.engine.streaming`) use this, so a
failing task looks the same under every runner.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import os
import traceback

__all__ = ["user_traceback"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _is_streamr(frame: traceback.FrameSummary) -> bool:
    return os.path.abspath(frame.filename).startswith(_PACKAGE_DIR)


def user_traceback(exc: BaseException) -> str:
    """The traceback of *exc* with only the job's frames: streamr's own are
    left out, and so are the frames above the first of them (the script's
    top level, which only started the task). Notes added to *exc* are left
    out too."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((num for num, frame in enumerate(frames) if _is_streamr(frame)), 0)
    kept = [frame for frame in frames[first:] if not _is_streamr(frame)]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(kept)
    lines += traceback.format_exception_only(type(exc), exc)
    notes = getattr(exc, "__notes__", None) or []
    return "".join(line for line in lines if line.rstrip("\n") not in notes)
