"""Inline suppressions: ``# backlint: ignore[...]``, ``# noqa: BL...``, ``# backlint: ignore-file[...]``.

A suppression names the rules it silences (codes or rule names). It covers the whole statement
whose line it ends, or, alone on its own line, the statement that starts on the next line; so
multi-line calls and strings can be silenced from any of their lines. Comments are found with
``tokenize`` (so text inside strings is never mistaken for a comment), and only in files whose text
contains a candidate at all.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

_CANDIDATE = re.compile(r"backlint\s*:|noqa", re.I)
# characters that ``re.I`` matches to a letter of "backlint" (Kelvin sign, dotted and dotless I)
_FOLDING_TO_ASCII = ("\u212a", "\u0130", "\u0131")
_BACKLINT = re.compile(r"#\s*backlint\s*:\s*(ignore-file|ignore)\b\s*(\[([^\]]*)\])?", re.I)
_NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*)", re.I)
_LINE_RE = re.compile(r"\r\n?|\n")
_OUR_CODE = re.compile(r"BL[0-9]{3}", re.I)


@dataclass
class Suppression:
    line: int  # 1-based line of the comment
    column: int  # 1-based column of the comment
    end_column: int
    kind: str  # "line" | "file"
    own_line: bool  # the comment is alone on its line
    names: List[str]  # as written, in order
    codes: Dict[str, Optional[str]] = field(default_factory=dict)  # written -> code (None: unknown)
    used: Set[str] = field(default_factory=set)  # codes that silenced a finding
    malformed: bool = False  # an ignore directive that names no rule


def _comments(text: str) -> List[Tuple[int, int, str]]:
    """(line, 0-based column, text) of every comment; falls back to a line scan if tokenize fails."""
    found: List[Tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                found.append((tok.start[0], tok.start[1], tok.string))
        return found
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        found = []
    for number, line in enumerate(_LINE_RE.split(text), start=1):
        index = line.find("#")
        if index >= 0 and _CANDIDATE.search(line, index):
            found.append((number, index, line[index:]))
    return found


def has_candidate(text: str) -> bool:
    """``_CANDIDATE.search(text)``, which every file asks: the regex, case-insensitive and with an
    alternation, is tried at every position (about 40 ms per MB); lowered text and substring
    searches find "noqa" and rule out "backlint" in a tenth of that, and the regex decides only
    where "backlint" (or a character that folds into it) occurs."""
    if text.isascii():
        low = text.lower()
        if "noqa" in low:
            return True
        maybe = "backlint" in low
    else:
        data = text.encode("utf-8", "surrogatepass").lower()  # lowers ASCII letters only
        if b"noqa" in data:
            return True  # no other character folds to n, o, q or a
        maybe = b"backlint" in data or any(c in text for c in _FOLDING_TO_ASCII)
    return maybe and _CANDIDATE.search(text) is not None


def parse(text: str, resolve: Callable[[str], Optional[str]]) -> List[Suppression]:
    """Find suppression comments. ``resolve`` maps a code or rule name to a code (None: unknown)."""
    if not has_candidate(text):
        return []
    lines = _LINE_RE.split(text)
    result: List[Suppression] = []
    for line_no, col, comment in _comments(text):
        before = lines[line_no - 1][:col] if line_no - 1 < len(lines) else ""
        own_line = not before.strip()
        match = _BACKLINT.search(comment)
        if match:
            kind = "file" if match.group(1).lower() == "ignore-file" else "line"
            raw = match.group(3)
            names = [n.strip() for n in (raw or "").split(",") if n.strip()]
            sup = Suppression(line_no, col + 1, col + 1 + len(comment.rstrip()), kind, own_line, names)
            sup.malformed = not names
            for name in names:
                sup.codes[name] = resolve(name)
            result.append(sup)
            continue
        match = _NOQA.search(comment)
        if match:
            names = [n.strip() for n in match.group(1).split(",")]
            # only our own codes (exactly BL + three digits, or a loaded plugin's code): other
            # tools' codes in a shared noqa, such as ruff's BLE001 or BLK100, are not ours to judge
            ours = [n for n in names if _OUR_CODE.fullmatch(n) or (not n.upper().startswith("BL") and resolve(n))]
            if not ours:
                continue
            sup = Suppression(line_no, col + 1, col + 1 + len(comment.rstrip()), "line", own_line, ours)
            for name in ours:
                sup.codes[name] = resolve(name)
            result.append(sup)
    return result


class SuppressionIndex:
    """Answers "is this finding suppressed?" and remembers which suppressions were used."""

    def __init__(self, suppressions: List[Suppression]) -> None:
        self.suppressions = suppressions
        self.by_line: Dict[int, List[Suppression]] = {}
        self.file_level: List[Suppression] = []
        for sup in suppressions:
            if sup.kind == "file":
                self.file_level.append(sup)
            else:
                self.by_line.setdefault(sup.line, []).append(sup)

    def suppressed(self, code: str, first_line: int, last_line: int) -> bool:
        """True if ``code`` is silenced for a statement spanning ``first_line..last_line``."""
        hit = False
        for sup in self.file_level:
            if code in sup.codes.values():
                sup.used.add(code)
                hit = True
        candidates: List[Suppression] = []
        for line in range(first_line, last_line + 1):
            candidates.extend(self.by_line.get(line, ()))
        candidates.extend(s for s in self.by_line.get(first_line - 1, ()) if s.own_line)
        for sup in candidates:
            if code in sup.codes.values():
                sup.used.add(code)
                hit = True
        return hit
