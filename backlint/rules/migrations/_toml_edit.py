"""Minimal, verified edits of a backlint configuration file's TOML text (for `backlint init`).

Only two edits exist: set the ``migrations-start-after`` table and add one top-level string key
(``baseline``). Everything else in the file (comments, order, formatting, other tools' tables)
is kept byte for byte. Every edit is checked by parsing the result: the parsed document must
equal the original one except for the edited key, or the edit is refused (:class:`EditError`).
"""
from __future__ import annotations

import copy
import json
import re
import sys
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9 / 3.10
    import tomli as tomllib


class EditError(Exception):
    """The file cannot be edited safely; nothing was written."""


_HEADER = re.compile(r"^\s*\[(\[)?\s*([^\]]+?)\s*\]")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _headers(lines: List[str]) -> List[Tuple[int, str]]:
    """(line index, table name) of every table header, skipping multi-line strings."""
    found: List[Tuple[int, str]] = []
    in_string: Optional[str] = None
    for index, line in enumerate(lines):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_string = quote
        match = _HEADER.match(line)
        if match and not in_string:
            found.append((index, re.sub(r"\s*\.\s*", ".", match.group(2).strip())))
    return found


def _section(table: Dict[str, Any], pyproject: bool) -> Dict[str, Any]:
    if not pyproject:
        return table
    return table.get("tool", {}).get("backlint", {})


def _check(before: str, after: str, pyproject: bool, key: str, expected: Any) -> None:
    try:
        old = tomllib.loads(before) if before.strip() else {}
        new = tomllib.loads(after)
    except tomllib.TOMLDecodeError as exc:
        raise EditError(f"the edited file would not be valid TOML ({exc})") from None
    old_rest, new_rest = copy.deepcopy(old), copy.deepcopy(new)
    _section(old_rest, pyproject).pop(key, None)
    got = _section(new_rest, pyproject).pop(key, None)
    if pyproject:  # an empty [tool.backlint] (or [tool]) created by the edit is not a change
        for doc in (old_rest, new_rest):
            tool = doc.get("tool")
            if isinstance(tool, dict) and tool.get("backlint") == {}:
                del tool["backlint"]
            if doc.get("tool") == {}:
                del doc["tool"]
    if got != expected or old_rest != new_rest:
        raise EditError("the edit would change other settings of the file")


def set_table(text: str, pyproject: bool, key: str, entries: Dict[str, Any]) -> str:
    """``text`` with ``[<section>.<key>]`` holding exactly ``entries`` (replacing an existing
    table of that name, or a one-line ``key = ...`` in the section)."""
    section = "tool.backlint" if pyproject else ""
    name = f"{section}.{key}" if section else key
    body = [f"{_key(k)} = {_value(v)}" for k, v in entries.items()]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    headers = _headers(lines)
    own = [i for i, (index, table) in enumerate(headers) if table == name]
    if own:
        start = headers[own[0]][0]
        end = headers[own[0] + 1][0] if own[0] + 1 < len(headers) else len(lines)
        tail = lines[start + 1:end]
        # keep blank lines and comments that separate it from the next table
        keep = len(tail)
        while keep and (not tail[keep - 1].strip() or tail[keep - 1].lstrip().startswith("#")):
            keep -= 1
        new_lines = lines[:start + 1] + [b + "\n" for b in body] + tail[keep:] + lines[end:]
    else:
        lines = _drop_inline(lines, headers, section, key)
        block = (["\n"] if lines and lines[-1].strip() else []) + [f"[{name}]\n"] + [b + "\n" for b in body]
        new_lines = lines + block
    result = "".join(new_lines)
    _check(text, result, pyproject, key, entries)
    return result


def _section_range(lines: List[str], headers: List[Tuple[int, str]], section: str) -> Optional[Tuple[int, int]]:
    """(first body line, end) of the section's own keys (before its next table header)."""
    if not section:
        return 0, headers[0][0] if headers else len(lines)
    for position, (index, table) in enumerate(headers):
        if table == section:
            end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
            return index + 1, end
    return None


def _drop_inline(lines: List[str], headers, section: str, key: str) -> List[str]:
    span = _section_range(lines, headers, section)
    if span is None:
        return lines
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(*span):
        if pattern.match(lines[index]):
            value = lines[index].split("=", 1)[1].strip()
            if value.startswith("{") and not value.rstrip().endswith("}") or value.startswith("[") and "]" not in value:
                raise EditError(f"'{key}' spans several lines; edit it by hand")
            return lines[:index] + lines[index + 1:]
    return lines


def set_key(text: str, pyproject: bool, key: str, value: str) -> str:
    """``text`` with the top-level string ``key = value`` in the section (replaced if present)."""
    section = "tool.backlint" if pyproject else ""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    headers = _headers(lines)
    span = _section_range(lines, headers, section)
    line = f"{_key(key)} = {_value(value)}\n"
    if span is None:  # no [tool.backlint] header yet
        lines = lines + (["\n"] if lines and lines[-1].strip() else []) + ["[tool.backlint]\n", line]
    else:
        start, end = span
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        existing = [i for i in range(start, end) if pattern.match(lines[i])]
        if existing:
            lines[existing[0]] = line
        else:
            at = end
            while at > start and not lines[at - 1].strip():
                at -= 1
            lines.insert(at, line)
    result = "".join(lines)
    _check(text, result, pyproject, key, value)
    return result
