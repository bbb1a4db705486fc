"""File-system helpers: atomic replacement of a file, and folder locks.

A file is replaced by writing it beside the old one and renaming it over (`atomic_write`). A
folder lock (`locked`) makes a second run writing into the same folder wait for the first.
Swapping whole folders is :mod:`pligos_tui.io.swap`.
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pligos_tui.errors import PligosError, display_path

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str | None:
    return next((name for test, name in _KINDS if test(mode)), None)


def special_kind(path: Path) -> str | None:
    """What `path` is when it is neither a regular file nor a folder ("a named pipe", ...),
    found without opening it (reading a named pipe waits forever for a writer)."""
    try:
        return _kind(os.stat(path).st_mode)
    except OSError:
        return None


NAME_MAX, PATH_MAX = 255, 4096  # bytes: of one name in a path, of a whole path


def too_long(path: str) -> str | None:
    """Why no file system takes `path` ("a name of 300 bytes"), or None."""
    longest = max((len(part.encode()) for part in path.split("/")), default=0)
    if longest > NAME_MAX:
        return f"a name of {longest} bytes"
    if len(path.encode()) > PATH_MAX:
        return f"{len(path.encode())} bytes"
    return None


class NotRegularFile(OSError):
    """A path that names a named pipe, a socket or a device where a file is read."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.kind = kind


def read_regular(path: Path, limit: int = -1) -> bytes:
    """The bytes of a regular file (at most `limit` + 1 of them when limit >= 0). Anything
    else is refused before it is opened, and checked again once open (it may have changed)."""
    kind = special_kind(path)
    if kind:
        raise NotRegularFile(path, kind)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _kind(mode) or "not a file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit + 1) if limit >= 0 else fh.read()
    finally:
        os.close(fd)


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
