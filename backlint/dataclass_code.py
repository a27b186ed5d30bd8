"""Compiled code of the methods ``dataclasses`` generates, kept beside backlint's bytecode.

``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``, ``__eq__``, ... and
compiles it with ``exec`` every time the class is created: Python's bytecode cache does not
cover that code. Importing libcst creates ~200 dataclasses, and compiling their ~600 methods
is about 40 % of the import (390 M of 990 M instructions); with backlint's own and its rules'
dataclasses, about a quarter of a one-file run.

``install()`` gives the ``dataclasses`` module an ``exec`` that compiles each distinct source
text once and keeps the code objects in one marshal file, next to backlint's bytecode
(``__pycache__``, or under ``PYTHONPYCACHEPREFIX``; named with the interpreter's cache tag).
The key is the generated source text itself, so a changed class (another libcst, another
backlint) misses and is compiled as before; the code object is the one ``exec`` would have
compiled from that text (same file name ``<string>``, no inherited future flags), so classes
behave identically. Nothing is written when bytecode is not written
(``PYTHONDONTWRITEBYTECODE``) or the directory is not writable; a damaged file is ignored.
"""
from __future__ import annotations

import builtins
import os
import sys
from typing import Any, Dict, Optional

_MAX_ENTRIES = 5000  # more than that: the file is rewritten with this run's entries only

_codes: Dict[str, Any] = {}
_used: Dict[str, Any] = {}
_new = 0
_path: Optional[str] = None
_owner: Optional[int] = None
_exec = builtins.exec


def _cache_path() -> Optional[str]:
    try:
        from importlib.util import cache_from_source

        pyc = cache_from_source(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataclass_code.py"))
    except (NotImplementedError, ValueError):  # no cache tag: an interpreter without bytecode
        return None
    base = pyc[: -len(".pyc")] if pyc.endswith(".pyc") else pyc
    return base + ".methods.marshal"


def _load(path: str) -> Dict[str, Any]:
    import marshal

    try:
        with open(path, "rb") as fh:
            value = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    code_type = type(_cache_path.__code__)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, code_type) for k, v in value.items()
    ):
        return {}
    return value


def _cached_exec(source, globals=None, locals=None, *rest, **kw):
    global _new
    if isinstance(source, str) and not rest and not kw:
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _codes[source] = code
            _new += 1
        _used[source] = code
        source = code
    return _exec(source, globals, locals, *rest, **kw)


def install() -> None:
    """Route ``dataclasses``' compilation through the cache (once per process); the file is
    written at exit by the process that installed it, when it compiled something new."""
    global _path, _owner
    if _owner is not None:
        return
    import atexit
    import dataclasses

    _owner = os.getpid()
    _path = _cache_path()
    if _path is not None:
        _codes.update(_load(_path))
    dataclasses.exec = _cached_exec  # type: ignore[attr-defined]  # a module global shadows the builtin
    atexit.register(save)


def uninstall() -> None:
    import dataclasses

    if getattr(dataclasses, "exec", None) is _cached_exec:
        del dataclasses.exec  # type: ignore[attr-defined]


def save() -> None:
    """Write the file when this process compiled methods it did not hold (never in a forked
    worker, never when bytecode is not written)."""
    global _new
    if not _new or _path is None or os.getpid() != _owner or sys.dont_write_bytecode:
        return
    import marshal
    import tempfile

    keep = _codes if len(_codes) <= _MAX_ENTRIES else _used
    try:
        directory = os.path.dirname(_path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".dataclass-code-")
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump(keep, fh)
            os.chmod(tmp, 0o644)  # as readable as the bytecode beside it
            os.replace(tmp, _path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
    _new = 0
