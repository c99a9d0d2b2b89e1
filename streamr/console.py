"""What streamr prints on the terminal: where log records go and how
much of them (``-v``, ``-q``).

streamr's own messages and the job's (loggers ``streamr`` and ``__main__``)
go to stderr as bare lines, so stdout carries nothing but job output. (Not
to be confused with the Hadoop, YARN and EMR log *files* that
:mod:`streamr.logs` reads.)
"""

from __future__ import annotations

import logging
import sys

__all__ = ["set_up_logging"]


def set_up_logging(quiet: bool = False, verbose: bool = False, stream=None) -> None:
    """Send ``streamr`` and ``__main__`` log records to *stream* (stderr):
    INFO and up, DEBUG with *verbose*, only errors with *quiet*."""
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("streamr", "__main__"):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not getattr(h, "_streamr", False)]
        handler._streamr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


