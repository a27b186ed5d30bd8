"""Code-derived text made safe for terminals and CI logs: the one place every human-readable
output (text and github reports, stderr diagnostics, ``backlint routes``) renders strings from
the linted code or the file system.

A route path, a secret's prefix, a name or a file name comes from the repository being checked,
which may be hostile. Printed raw, an ESC or OSC sequence re-titles or clears the terminal, a
newline starts a line that GitHub Actions executes as a workflow command (``::error ...``), a NUL
makes ``grep`` call the output binary. ``visible`` shows every such character as an escape
(``\\x1b``, ``\\n``, ``\\u2028``) so it can neither act nor hide: what the code held is still
readable. JSON and SARIF are not passed through here; their standard JSON escaping applies.
"""
from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# C0 controls (TAB included only where asked), DEL, C1 controls (U+0085 NEL among them), the
# Unicode line and paragraph separators, and the bidirectional overrides and isolates that can
# make a line read differently from what it holds.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_WITH_TAB = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def _escape(match: "re.Match[str]") -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def visible(text: object, tabs: bool = False) -> str:
    """``text`` with every control character and line separator shown as an escape.

    Ordinary text (tabs too, unless ``tabs``) is returned unchanged, so messages without such
    characters read exactly as before.
    """
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_WITH_TAB if tabs else _UNSAFE
    if pattern.search(value) is None:
        return value
    return pattern.sub(_escape, value)

