"""Running shell commands inside a task: ``*_cmd`` and ``*_pre_filter``
steps, fed through pipes.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["pipe_through"]


def pipe_through(command: str, lines: Iterable[bytes], check: bool = True) -> Iterator[bytes]:
    """Feed *lines* to ``sh -c command`` and yield what it prints; a
    non-zero exit raises ``RuntimeError`` naming the command, unless not
    *check*: a ``*_pre_filter`` is the first command of a pipe, and as in
    Hadoop streaming only the last command's status counts (a ``grep``
    that matches nothing in one split does not fail the job)."""
    # imported here: most tasks run no command, and every task pays for
    # what this module imports at its top
    import subprocess
    import threading

    proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    feed_error: list = []

    def feed():
        try:
            for line in lines:
                proc.stdin.write(line)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # surfaced after the command ends
            feed_error.append(exc)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    yield from proc.stdout
    proc.stdout.close()
    status = proc.wait()
    feeder.join()
    if feed_error:
        raise feed_error[0]
    if status != 0 and check:
        raise RuntimeError("command %r exited with status %d" % (command, status))
