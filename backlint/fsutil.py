"""Atomic file writes: a reader (or an interrupted run) sees the old file or the new one, never
a truncated one. Used for --fix and the cache; ``write_output`` (-o/--output, --write-baseline)
uses it for regular files and writes anything else in place."""
from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, data: bytes, durable: bool = True) -> None:
    """Write via a temporary file in the same directory, fsync, then rename over ``path``.

    An existing file keeps its permission bits; a new one gets the usual umask-based mode.
    ``durable=False`` skips the fsync: still atomic for a killed process (old file or new one),
    but a power loss may leave the new file empty or short. Only for files whose readers verify
    a checksum and rebuild what fails it (the cache's per-file facts).
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=".backlint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_output(path: str, data: bytes) -> None:
    """Write a report (``-o``) or a baseline to ``path``.

    A regular file (or a new one) is replaced atomically, keeping its permission bits. Anything
    else -- a device such as ``/dev/null``, a FIFO, ``/dev/stdout``, a symbolic link -- is opened
    and written in place: renaming over it would replace the node (or the link) with a regular
    file.
    """
    import stat

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is None or stat.S_ISREG(st.st_mode):
        write_atomic(path, data)
        return
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0)
    if stat.S_ISLNK(st.st_mode):
        flags |= os.O_CREAT  # a dangling link names the file to create
    fd = os.open(path, flags, 0o666)
    try:
        target = os.fstat(fd)
        out = fd
        if stat.S_ISREG(target.st_mode):
            same = [s for s in (1, 2) if _same_file(s, target)]
            if same:  # /dev/stdout redirected to a file: continue it, as writing to stdout would
                out = same[0]
            else:  # a link to a regular file: its old text must not remain
                os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            written = os.write(out, view)
            view = view[written:]
    finally:
        os.close(fd)


def _same_file(fd: int, st: os.stat_result) -> bool:
    try:
        other = os.fstat(fd)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
