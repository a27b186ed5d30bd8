"""Bytes to a libcst module: decoding (BOM, PEP 263), the guards that keep pathological code
away from the native parser, and the one ``libcst.parse_module`` per file.

A failure is a ``SourceError`` with the line and column to report as BL000 (engine.py).
"""
from __future__ import annotations

import io
import threading
import tokenize
from typing import Optional, Tuple

import libcst as cst

from .shape import recursion_limit
from .undecodable import message as _undecodable_message


class SourceError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode(data: bytes) -> Tuple[str, str]:
    """(text, encoding) honouring a BOM and a PEP 263 coding cookie."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # an unknown coding cookie, or undecodable bytes in the first two lines
        encoding = "utf-8"
        message = str(exc.msg if hasattr(exc, "msg") else exc)
        if "unknown encoding" in message:
            raise SourceError(f"cannot decode file: {message}", exc.lineno or 1, 1)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise SourceError(_undecodable_message(data, encoding, exc, line, column), line, column)
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        raise SourceError("source contains a NUL byte", line, index - (text.rfind("\n", 0, index) + 1) + 1)
    return text, encoding


MAX_NESTING = 200  # CPython's tokenizer refuses deeper bracket nesting

_BRACKETS = bytes.maketrans(b"([{)]}", b"((()))")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"()[]{}"))


def bracket_depth(data: bytes) -> int:
    """Deepest bracket nesting in the raw bytes (brackets inside strings count too: an upper bound)."""
    from itertools import accumulate

    seq = data.translate(None, delete=_NOT_BRACKETS).translate(_BRACKETS)
    if not seq:
        return 0
    return max(accumulate(1 if c == 40 else -1 for c in seq))


def guard_depth(data: bytes, text: str) -> None:
    """Refuse, before libcst sees it, code nested deeper than Python itself accepts.

    libcst's native parser can crash the process on such input (a 2,000-deep bracket chain
    ends in a segmentation fault), so the check happens first and costs ~0.4 us per line.
    """
    from . import shape

    depth = bracket_depth(data)
    if depth > MAX_NESTING:
        verdict, problem = _stdlib_verdict(text)
        if verdict == "invalid":
            assert problem is not None
            raise problem
        if verdict == "unknown":
            raise SourceError(f"the file is nested too deeply to parse (brackets {depth} deep)")
        # CPython accepted it (the brackets were inside strings): the other bounds still apply
    shape.check(data, text)  # TooComplex: chains, elif ladders, giant statements


# libcst validates every node it builds (``CSTNode.__post_init__`` -> ``_validate``): checks of
# hand-built nodes (balanced parentheses, whitespace where the grammar needs it) that the parser's
# own output passes by construction. For the trees we only read it is about a tenth of the parse's
# instructions (docs/performance.md, "Wave 14"), so it is off while ``parse`` runs, and only then: nodes built
# for a fix are validated as usual. A counter under a lock keeps it off while any thread parses
# (the language server checks in a worker thread) and puts libcst's own method back after the last.
_VALIDATE = cst.CSTNode.__dict__["__post_init__"]
_UNVALIDATED = threading.Lock()
_parsing = 0


def _no_validation(self) -> None:  # stands in for CSTNode.__post_init__ during a parse
    pass


def _parse_unvalidated(text: str) -> cst.Module:
    global _parsing
    with _UNVALIDATED:
        _parsing += 1
        cst.CSTNode.__post_init__ = _no_validation
    try:
        return cst.parse_module(text)
    finally:
        with _UNVALIDATED:
            _parsing -= 1
            if not _parsing:
                cst.CSTNode.__post_init__ = _VALIDATE


def parse(text: str) -> cst.Module:
    try:
        return _parse_unvalidated(text)
    except cst.ParserSyntaxError as exc:
        better = _stdlib_syntax_error(text)
        if better is not None:
            raise better
        message = str(exc.message) if hasattr(exc, "message") else str(exc)
        raise SourceError(f"syntax error: {message}", exc.editor_line, exc.editor_column)
    except RecursionError:
        raise SourceError("the file is nested too deeply for the parser")
    except MemoryError:
        raise SourceError("the file is too large for the parser")
    except Exception as exc:  # libcst raises a few other types on odd input
        raise SourceError(f"cannot parse file: {type(exc).__name__}: {exc}")


def _stdlib_verdict(text: str) -> Tuple[str, Optional[SourceError]]:
    """CPython's own opinion of ``text``: ("valid", None), ("invalid", its error) or
    ("unknown", None) when its parser gave up (recursion, memory)."""
    import ast
    import warnings

    from .shape import AST_RECURSION_LIMIT

    try:
        with warnings.catch_warnings(), recursion_limit(AST_RECURSION_LIMIT):
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        return "invalid", SourceError(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return "unknown", None
    return "valid", None


def _stdlib_syntax_error(text: str) -> Optional[SourceError]:
    """On a parse failure only: CPython's own message and position are clearer than libcst's.

    None when CPython accepts the file (it is then newer syntax than libcst knows, or the other
    way round, and libcst's message is the one to show).
    """
    return _stdlib_verdict(text)[1]


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)
