"""Writing a fixed file without losing it, its identity or anything outside the checked tree.

``--fix`` rewrites user files, so (issues #23 item 6, #24 item 5):

- the fixed text is first written to a temporary file beside the target, flushed and read back
  (verified), and the target must still hold exactly the bytes that were checked;
- an ordinary file (one link, ownership that can be kept) is replaced by renaming that copy
  over it, atomically: a kill at any moment leaves the old file or the new one, never a
  truncated one; its permission bits and owner are kept;
- a file with hard links, or whose owner cannot be given to the copy, is written in place
  from the verified copy (the inode, its links and owner are kept); the copy is removed only
  after the in-place write is flushed, so a kill during that write leaves the complete fixed
  text beside the file;
- a symlink is fixed through the link (the target is written, the link stays a link), but
  only when its target is inside the checked tree; a read-only file (no write bit, even for
  root) and anything that is not a regular file are refused with a message.

Encodings, BOMs and line endings are the engine's business: the bytes given here are written
as they are.
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Iterable, Optional

from .safe_read import NotReadable, read_bounded


class Refused(Exception):
    """The fix was not written; the message says why and what to do."""


def _inside(path: str, roots: Iterable[str]) -> bool:
    for root in roots:
        real = os.path.realpath(root)
        if path == real or path.startswith(real.rstrip(os.sep) + os.sep):
            return True
    return False


def target_of(path: str, roots: Iterable[str]) -> str:
    """The file a fix of ``path`` must write: ``path``, or a symlink's target inside ``roots``."""
    if not os.path.islink(path):
        return path
    real = os.path.realpath(path)
    if not _inside(real, roots):
        raise Refused(f"not fixed: it is a symlink to {real}, outside the checked tree; fix that file itself")
    return real


def write_fix(path: str, original: bytes, fixed: bytes, roots: Iterable[str]) -> None:
    """Replace ``original`` with ``fixed`` in ``path``; raises :class:`Refused` or ``OSError``."""
    target = target_of(path, list(roots))
    st = os.stat(target)
    if not stat.S_ISREG(st.st_mode):
        raise Refused("not fixed: it is not a regular file")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise Refused(f"not fixed: the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}); "
                      "make it writable to apply fixes")
    try:
        current, _ = read_bounded(target, len(original) + 1)
    except NotReadable:
        current = None
    if current != original:
        raise Refused("not fixed: the file changed while it was being checked; run backlint again")
    directory = os.path.dirname(os.path.abspath(target)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".backlint-fix-", suffix=".tmp", dir=directory)
    in_place = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(fixed)
            fh.flush()
            os.fsync(fh.fileno())
        if read_bounded(tmp, len(fixed) + 1)[0] != fixed:
            raise OSError(5, "the temporary copy of the fixed file does not read back")
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if st.st_nlink == 1 and _same_owner(tmp, st):
            os.replace(tmp, target)
            _fsync_directory(directory)
            return
        in_place = True
        _write_in_place(target, fixed)
    except BaseException:
        # an interrupted in-place write keeps the verified copy beside the file
        if not (in_place and not _complete(target, fixed)):
            _unlink(tmp)
        raise
    _unlink(tmp)


def _same_owner(tmp: str, st: os.stat_result) -> bool:
    """Give the copy the target's owner and group; False when that is not allowed."""
    copy = os.stat(tmp)
    if (copy.st_uid, copy.st_gid) == (st.st_uid, st.st_gid):
        return True
    try:
        os.chown(tmp, st.st_uid, st.st_gid)
    except OSError:
        return False
    os.chmod(tmp, stat.S_IMODE(st.st_mode))  # chown clears set-id bits
    return True


def _write_in_place(target: str, fixed: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(fixed)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.ftruncate(fd, len(fixed))
        os.fsync(fd)
    finally:
        os.close(fd)


def _complete(target: str, fixed: bytes) -> bool:
    try:
        return read_bounded(target, len(fixed) + 1)[0] == fixed
    except (OSError, NotReadable):
        return False


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
