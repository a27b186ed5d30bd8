"""Which table a write or a read names, for "a read after the iteration's own write".

A loop body that writes a row and then reads the same table back (``update(M)...`` then
``select(M)...``, ``Menu.objects.filter(...).update()`` then ``Menu.objects.get(...)``) reads
what it has just written: that read belongs to the per-row write job. A read of *another* table
after the write is still one query per iteration (a status row created, then the project's task
count), so only reads whose table the iteration wrote are skipped.

Keys are what the code names: the model's qualified name when the analysis resolves it, and the
dotted text of the model or ``Table`` expression (``menu_table``, ``ParseImportError``). A write
whose table is not named (``obj.save()`` on a row of unknown model, ``session.commit()``) adds no
key, so it hides no read.
"""
from __future__ import annotations

import re
from typing import FrozenSet, Optional

from ..._lazy import cst
from ...semantics import dotted_name
from .syntax import _positional
from .values import Inst, Src

_DML = frozenset({"insert", "update", "delete", "upsert"})
_CHAIN = frozenset({"where", "filter", "filter_by", "values", "returning", "ordered_values", "execution_options",
                    "on_conflict_do_update", "on_conflict_do_nothing", "on_duplicate_key_update", "prefix_with"})


def entity_keys(fp, node) -> FrozenSet[str]:
    """The keys of a model or table expression (``Menu``, ``models.Menu``, ``menu_table``)."""
    if type(node) not in (cst.Name, cst.Attribute):
        return frozenset()
    keys = {dotted_name(node)}
    keys.add(fp.a.model_ref(node))
    return frozenset(k for k in keys if k)


def value_keys(value) -> FrozenSet[str]:
    """The keys of a query or row value: its model, and the table its statement selects."""
    if isinstance(value, Src):
        return frozenset(k for k in (value.model, value.table) if k)
    if isinstance(value, Inst) and not value.attrs and not value.base and value.model:
        return frozenset((value.model,))
    return frozenset()


def dml_keys(fp, node, depth: int = 0) -> FrozenSet[str]:
    """The table a DML statement writes: ``update(M).where(...).values(...)`` -> M,
    ``menu_table.update().where(...)`` -> menu_table; empty when it is not written here."""
    if type(node) is cst.Name:
        return fp.dml_tables.get(node.value, frozenset())  # `stmt = insert(M)...` earlier
    if depth > 12 or type(node) is not cst.Call:
        return frozenset()
    func = node.func
    if type(func) is cst.Attribute:
        meth = func.attr.value
        if meth in _CHAIN:
            return dml_keys(fp, func.value, depth + 1)
        if meth in _DML and not node.args:
            return entity_keys(fp, func.value)  # `menu_table.update()`
    last = (dotted_name(func) or "").rsplit(".", 1)[-1]
    if last in _DML:
        pos = _positional(node)
        if pos:
            return entity_keys(fp, pos[0])  # `update(Model)`, `sa.insert(table)`
    return frozenset()


_READ_CHAIN = frozenset({"where", "filter", "filter_by", "order_by", "limit", "offset", "options", "join",
                         "outerjoin", "group_by", "having", "distinct", "with_only_columns", "execution_options"})


def select_keys(fp, node, depth: int = 0) -> FrozenSet[str]:
    """The table a ``select(X).where(...)`` statement reads, from its text (``sa.select`` and
    other spellings the value analysis does not follow); empty when it is not written here."""
    if depth > 12 or type(node) is not cst.Call:
        return frozenset()
    func = node.func
    if type(func) is cst.Attribute and func.attr.value in _READ_CHAIN:
        return select_keys(fp, func.value, depth + 1)
    if (dotted_name(func) or "").rsplit(".", 1)[-1] == "select":
        pos = _positional(node)
        if len(pos) == 1 and not _is_column(pos[0]):
            return entity_keys(fp, pos[0])
        # `select(M.a)`, `select(M.a, M.b, M.id)`, `select(t.c.a, t.c.b)`: columns of one model or table
        owners = [_owner(p) for p in pos]
        if pos and None not in owners and len({dotted_name(o) for o in owners}) == 1:
            return entity_keys(fp, owners[0])
    return frozenset()


def _is_column(node) -> bool:
    """``Model.column`` (a lower-case attribute of a class-like name), not ``models.Menu``."""
    return (type(node) is cst.Attribute and node.attr.value[:1].islower()
            and type(node.value) in (cst.Name, cst.Attribute)
            and (dotted_name(node.value) or "").rsplit(".", 1)[-1][:1].isupper())


def _owner(column):
    """``M.a`` -> ``M``; ``t.c.a`` / ``t.columns.a`` -> ``t``; None for anything else."""
    if type(column) is not cst.Attribute:
        return None
    owner = column.value
    if type(owner) is cst.Attribute and owner.attr.value in ("c", "columns"):
        owner = owner.value
    return owner if type(owner) in (cst.Name, cst.Attribute) else None


def table_of(fp, node) -> Optional[str]:
    """The dotted text of the entity a ``select(X)``/``query(X)`` reads, when it is one name."""
    if type(node) in (cst.Name, cst.Attribute):
        return dotted_name(node)
    return None


# a project call that makes a row and returns its key: `retval = generate_ticket(pos.pk)`
_CREATING = re.compile(r"^_*(create|generate|make|build|copy|clone|duplicate|import|insert|spawn|new)(_|$)")
_KEYS = frozenset({"pk", "id", "pk__exact", "id__exact"})


def creating_call(node) -> bool:
    """``generate_orderposition(pos.pk, provider)``: a call named for making something."""
    if type(node) is not cst.Call:
        return False
    last = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
    return bool(_CREATING.match(last))


def fetches_created(fp, node) -> bool:
    """``Ticket.objects.get(pk=retval)`` where ``retval`` was returned, in this iteration, by a
    call that makes the row (see ``creating_call``): the loop reads back the row it just made."""
    if not fp.frames or type(node) is not cst.Call:
        return False
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in _KEYS and type(arg.value) is cst.Name:
            if fp.created.get(arg.value.value) is fp.frames[-1]:
                return True
    return False
