"""Which calls write, for the N+1 rules.

BL201 reports reads that repeat per iteration. Per-row writes are out of its scope (see its
docs): a write in a loop is often the only way (signals, ``save()`` overrides, per-row state
machines), and its fix is a different one (``bulk_create``/``bulk_update``/one ``UPDATE``).
So:

* ``get_or_create()``/``update_or_create()`` in a loop are upserts: writes, not reported;
* ``session.execute(update(...))``/``insert``/``delete``, and statements whose variable says so
  (``upsert_statement``, ``delete_stmt``) are writes, not reads;
* a project function that writes (``save()``, ``create()``, ``session.add()/commit()``, DML, a row
  lock with ``select_for_update()``/``with_for_update()``...)
  does not count as "a function that queries" because of the reads it runs itself: a lookup
  before the write and the ``refresh()`` after the commit are part of that write. Writes are
  transitive (a helper that calls a ``commit()`` helper writes). Read-only functions it calls
  still count;
* what the receiver and the arguments of a write call read is part of that write
  (``Voucher.objects.create(code=unused_code())``, ``Tag.objects.get(pk=pk).delete()``).

BL202 does not follow ``save()``/``delete()``/``clean()`` overrides called on the row: what they
read serves the write, usually behind ``if self.x_id and not self.y_id`` guards.
"""
from __future__ import annotations

import re
from typing import Optional

from ..._lazy import cst
from ...semantics import dotted_name

# methods that write whatever the receiver
ANY_WRITE = frozenset({"save", "asave", "bulk_create", "abulk_create", "bulk_update", "abulk_update"})
# queryset / manager / related-manager writes
QUERYSET_WRITE = frozenset({
    "create", "acreate", "update", "aupdate", "delete", "adelete", "get_or_create", "aget_or_create",
    "update_or_create", "aupdate_or_create", "add", "aadd", "remove", "aremove", "set", "aset",
    "clear", "aclear",
})
# calls whose receiver and arguments belong to a write (what they read serves the write)
WRITE_CALLS = ANY_WRITE | frozenset({
    "create", "acreate", "update", "aupdate", "delete", "adelete", "get_or_create", "aget_or_create",
    "update_or_create", "aupdate_or_create", "add_all", "merge",
})
CREATES = frozenset({"create", "acreate", "get_or_create", "aget_or_create", "update_or_create",
                     "aupdate_or_create", "bulk_create", "abulk_create"})
UPSERTS = frozenset({"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"})
# SQLAlchemy session writes
SESSION_WRITE = frozenset({
    "add", "add_all", "delete", "commit", "flush", "merge", "bulk_save_objects",
    "bulk_insert_mappings", "bulk_update_mappings",
})
# model methods whose reads serve a write (not followed by BL202)
WRITE_METHODS = frozenset({"save", "asave", "delete", "adelete", "clean", "full_clean", "clean_fields",
                           "validate_unique", "refresh_from_db"})

_DML_FUNCS = frozenset({"insert", "update", "delete", "upsert"})
_DML_NAME = re.compile(r"(^|_)(insert|upsert|update|delete|dml|ddl|create|drop|alter|index)(_|$|s?tm?t)",
                       re.IGNORECASE)
_SQL_WRITE = re.compile(r"^\s*(insert|update|delete|replace|merge|upsert|create|drop|alter|truncate)\b",
                        re.IGNORECASE)


def is_dml_callable(qualname: Optional[str]) -> bool:
    """``sqlalchemy.update``, ``sqlalchemy.dialects.postgresql.insert``, ``sa.delete``."""
    if not qualname:
        return False
    last = qualname.rsplit(".", 1)[-1]
    return last in _DML_FUNCS and qualname.startswith(("sqlalchemy", "sqlmodel"))


