"""What the interpreter compiles on every start and does not cache itself, kept beside
backlint's bytecode: the methods ``@dataclass`` generates and the regular expressions modules
compile at import.

``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``, ``__eq__``, ... and
compiles it with ``exec`` every time the class is created; ``re.compile`` parses each pattern
and generates its matcher program in Python. Python's bytecode cache covers neither. Importing
libcst creates ~200 dataclasses (compiling their ~600 methods is 390 M of its 990 M
instructions), and the rule and framework modules compile ~170 regular expressions (~240 M): of
a one-file run's 1,720 M instructions, about 630 M.

``install()`` routes both through tables kept in one marshal file next to backlint's bytecode
(``__pycache__``, or under ``PYTHONPYCACHEPREFIX``; named with the interpreter's cache tag and
checked against its bytecode magic and the regular expression engine's):

- a dataclass method's code object, keyed by its generated source text: the code ``exec`` would
  compile from that text (file name ``<string>``, no inherited future flags);
- a pattern's compiled program, keyed by (pattern, flags): the arguments ``re``'s own compiler
  passed to ``_sre.compile`` when it compiled that pattern (recorded from the real compiler, not
  recomputed), so the same ``Pattern`` is built from them.

A changed class or pattern misses and is compiled as before. Nothing is written when bytecode
is not written (``PYTHONDONTWRITEBYTECODE``) or the directory is not writable; a damaged or
foreign file is ignored.
"""
from __future__ import annotations

import builtins
import os
import sys
from typing import Any, Dict, Optional, Tuple

_MAX_ENTRIES = 5000  # a table larger than that is rewritten with this run's entries only

_codes: Dict[str, Any] = {}  # dataclass method source -> code object
_patterns: Dict[Tuple[Any, int], tuple] = {}  # (pattern, flags) -> _sre.compile's arguments
_used_codes: Dict[str, Any] = {}
_used_patterns: Dict[Tuple[Any, int], tuple] = {}
_new = 0
_path: Optional[str] = None
_owner: Optional[int] = None
_exec = builtins.exec
_re_compile = None  # re's own compiler function, while ours is installed


def _cache_path() -> Optional[str]:
    try:
        from importlib.util import cache_from_source

        pyc = cache_from_source(os.path.join(os.path.dirname(os.path.abspath(__file__)), "startup_cache.py"))
    except (NotImplementedError, ValueError):  # no cache tag: an interpreter without bytecode
        return None
    base = pyc[: -len(".pyc")] if pyc.endswith(".pyc") else pyc
    return base + ".compiled.marshal"


def _stamp() -> tuple:
    import _sre
    from importlib.util import MAGIC_NUMBER

    return (MAGIC_NUMBER, getattr(_sre, "MAGIC", None), getattr(_sre, "CODESIZE", None))


def _load(path: str) -> None:
    import marshal

    try:
        with open(path, "rb") as fh:
            value = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == _stamp()):
        return
    codes, patterns = value[1], value[2]
    code_type = type(_cache_path.__code__)
    if isinstance(codes, dict) and all(isinstance(k, str) and isinstance(v, code_type) for k, v in codes.items()):
        _codes.update(codes)
    if isinstance(patterns, dict) and all(
        isinstance(k, tuple) and isinstance(v, tuple) and len(v) == 6 for k, v in patterns.items()
    ):
        _patterns.update(patterns)


def _cached_exec(source, globals=None, locals=None, *rest, **kw):
    global _new
    if isinstance(source, str) and not rest and not kw:
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _codes[source] = code
            _new += 1
        _used_codes[source] = code
        source = code
    return _exec(source, globals, locals, *rest, **kw)


class _Recorder:
    """Stands for ``_sre`` inside re's compiler while it compiles one pattern: records the
    arguments of its ``_sre.compile`` call; everything else is ``_sre``'s."""

    def __init__(self, sre) -> None:
        self._sre = sre
        self.args: Optional[tuple] = None

    def compile(self, *args):
        self.args = args
        return self._sre.compile(*args)

    def __getattr__(self, name: str):
        return getattr(self._sre, name)


def _cached_re_compile(p, flags=0):
    global _new
    if (type(p) is str or type(p) is bytes) and not flags & 128:  # re.DEBUG prints as it compiles
        key = (p, int(flags))
        args = _patterns.get(key)
        compiler = sys.modules.get("re._compiler")
        if args is not None and compiler is not None:
            _used_patterns[key] = args
            return compiler._sre.compile(*args)
        if compiler is not None and isinstance(getattr(compiler, "_sre", None), type(sys)):
            real = compiler._sre
            recorder = _Recorder(real)
            compiler._sre = recorder
            try:
                pattern = _re_compile(p, flags)
            finally:
                compiler._sre = real
            if recorder.args is not None and len(recorder.args) == 6:
                # plain ints for marshal (the program's opcodes are an int subclass); equal values
                source, all_flags, program, groups, groupindex, indexgroup = recorder.args
                _patterns[key] = _used_patterns[key] = (
                    source, int(all_flags), [int(op) for op in program], int(groups),
                    {str(k): int(v) for k, v in groupindex.items()}, tuple(indexgroup))
                _new += 1
            return pattern
    return _re_compile(p, flags)


def install() -> None:
    """Route ``dataclasses``' and ``re``'s compilation through the tables (once per process);
    the file is written at exit by the process that installed it, when something was new."""
    global _path, _owner, _re_compile
    if _owner is not None:
        return
    import atexit
    import dataclasses
    import re  # noqa: F401  (its compiler module, re._compiler on Python 3.11+)

    _owner = os.getpid()
    _path = _cache_path()
    if _path is not None:
        _load(_path)
    dataclasses.exec = _cached_exec  # type: ignore[attr-defined]  # a module global shadows the builtin
    compiler = sys.modules.get("re._compiler")
    if compiler is not None and callable(getattr(compiler, "compile", None)) and hasattr(compiler, "_sre"):
        _re_compile = compiler.compile
        compiler.compile = _cached_re_compile  # re._compile calls _compiler.compile on its own cache's misses
    atexit.register(save)


def uninstall() -> None:
    global _owner, _re_compile
    import dataclasses

    if getattr(dataclasses, "exec", None) is _cached_exec:
        del dataclasses.exec  # type: ignore[attr-defined]
    compiler = sys.modules.get("re._compiler")
    if compiler is not None and _re_compile is not None and compiler.compile is _cached_re_compile:
        compiler.compile = _re_compile
    _re_compile = None
    _owner = None


def save() -> None:
    """Write the file when this process compiled something it did not hold (never in a forked
    worker, never when bytecode is not written)."""
    global _new
    if not _new or _path is None or os.getpid() != _owner or sys.dont_write_bytecode:
        return
    import marshal
    import tempfile

    codes = _codes if len(_codes) <= _MAX_ENTRIES else _used_codes
    patterns = _patterns if len(_patterns) <= _MAX_ENTRIES else _used_patterns
    try:
        directory = os.path.dirname(_path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".startup-cache-")
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump((_stamp(), codes, patterns), fh)
            os.chmod(tmp, 0o644)  # as readable as the bytecode beside it
            os.replace(tmp, _path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):  # ValueError: something marshal cannot write
        return
    _new = 0
