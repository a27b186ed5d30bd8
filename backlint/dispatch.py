"""The handler tables of the shared walk: which rule methods run on which node type, the
engine's own semantic bookkeeping (imports, assignments, scopes), and a rule's failure isolated
to that rule and file.
"""
from __future__ import annotations

import os
import traceback
from typing import Callable, Dict, List, Sequence, Tuple

import libcst as cst

from .findings import FileResult, InternalError
from .rule import FileContext, Rule
from .semantics import Semantics


def _rule_error(path: str, rule: Rule, exc: BaseException) -> InternalError:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    return InternalError(path, f"{rule.name} raised {type(exc).__name__}: {exc}{where}", rule=rule.code)


# rule class -> its handlers as (is_visit, node type, method name): built once per process
_TABLES: Dict[type, Tuple[Tuple[bool, type, str], ...]] = {}


def handler_table(rule_class: type) -> Tuple[Tuple[bool, type, str], ...]:
    table = _TABLES.get(rule_class)
    if table is None:
        out = []
        for name in rule_class.handler_names():
            kind, _, type_name = name.partition("_")
            node_type = getattr(cst, type_name, None)
            if isinstance(node_type, type):
                out.append((kind == "visit", node_type, name))
        table = _TABLES[rule_class] = tuple(out)
    return table


def _handlers(semantics: Semantics, ctx: FileContext, instances: Sequence[Rule], result: FileResult, path: str):
    """The walk's handler tables for one file, and ``on_error(handler, exc)`` for the walk to call
    when a handler raises. Rule methods go into the tables as they are (no wrapper frame per call:
    the walk's ``try`` costs nothing until something raises); a rule that raises is reported and
    its handlers leave the tables, so none of them runs again for this file. An exception of the
    engine's own bookkeeping handlers is raised again: the walk fails."""
    visit: Dict[type, List[Callable]] = {}
    leave: Dict[type, List[Callable]] = {}
    _semantic_handlers(semantics, visit, leave)
    owners: Dict[int, Tuple[Rule, Callable]] = {}  # id of a table's method -> its rule (and the method)
    for instance in instances:
        if not instance.walks:
            continue  # facts only (``Rule.walks``)
        off = instance.handlers_off()
        for is_visit, node_type, name in handler_table(type(instance)):
            if name in off:
                continue
            method = getattr(instance, name)
            owners[id(method)] = (instance, method)
            table = visit if is_visit else leave
            table.setdefault(node_type, []).append(method)
    # semantic bookkeeping on leave must run after the rules' leave handlers
    for node_type, handlers in list(leave.items()):
        semantic = [h for h in handlers if getattr(h, "_semantic", False)]
        if semantic:
            leave[node_type] = [h for h in handlers if not getattr(h, "_semantic", False)] + semantic

    def on_error(handler: Callable, exc: Exception) -> None:
        owner = owners.get(id(handler))
        if owner is None or owner[1] is not handler:
            raise exc
        rule = owner[0]
        result.errors.append(_rule_error(path, rule, exc))
        for table in (visit, leave):  # new lists: a walk looping over the old one is not disturbed
            for node_type, handlers in list(table.items()):
                kept = [h for h in handlers if owners.get(id(h), (None,))[0] is not rule]
                if len(kept) != len(handlers):
                    table[node_type] = kept

    return visit, leave, on_error


def _semantic_handlers(sem: Semantics, visit: Dict[type, List[Callable]], leave: Dict[type, List[Callable]]) -> None:
    def on_import(node):
        sem.record_import(node)

    def on_function(node: cst.FunctionDef):
        sem.bind_unknown(node.name.value)
        sem.push("function")
        params = node.params
        for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            if param.annotation is not None:
                sem.record_annotation(param.name, param.annotation.annotation)
            else:
                sem.bind_unknown(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                sem.bind_unknown(star.name.value)

    def on_class(node: cst.ClassDef):
        sem.bind_unknown(node.name.value)
        sem.push("class")

    def pop(node):
        sem.pop()

    def on_assign(node: cst.Assign):
        for target in node.targets:
            sem.record_assignment(target.target, node.value)

    def on_ann_assign(node: cst.AnnAssign):
        if node.value is not None and type(node.value) is cst.Call:
            sem.record_assignment(node.target, node.value)
        else:
            sem.record_annotation(node.target, node.annotation.annotation)

    def on_with_item(node: cst.WithItem):
        if node.asname is not None:
            sem.record_assignment(node.asname.name, node.item)

    def on_for(node: cst.For):
        sem.record_assignment(node.target, None)

    for handler in (pop, on_assign, on_ann_assign, on_with_item):
        handler._semantic = True  # type: ignore[attr-defined]
    visit.setdefault(cst.Import, []).append(on_import)
    visit.setdefault(cst.ImportFrom, []).append(on_import)
    visit.setdefault(cst.FunctionDef, []).append(on_function)
    visit.setdefault(cst.ClassDef, []).append(on_class)
    visit.setdefault(cst.For, []).append(on_for)
    leave.setdefault(cst.FunctionDef, []).append(pop)
    leave.setdefault(cst.ClassDef, []).append(pop)
    leave.setdefault(cst.Assign, []).append(on_assign)
    leave.setdefault(cst.AnnAssign, []).append(on_ann_assign)
    leave.setdefault(cst.WithItem, []).append(on_with_item)


def _prebind_module_imports(module: cst.Module, sem: Semantics) -> None:
    """Bind top-level imports first, so functions defined above an import still resolve it."""
    def statements(body):
        for stmt in body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) in (cst.Import, cst.ImportFrom):
                        yield small
            elif type(stmt) in (cst.If, cst.Try):
                yield from statements(stmt.body.body)
                handlers = getattr(stmt, "handlers", ())
                for handler in handlers:
                    yield from statements(handler.body.body)
                orelse = getattr(stmt, "orelse", None)
                if orelse is not None and isinstance(getattr(orelse, "body", None), cst.BaseSuite):
                    yield from statements(orelse.body.body)
    for node in statements(module.body):
        sem.record_import(node)
