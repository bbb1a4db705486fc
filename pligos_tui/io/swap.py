"""Swapping two folders in one atomic step, where the kernel allows it.

Linux's `renameat2(RENAME_EXCHANGE)` exchanges two paths at once, so a chart folder is
replaced without a moment where neither the old nor the new one stands at its place. It is
called through ctypes; where it is missing the caller falls back to two renames.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

_RENAME_EXCHANGE = 2


@lru_cache(maxsize=1)
def _renameat2() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step where the platform allows it."""
    func = _renameat2()
    if func is None:
        return False
    at_fdcwd = -100
    if func(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))
