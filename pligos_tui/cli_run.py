"""How a command of the command line ends: its exit status, and what is said when it fails.

`run` calls a command and turns what it raises into one message and an exit status: a
PligosError its own (2 for bad input, as the error says), Ctrl+C 130 or SIGTERM 143 (temporary
files and locks are cleaned up on the way out), a reader that closed the pipe 0, a stdout that
cannot be written (a full disk, a closed stdout) 2, anything else 70, a bug. Kept apart from
`cli`, which builds the parser, so that neither grows past what one reader takes in.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2
INTERNAL_ERROR = 70  # EX_SOFTWARE
INTERRUPTED = 130  # 128 + SIGINT
TERMINATED = 143  # 128 + SIGTERM
# what writing to stdout fails with, other than a closed pipe: a full disk, a closed stdout
_OUTPUT_ERRNOS = (errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG)


def run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace, *,
        as_json: bool) -> int:
    """The exit status of the command `func` run with `args`; errors reported (as a JSON
    document on stdout with `as_json`, when stdout can take one)."""
    from pligos_tui import cli_report as report
    from pligos_tui.errors import PligosError, UsageError

    if sys.stdout is None:  # started with stdout closed (>&-): a write is an error, below
        sys.stdout = _Closed()
    try:
        return int(func(args))
    except PligosError as err:
        try:
            if as_json:
                report.error_json(err)
            else:
                report.error(err)
        except BrokenPipeError:  # the reader of the JSON went away: the status still says it
            _reader_gone()
        except OSError:  # stdout cannot take the JSON: say it where it can be read
            report.error(err)
        return err.exit_code
    except KeyboardInterrupt as stop:
        report_safely(report.interrupted, as_json=as_json)
        return TERMINATED if isinstance(stop, _Terminated) else INTERRUPTED
    except BrokenPipeError:
        _reader_gone()
        return EXIT_OK
    except OSError as exc:
        if exc.filename is not None or exc.errno not in _OUTPUT_ERRNOS:
            return _internal(exc, as_json)
        report.error(UsageError(f"cannot write the output: {exc.strerror}",
                                hint="check where stdout goes (a full disk? a closed stdout?)"))
        return EXIT_USAGE
    except Exception as exc:
        return _internal(exc, as_json)


class _Closed:
    """Stdout when the command was started without one."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _internal(exc: Exception, as_json: bool) -> int:
    from pligos_tui import cli_report as report

    if os.environ.get("PLIGOS_DEBUG"):
        raise exc
    report_safely(report.internal_error, exc, as_json=as_json)
    return INTERNAL_ERROR


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it ends as on Ctrl+C."""


def terminate_cleanly() -> None:
    """SIGTERM (a GitOps engine's timeout, a CI job cancelled) ends a command as Ctrl+C does:
    its temporary files and locks are cleaned up on the way out (exit 143)."""
    def stop(signum: int, frame: object) -> None:
        raise _Terminated

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a caller running main in a thread)
        pass


def report_safely(say: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Print what happened; a reader that closed the pipe changes no exit status."""
    try:
        say(*args, **kwargs)
    except BrokenPipeError:
        _reader_gone()
    except OSError:  # stdout cannot take it either: the exit status still says it
        pass


def _reader_gone() -> None:
    """Stdout's reader closed the pipe (`| head`): send what is left to /dev/null, so that
    flushing it at exit raises nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
