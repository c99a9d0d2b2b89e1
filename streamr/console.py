"""What streamr prints on the terminal: where log records go and how
much of them (``-v``, ``-q``).

streamr's own messages and the job's (loggers ``streamr`` and ``__main__``)
go to stderr as bare lines, so stdout carries nothing but job output. (Not
to be confused with the Hadoop, YARN and EMR log *files* that
:mod:`streamr.logs` reads.)

Progress is the one thing drawn differently on a terminal: when stderr is
one, :func:`show_progress` redraws a single line in place (``\r``), and the
next log record first ends that line, so nothing is written over; anywhere
else (a log file, a pipe) progress is ordinary INFO lines.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["end_progress", "on_terminal", "set_up_logging", "show_progress"]

#: the line being redrawn in place: the stream it is on and its width
_redrawn: dict = {"stream": None, "width": 0}


class _Handler(logging.StreamHandler):
    """A stream handler that first ends a progress line redrawn in place."""

    def emit(self, record: logging.LogRecord) -> None:
        end_progress()
        super().emit(record)


def show_progress(logger: logging.Logger, text: str) -> None:
    """Show *text* as *logger*'s progress: redrawn in place when its records
    go to a terminal, else an INFO record; nothing when INFO is not shown."""
    if not logger.isEnabledFor(logging.INFO):
        return
    stream = on_terminal(logger)
    if stream is None:
        logger.info("%s", text)
        return
    if _redrawn["stream"] is not None and _redrawn["stream"] is not stream:
        end_progress()
    pad = " " * max(0, _redrawn["width"] - len(text))
    stream.write("\r" + text + pad)
    stream.flush()
    _redrawn.update(stream=stream, width=len(text))


def end_progress() -> None:
    """End the progress line being redrawn, if any (a newline after it)."""
    stream = _redrawn["stream"]
    if stream is not None:
        _redrawn.update(stream=None, width=0)
        stream.write("\n")
        stream.flush()


def on_terminal(logger: logging.Logger):
    """The terminal *logger*'s records are written to by streamr's handler,
    or None (no such handler, or not a terminal)."""
    while logger is not None:
        for handler in logger.handlers:
            stream = getattr(handler, "stream", None)
            if getattr(handler, "_streamr", False) and stream is not None:
                isatty = getattr(stream, "isatty", None)
                return stream if isatty is not None and isatty() else None
        if not logger.propagate:
            return None
        logger = logger.parent
    return None


def set_up_logging(quiet: bool = False, verbose: bool = False, stream=None) -> None:
    """Send ``streamr`` and ``__main__`` log records to *stream* (stderr):
    INFO and up, DEBUG with *verbose*, only errors with *quiet*."""
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("streamr", "__main__"):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not getattr(h, "_streamr", False)]
        handler._streamr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


