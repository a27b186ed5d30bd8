"""A small scanner for the DDL found in migrations' raw SQL (``RunSQL``, ``op.execute``).

It is not a SQL parser: it tokenizes (comments, quoted identifiers, string literals and
dollar-quoted bodies handled), splits statements at top-level semicolons and recognises the
statement shapes that matter for online schema changes. Everything it does not recognise is
ignored, so unknown syntax can only make it miss a hazard, never invent one.

The result is a list of :class:`SqlEvent` in statement order. Kinds:

``create-table``, ``drop-table``, ``rename-table``, ``drop-column``, ``rename-column``,
``add-column`` (``not_null``, ``has_default``), ``alter-type``, ``set-not-null``, ``set-default``,
``add-constraint`` (``constraint``: unique / primary key / foreign key / check / exclusion;
``name``; ``not_valid``; ``using_index``), ``validate-constraint`` and ``drop-constraint``
(``name``), ``create-index``
(``concurrently``, ``unique``), ``drop-index`` (``concurrently``), ``reindex`` (``concurrently``),
``data-write`` (UPDATE / INSERT / DELETE / TRUNCATE; ``empties`` when every row goes), ``commit`` and
``begin``.

Placeholders (``%s``, ``%(name)s``) and the ``__expr__`` marker that callers put where a Python
expression was interpolated into the text are treated as identifiers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

EXPR = "__expr__"  # what callers substitute for interpolated Python expressions


@dataclass(frozen=True)
class SqlEvent:
    kind: str
    table: Optional[str] = None  # lower-cased, unqualified (schema dropped)
    column: Optional[str] = None
    new_name: Optional[str] = None
    constraint: Optional[str] = None  # add-constraint: the constraint type
    name: Optional[str] = None  # constraint name (add / validate / drop-constraint)
    not_null: bool = False
    has_default: bool = False
    not_valid: bool = False
    using_index: bool = False
    concurrently: bool = False
    unique: bool = False
    to_text: bool = False  # alter-type to text / unbounded varchar without USING (no rewrite from varchar)
    empties: bool = False  # data-write that removes every row (DELETE without WHERE, TRUNCATE)
    statement: str = ""  # the statement, whitespace-collapsed and shortened, for messages


@dataclass(frozen=True)
class _Tok:
    kind: str  # "word" | "qident" | "string" | "number" | "punct"
    text: str  # words: as written; qident: without quotes; string: body

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


# PostgreSQL's identifier rule: a letter or underscore, then letters, digits, `_` and `$`, where
# every character outside ASCII counts as a letter (`größe`, `fläche²`, `產品`).
_WORD_RE = re.compile(r"[A-Za-z_\u0080-\U0010FFFF][A-Za-z0-9_$\u0080-\U0010FFFF]*")
_NUMBER_RE = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?")
_DOLLAR_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_PLACEHOLDER_RE = re.compile(r"%(\([^)]*\))?s")


def tokenize(sql: str) -> List[_Tok]:
    """Tokens of ``sql``; comments dropped. Never raises: unknown characters become punctuation."""
    out: List[_Tok] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i) or ch == "#" and not sql.startswith("#>", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "'" or (ch in "eEnN" and sql.startswith("'", i + 1)):
            start = i + (0 if ch == "'" else 1)
            j = start + 1
            while j < n:
                if sql[j] == "'" and sql.startswith("''", j):
                    j += 2
                elif sql[j] == "\\" and j + 1 < n:
                    j += 2
                elif sql[j] == "'":
                    break
                else:
                    j += 1
            out.append(_Tok("string", sql[start + 1 : j]))
            i = j + 1
        elif ch in "\"`[" and not (ch == "[" and out and out[-1].kind in ("word", "qident")):
            close = {"\"": "\"", "`": "`", "[": "]"}[ch]
            end = sql.find(close, i + 1)
            end = n if end < 0 else end
            out.append(_Tok("qident", sql[i + 1 : end]))
            i = end + 1
        elif ch == "$" and _DOLLAR_RE.match(sql, i):
            tag = _DOLLAR_RE.match(sql, i).group(0)  # type: ignore[union-attr]
            end = sql.find(tag, i + len(tag))
            end = n if end < 0 else end
            out.append(_Tok("string", sql[i + len(tag) : end]))
            i = end + len(tag)
        elif ch == "%" and _PLACEHOLDER_RE.match(sql, i):
            m = _PLACEHOLDER_RE.match(sql, i)
            out.append(_Tok("word", EXPR))
            i = m.end()  # type: ignore[union-attr]
        elif ch == "_" or ("a" <= ch.lower() <= "z") or ord(ch) >= 0x80:
            m = _WORD_RE.match(sql, i)
            out.append(_Tok("word", m.group(0)))  # type: ignore[union-attr]
            i = m.end()  # type: ignore[union-attr]
        elif "0" <= ch <= "9":
            m = _NUMBER_RE.match(sql, i)
            out.append(_Tok("number", m.group(0)))  # type: ignore[union-attr]
            i = m.end()  # type: ignore[union-attr]
        else:
            out.append(_Tok("punct", ch))
            i += 1
    return out


def _split(tokens: Sequence[_Tok], separators: Tuple[str, ...] = (";",)) -> List[List[_Tok]]:
    """Split at top-level (parenthesis depth 0) punctuation in ``separators``."""
    parts: List[List[_Tok]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text == "(":
            depth += 1
        elif tok.kind == "punct" and tok.text == ")":
            depth = max(0, depth - 1)
        if depth == 0 and tok.kind == "punct" and tok.text in separators:
            parts.append([])
            continue
        parts[-1].append(tok)
    return [p for p in parts if p]


def _render(tokens: Sequence[_Tok], limit: int = 90) -> str:
    words: List[str] = []
    for tok in tokens:
        if tok.kind == "string":
            words.append("'…'" if len(tok.text) > 20 else f"'{tok.text}'")
        elif tok.kind == "qident":
            words.append(f'"{tok.text}"')
        elif tok.text == EXPR:
            words.append("…")
        else:
            words.append(tok.text)
    text = " ".join(words)
    text = re.sub(r"\s+([),.])", r"\1", text)
    text = re.sub(r"([(.])\s+", r"\1", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Cursor:
    def __init__(self, tokens: Sequence[_Tok]) -> None:
        self.toks = list(tokens)
        self.i = 0

    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.toks[j].upper if j < len(self.toks) else ""

    def accept(self, *words: str) -> bool:
        """Consume the keyword sequence ``words`` if it is next."""
        for k, word in enumerate(words):
            if self.peek(k) != word:
                return False
        self.i += len(words)
        return True

    def name(self) -> Optional[str]:
        """A possibly qualified identifier; returns its last part, lower-cased."""
        if self.i >= len(self.toks) or self.toks[self.i].kind not in ("word", "qident"):
            return None
        last = self.toks[self.i].text
        self.i += 1
        while (
            self.i + 1 < len(self.toks)
            and self.toks[self.i].kind == "punct"
            and self.toks[self.i].text == "."
            and self.toks[self.i + 1].kind in ("word", "qident")
        ):
            last = self.toks[self.i + 1].text
            self.i += 2
        return last.lower()

    def rest(self) -> List[_Tok]:
        return self.toks[self.i :]


_CONSTRAINT_WORDS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "INDEX", "KEY",
                     "FULLTEXT", "SPATIAL"}
_SERIAL_TYPES = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
_BLOCK_WORDS = {"THEN", "ELSE", "LOOP", "BEGIN", "DECLARE", "ELSIF", "EXCEPTION"}


def scan(sql: str) -> List[SqlEvent]:
    """The recognised statements of ``sql`` as events, in order."""
    return _scan_tokens(tokenize(sql), depth=0)


def _scan_tokens(tokens: Sequence[_Tok], depth: int) -> List[SqlEvent]:
    events: List[SqlEvent] = []
    for statement in _split(tokens):
        if depth and statement:
            # inside a DO block: statements may follow THEN / ELSE / BEGIN ...
            pieces: List[List[_Tok]] = [[]]
            for tok in statement:
                if tok.upper in _BLOCK_WORDS:
                    pieces.append([])
                else:
                    pieces[-1].append(tok)
            for piece in pieces:
                if piece:
                    events.extend(_statement(piece, depth))
        else:
            events.extend(_statement(statement, depth))
    return events


def _statement(toks: List[_Tok], depth: int) -> List[SqlEvent]:
    c = _Cursor(toks)
    text = _render(toks)
    head = c.peek()
    if head in ("COMMIT", "END", "ROLLBACK") and depth == 0:
        return [SqlEvent("commit", statement=text)]
    if head in ("BEGIN", "START") and depth == 0:
        return [SqlEvent("begin", statement=text)]
    if head == "DO" and depth < 3:
        for tok in toks[1:]:
            if tok.kind == "string":
                return _scan_tokens(tokenize(tok.text), depth + 1)
        return []
    if c.accept("ALTER", "TABLE"):
        return _alter_table(c, text)
    if c.accept("CREATE"):
        c.accept("OR", "REPLACE")
        unique = c.accept("UNIQUE")
        if c.accept("INDEX"):
            concurrently = c.accept("CONCURRENTLY")
            c.accept("IF", "NOT", "EXISTS")
            if c.peek() != "ON":
                c.name()
            if not c.accept("ON"):
                return []
            c.accept("ONLY")
            table = c.name()
            return [SqlEvent("create-index", table=table, concurrently=concurrently, unique=unique, statement=text)]
        while c.peek() in ("TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"):
            c.i += 1
        if c.accept("TABLE"):
            c.accept("IF", "NOT", "EXISTS")
            return [SqlEvent("create-table", table=c.name(), statement=text)]
        return []
    if c.accept("DROP", "TABLE"):
        c.accept("IF", "EXISTS")
        events = []
        while True:
            table = c.name()
            if table is None:
                break
            events.append(SqlEvent("drop-table", table=table, statement=text))
            if not (c.i < len(c.toks) and c.toks[c.i].text == ","):
                break
            c.i += 1
        return events
    if c.accept("DROP", "INDEX"):
        return [SqlEvent("drop-index", concurrently=c.accept("CONCURRENTLY"), statement=text)]
    if c.accept("REINDEX"):
        return [SqlEvent("reindex", concurrently=any(t.upper == "CONCURRENTLY" for t in toks), statement=text)]
    if c.accept("RENAME", "TABLE"):  # MySQL
        table = c.name()
        c.accept("TO")
        return [SqlEvent("rename-table", table=table, new_name=c.name(), statement=text)]
    if c.accept("UPDATE"):
        c.accept("ONLY")
        return [SqlEvent("data-write", table=c.name(), statement=text)]
    if c.accept("INSERT", "INTO"):
        return [SqlEvent("data-write", table=c.name(), statement=text)]
    if c.accept("DELETE", "FROM"):
        c.accept("ONLY")
        table = c.name()
        whole = not any(t.upper in ("WHERE", "USING", "RETURNING") for t in c.rest())
        return [SqlEvent("data-write", table=table, empties=whole, statement=text)]
    if c.accept("TRUNCATE"):
        c.accept("TABLE")
        c.accept("ONLY")
        return [SqlEvent("data-write", table=c.name(), empties=True, statement=text)]
    return []


def _alter_table(c: _Cursor, text: str) -> List[SqlEvent]:
    c.accept("IF", "EXISTS")
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return []
    if c.i < len(c.toks) and c.toks[c.i].text == "*":
        c.i += 1
    events: List[SqlEvent] = []
    for action in _split(c.rest(), (",",)):
        events.extend(_action(_Cursor(action), table, text))
    return events


def _action(c: _Cursor, table: str, text: str) -> List[SqlEvent]:
    if c.accept("ADD"):
        if c.peek() in _CONSTRAINT_WORDS:
            return _add_constraint(c, table, text)
        c.accept("COLUMN")
        c.accept("IF", "NOT", "EXISTS")
        column = c.name()
        rest = [t.upper for t in c.rest()]
        has_default = "DEFAULT" in rest or "GENERATED" in rest or any(w in _SERIAL_TYPES for w in rest[:2])
        not_null = "PRIMARY" in rest or any(
            rest[k] == "NOT" and rest[k + 1] == "NULL" and (k == 0 or rest[k - 1] != "IS")
            for k in range(len(rest) - 1)
        )
        return [SqlEvent("add-column", table=table, column=column, not_null=not_null, has_default=has_default,
                         statement=text)]
    if c.accept("DROP"):
        if c.accept("CONSTRAINT"):
            c.accept("IF", "EXISTS")
            return [SqlEvent("drop-constraint", table=table, name=c.name(), statement=text)]
        if c.peek() in ("INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK", "PARTITION", "DEFAULT"):
            return []
        c.accept("COLUMN")
        c.accept("IF", "EXISTS")
        column = c.name()
        return [SqlEvent("drop-column", table=table, column=column, statement=text)] if column else []
    if c.accept("RENAME"):
        if c.accept("TO"):
            return [SqlEvent("rename-table", table=table, new_name=c.name(), statement=text)]
        if c.peek() in ("CONSTRAINT", "INDEX", "KEY"):
            return []
        c.accept("COLUMN")
        column = c.name()
        c.accept("TO")
        return [SqlEvent("rename-column", table=table, column=column, new_name=c.name(), statement=text)]
    if c.accept("ALTER"):
        if c.peek() == "CONSTRAINT":
            return []
        c.accept("COLUMN")
        column = c.name()
        if c.accept("TYPE") or c.accept("SET", "DATA", "TYPE"):
            rest = c.rest()
            words = [t.upper for t in rest]
            coercible = bool(rest) and "USING" not in words and (
                words[:1] == ["TEXT"] or (words[:2] == ["CHARACTER", "VARYING"] or words[:1] == ["VARCHAR"])
                and not any(t.text == "(" for t in rest)
            )
            return [SqlEvent("alter-type", table=table, column=column, to_text=coercible, statement=text)]
        if c.accept("SET", "NOT", "NULL"):
            return [SqlEvent("set-not-null", table=table, column=column, statement=text)]
        if c.accept("SET", "DEFAULT"):
            return [SqlEvent("set-default", table=table, column=column, statement=text)]
        return []
    if c.accept("MODIFY"):  # MySQL: redefines the column
        c.accept("COLUMN")
        column = c.name()
        return [SqlEvent("alter-type", table=table, column=column, statement=text)]
    if c.accept("CHANGE"):  # MySQL: renames and redefines
        c.accept("COLUMN")
        old = c.name()
        new = c.name()
        events = [SqlEvent("alter-type", table=table, column=old, statement=text)]
        if old and new and old != new:
            events.insert(0, SqlEvent("rename-column", table=table, column=old, new_name=new, statement=text))
        return events
    if c.accept("VALIDATE", "CONSTRAINT"):
        return [SqlEvent("validate-constraint", table=table, name=c.name(), statement=text)]
    return []


def _add_constraint(c: _Cursor, table: str, text: str) -> List[SqlEvent]:
    name = c.name() if c.accept("CONSTRAINT") else None
    rest = [t.upper for t in c.rest()]
    kind = None
    if rest[:1] == ["CHECK"]:
        kind = "check"
    elif rest[:2] == ["FOREIGN", "KEY"] or "REFERENCES" in rest:
        kind = "foreign key"
    elif rest[:2] == ["PRIMARY", "KEY"]:
        kind = "primary key"
    elif rest[:1] == ["UNIQUE"]:
        kind = "unique"
    elif rest[:1] == ["EXCLUDE"]:
        kind = "exclusion"
    elif rest[:1] in (["INDEX"], ["KEY"], ["FULLTEXT"], ["SPATIAL"]):  # MySQL ADD INDEX
        return [SqlEvent("create-index", table=table, statement=text)]
    if kind is None:
        return []
    not_valid = any(rest[k] == "NOT" and rest[k + 1] == "VALID" for k in range(len(rest) - 1))
    using_index = any(rest[k] == "USING" and rest[k + 1] == "INDEX" for k in range(len(rest) - 1))
    return [SqlEvent("add-constraint", table=table, constraint=kind, name=name, not_valid=not_valid,
                     using_index=using_index, statement=text)]
