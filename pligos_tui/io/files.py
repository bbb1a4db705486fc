"""File-system helpers: atomic replacement of a file, and folder locks.

A file is replaced by writing it beside the old one and renaming it over (`atomic_write`). A
folder lock (`locked`) makes a second run writing into the same folder wait for the first.
Swapping whole folders is :mod:`pligos_tui.io.swap`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pligos_tui.errors import PligosError, display_path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; on failure the old file stays as it was."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    _remove_stale_temps(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.pligos-tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise PligosError(f"cannot write {display_path(path)}: {exc.strerror or exc}",
                          hint="check that the folder is writable and the disk has space") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_stale_temps(path: Path) -> None:
    """Remove what an interrupted save of `path` left beside it (its writer is gone)."""
    for temp in path.parent.glob(f".{path.name}.*.pligos-tmp"):
        pid = temp.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            temp.unlink(missing_ok=True)
        except OSError:
            pass



@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder: a second run writing into it waits for the first."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
