"""Reading a file that may not be what its name says: a FIFO, a device, a huge sparse file.

The type and size are checked on the open descriptor before any byte is read (so a file swapped
between the check and the read is still the one checked), the open never blocks (a FIFO with no
writer would hang it), and at most ``limit + 1`` bytes are ever read, whatever the file claims.
Used for the files backlint checks and for the cache's own files.
"""
from __future__ import annotations

import os
import stat
from typing import Optional, Tuple

_KINDS = (
    (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)


class NotReadable(Exception):
    """The file is not a regular file, or is over the size limit: skip it, with this reason."""


def kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_bounded(path: str, limit: Optional[int]) -> Tuple[bytes, os.stat_result]:
    """(the file's bytes, its stat) for a regular file of at most ``limit`` bytes (None: no limit).

    Raises :class:`NotReadable` (the reason is the message) or ``OSError``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(f"skipped: it is {kind(st.st_mode)}, not a regular file")
        if limit is not None and st.st_size > limit:
            raise NotReadable(size_reason(st.st_size, limit))
        chunks = []
        left = (limit + 1) if limit is not None else -1
        while left != 0:
            chunk = os.read(fd, 1 << 20 if left < 0 else min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            if left > 0:
                left -= len(chunk)
        data = b"".join(chunks)
        if limit is not None and len(data) > limit:  # grew after the stat
            raise NotReadable(size_reason(len(data), limit))
        return data, st
    finally:
        os.close(fd)


def size_reason(size: int, limit: int) -> str:
    return (
        f"skipped: the file is {size / 1048576:.1f} MiB, over max-file-size "
        f"({limit / 1048576:.1f} MiB; raise it in [tool.backlint] to check such files)"
    )
