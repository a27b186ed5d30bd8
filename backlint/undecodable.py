"""The message for a file that does not decode: which byte, where, whether in a comment, what to do.

CPython refuses undecodable bytes anywhere in a source file, comments included, so such a file
stays a BL000 finding (not a false parse error); the message makes that plain.
"""
from __future__ import annotations

import io
import tokenize


def message(data: bytes, encoding: str, exc: Exception, line: int, column: int) -> str:
    """Where the bad byte is and what to do. Python itself refuses such a file (in a comment
    too), so it stays a BL000 finding; the message says so rather than looking like a false
    parse error."""
    reason = getattr(exc, "reason", str(exc))
    start = getattr(exc, "start", None)
    what = f"byte 0x{data[start]:02x}" if isinstance(start, int) and start < len(data) else "a byte"
    where = " (inside a comment)" if in_comment(data, line, column) else ""
    return (
        f"cannot decode file as {encoding}: {what} at line {line}, column {column}{where} is not valid "
        f"{encoding} ({reason}); Python refuses such a file too: save it as {encoding}, or declare its "
        "real encoding with a `# -*- coding: ... -*-` line"
    )


def in_comment(data: bytes, line: int, column: int) -> bool:
    """Whether (line, column) lies in a comment token (of the text decoded with replacements)."""
    text = data.decode("utf-8", "replace")
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and tok.start[0] == line:
                line_bytes = data.split(b"\n")[line - 1]
                prefix = len(line_bytes[: column - 1].decode("utf-8", "replace"))
                return tok.start[1] <= prefix
            if tok.start[0] > line:
                return False
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return False