def is_dml_expression(node) -> bool:
    """An argument of ``execute()`` that is a write by its name or its SQL text."""
    if type(node) is cst.Name:
        return bool(_DML_NAME.search(node.value))
    if type(node) is cst.Attribute:
        return bool(_DML_NAME.search(node.attr.value))
    if type(node) is cst.Call:
        name = dotted_name(node.func) or ""
        last = node.func.attr.value if type(node.func) is cst.Attribute else name.rsplit(".", 1)[-1]
        if last in _DML_FUNCS or last in ("on_conflict_do_update", "on_conflict_do_nothing",
                                           "on_duplicate_key_update", "values", "returning", "where",
                                           "filter", "filter_by", "ordered_values", "execution_options"):
            # `table.update().where(...).values(...)`: a write however it is chained
            return last in _DML_FUNCS or is_dml_expression(_receiver(node))
        if last in ("text",) and node.args:
            arg = node.args[0].value  # `text("DROP ...")`, `text(sql_index_string)`
            return is_sql_write(arg) or type(arg) in (cst.Name, cst.Attribute) and is_dml_expression(arg)
        return False
    return is_sql_write(node)


def _receiver(call):
    func = call.func
    return func.value if type(func) is cst.Attribute else None


def is_sql_write(node) -> bool:
    if type(node) is cst.SimpleString:
        # the raw token, without evaluating it (this runs for every string the analysis sees)
        text = node.value.lstrip("rRbBuUfF").lstrip("'\"")
        return bool(_SQL_WRITE.match(text))
    if type(node) is cst.ConcatenatedString:
        return is_sql_write(node.left)
    if type(node) is cst.FormattedString:
        head = "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
        return bool(_SQL_WRITE.match(head))
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "format":
        return is_sql_write(node.func.value)  # "DROP INDEX {0}".format(...)
    if type(node) is cst.BinaryOperation:
        return is_sql_write(node.left)  # "DELETE FROM x WHERE id = %s" % ...
    return False


_NOT_A_TABLE_READ = re.compile(r"^\s*(show|set|reset|lock|vacuum|analy[sz]e|begin|commit|rollback|savepoint|release|"
                               r"listen|notify|call|do|discard|checkpoint|pragma)\b", re.IGNORECASE)
_PROCEDURE = re.compile(r"^\s*select\s+[\w.]+\s*\((?![^;]*\bfrom\b)", re.IGNORECASE | re.DOTALL)


def sql_head(node) -> Optional[str]:
    """The text of a literal SQL string (or of the literal start of an f-string / ``%`` /
    ``.format()`` one), without evaluating it; None when the SQL is not written here."""
    if type(node) is cst.SimpleString:
        return node.value.lstrip("rRbBuUfF").lstrip("'\"")
    if type(node) is cst.ConcatenatedString:
        left, right = sql_head(node.left), sql_head(node.right)
        return None if left is None else left + (right or "")
    if type(node) is cst.FormattedString:
        return "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "format":
        return sql_head(node.func.value)
    if type(node) is cst.BinaryOperation:
        return sql_head(node.left)
    return None


def is_sql_procedure(node) -> bool:
    """``SELECT pg_try_advisory_lock(%s)``, ``SELECT my_gate(%s, %s)`` (a function called with no
    ``FROM``), ``CALL proc()``, ``LOCK TABLE``: a procedure per row, which may lock or write; not a
    read of rows that one query could batch."""
    text = sql_head(node)
    if text is None:
        return False
    return bool(_PROCEDURE.match(text)) or bool(re.match(r"^\s*(call|lock|do)\b", text, re.IGNORECASE))


def is_sql_session_command(node) -> bool:
    """``SHOW server_version``, ``SET search_path ...``, ``VACUUM``: statements about the
    connection or server, not reads of table rows."""
    text = sql_head(node)
    return text is not None and bool(_NOT_A_TABLE_READ.match(text))


_TABLE_BEFORE = re.compile(r"\b(from|join)\s+[`\"\[]?$", re.IGNORECASE)


def sql_tables(node) -> list:
    """The expressions an f-string SQL text reads its table from (``f'SELECT count(*) FROM
    "{table.name}" WHERE ...'``), also inside ``text(...)``; empty when every table is written out."""
    while (type(node) is cst.Call and type(node.func) is cst.Attribute
           and node.func.attr.value in ("bindparams", "columns", "execution_options")):
        node = node.func.value  # `text(...).bindparams(...)`
    if type(node) is cst.Call and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "text" and node.args:
        node = node.args[0].value
    if type(node) is not cst.FormattedString:
        return []
    found, before = [], ""
    for part in node.parts:
        if type(part) is cst.FormattedStringText:
            before = part.value
        elif type(part) is cst.FormattedStringExpression:
            if _TABLE_BEFORE.search(before):
                found.append(part.expression)
            before = ""
    return found
