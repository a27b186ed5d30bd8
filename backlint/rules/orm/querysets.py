"""What evaluates a query: Django queryset methods, SQLAlchemy ``select()``/``Query``/result
methods and session calls, and what each one prepares (eager loading) or executes."""
from __future__ import annotations

from typing import Any, Optional

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from . import _writes, _written, other_orms
from .eager import _loader_paths, _paths
from .syntax import _is_classlike, _kw, _positional, _string
from .values import DML, Inst, Src


class QuerysetCalls:
    # -- ORM calls -------------------------------------------------------------------------------
    def select(self, node: cst.Call) -> Src:
        pos = _positional(node)
        model = None
        rows = True
        if len(pos) == 1 and type(pos[0]) in (cst.Name, cst.Attribute) and _is_classlike(pos[0]):
            model = self.a.model_ref(pos[0]) if type(pos[0]) is cst.Name else self.a.model_ref(pos[0])
            rows = False
        return Src("sqla", model, "stmt", node, len(self.frames), rows=rows,
                   pertable=self.per_table(pos[0]) if pos else 0,
                   table=_written.table_of(self, pos[0]) if len(pos) == 1 else None)

    def session_method(self, meth: str, node: cst.Call) -> Any:
        values = self.args(node)
        pos = _positional(node)
        if meth == "query":
            model = None
            rows = True
            if len(pos) == 1 and type(pos[0]) in (cst.Name, cst.Attribute) and _is_classlike(pos[0]):
                model = self.a.model_ref(pos[0])
                rows = False
            return Src("sqla", model, "query", node, len(self.frames), rows=rows,
                       pertable=self.per_table(pos[0]) if pos else 0,
                       table=_written.table_of(self, pos[0]) if len(pos) == 1 else None)
        if meth in _writes.SESSION_WRITE:
            keys = _written.value_keys(values[0]) if values else frozenset()
            if not keys and pos and type(pos[0]) is cst.Call and type(pos[0].func) is cst.Attribute:
                keys = _written.value_keys(self.peek_src(pos[0].func.value))  # `session.delete(q.one())`
            self.wrote_to(keys)
            if meth == "add" and pos and type(pos[0]) is cst.Call:
                self.inserted_into(_written.entity_keys(self, pos[0].func))  # `session.add(Doc(...))`
            return None
        if meth in ("get", "get_one"):
            if pos and type(pos[0]) in (cst.Name, cst.Attribute) and _is_classlike(pos[0]) and len(node.args) >= 2:
                self.hit(node, "sa-get")
            return None
        if meth == "refresh":
            if not self.writes:  # after the function's write: re-reading what it wrote
                self.hit(node, "sa-refresh")
            return None
        if meth in ("execute", "exec", "scalars", "scalar", "stream", "stream_scalars"):
            stmt = values[0] if values else None
            if stmt is DML or (pos and _writes.is_dml_expression(pos[0])):
                self.wrote_to(_written.dml_keys(self, pos[0]) if pos else ())  # `session.execute(update(Order)...)`
                return None
            self.hit(node, "sa-exec", batch=isinstance(stmt, Src) and stmt.batch, src=stmt,
                     depth=self.sql_table_depth(pos[0]) if pos else None,
                     keys=_written.select_keys(self, pos[0]) if pos else ())
            if isinstance(stmt, Src) and stmt.stage == "stmt" and stmt.orm == "sqla":
                if meth == "scalar":
                    return None
                rows = stmt.rows or meth in ("execute", "stream")
                return stmt.copy(stage="result", rows=rows, depth=len(self.frames))
            return None
        return None

    def src_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        if src.orm == "django":
            return self.django_method(src, meth, node)
        if src.orm == "sqla":
            return self.sqla_method(src, meth, node)
        if src.orm in other_orms.ORMS:
            return other_orms.src_method(self, src, meth, node)
        self.args(node)
        return None

    def django_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        src = src.copy(node=node)
        values = self.args(node)
        if meth == "select_related":
            pos = _positional(node)
            if not node.args:
                return src.copy(select_all=True)
            names = [_string(p) for p in pos]
            if any(n is None for n in names) or len(pos) != len(node.args):
                return src.copy(opaque=True)
            return src.copy(prepared=src.prepared | _paths(names))
        if meth == "prefetch_related":
            names = []
            for arg, value in zip(node.args, values):
                if arg.star or arg.keyword is not None:
                    return src.copy(opaque=True)
                s = _string(arg.value)
                if s is not None:
                    names.append(s)
                    continue
                if type(arg.value) is cst.Call and (dotted_name(arg.value.func) or "").endswith("Prefetch"):
                    p = _positional(arg.value)
                    lookup = _string(p[0]) if p else _string(_kw(arg.value, "lookup"))
                    if lookup is None:
                        return src.copy(opaque=True)
                    to_attr = _string(_kw(arg.value, "to_attr"))
                    names.append(lookup)
                    if to_attr:
                        names.append(lookup.rsplit("__", 1)[0] + "__" + to_attr if "__" in lookup else to_attr)
                    qs = _kw(arg.value, "queryset") or (p[1] if len(p) > 1 else None)
                    if qs is not None:
                        inner = self.peek_src(qs)
                        if inner is None or inner.opaque:
                            names.append(lookup + "__*")
                        else:
                            names.extend(lookup + "__" + n for n in inner.prepared)
                    continue
                return src.copy(opaque=True)
            return src.copy(prepared=src.prepared | _paths(names))
        if meth in orm.DJANGO_ROWS:
            return src.copy(rows=True)
        if meth == "select_for_update":
            self.wrote_to(_written.value_keys(src))  # rows are locked to be written: the read serves a write
            return src.copy(locked=True)
        if meth in orm.DJANGO_LAZY:
            grouped = self.group_depth(node) if meth in ("filter", "exclude") else 0
            return src.copy(pertable=max(src.pertable, grouped)) if grouped else src.copy()
        if meth in orm.DJANGO_EXEC:
            m = meth[1:] if meth.startswith("a") and meth[1:] in orm.DJANGO_EXEC else meth
            if meth in _writes.UPSERTS:
                self.wrote_to(_written.value_keys(src))  # an upsert per row is a write (out of BL201's scope)
                self.inserted_into(_written.value_keys(src))
                return None
            if src.locked:
                return None  # `select_for_update().get(pk=o.pk)`: the row is locked to be written
            kind = "dj-count" if m in ("count", "exists", "aggregate", "contains") else "dj-get"
            if not (meth in orm.DJANGO_SINGLE and _written.fetches_created(self, node)):
                self.hit(node, kind, batch=src.batch, src=src)  # (not: the row a call just made, read back)
            if meth in orm.DJANGO_SINGLE and src.stage == "qs" and not src.rows:
                # one row: its related managers are queries over the related model, and what the
                # row's own query prefetched (`prefetch_related("pets__owner").get(...)`) applies
                return Inst(src.copy(node=node), (), (), None, src.model)
            return None
        if meth in _writes.QUERYSET_WRITE or meth in _writes.ANY_WRITE:
            self.wrote_to(_written.value_keys(src))
            if meth in _writes.CREATES:
                self.inserted_into(_written.value_keys(src))  # `Category.objects.create(...)`
            return None
        if meth == "raw" or meth.startswith("get_"):
            return None  # custom `get_*` manager methods that return other things
        return src.copy(opaque=True)

    def peek_src(self, node) -> Optional[Src]:
        saved_record = self.record
        self.record = False
        try:
            v = self.ev(node)
        finally:
            self.record = saved_record
        return v if isinstance(v, Src) else None

    def sqla_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        values = self.args(node)
        if src.stage in ("stmt", "query"):
            src = src.copy(node=node)
            if meth == "options":
                prepared, star = set(), False
                for arg in node.args:
                    paths = _loader_paths(arg.value)
                    if paths is None:
                        return src.copy(opaque=True)
                    if "*" in paths:
                        star = True
                    prepared |= paths
                return src.copy(prepared=src.prepared | _paths(prepared), select_all=src.select_all or star)
            if meth == "with_for_update":
                self.wrote_to(_written.value_keys(src))  # rows are locked to be written: the read serves a write
            if meth in orm.SQLA_LAZY:
                pertable = src.pertable
                if meth in ("select_from", "join_from") and node.args:
                    pertable = max([pertable] + [self.per_table(a.value) for a in node.args])
                elif meth in ("where", "filter", "filter_by"):
                    pertable = max(pertable, self.group_depth(node))  # one IN query per group
                return src.copy(batch=src.batch or meth in orm.SQLA_BATCH, pertable=pertable)
            if src.stage == "query" and meth in ("update", "delete"):
                self.wrote_to(_written.value_keys(src))  # `session.query(M).filter(...).delete()`
                return None
            if src.stage == "query" and meth in orm.SQLA_QUERY_EXEC:
                self.hit(node, "sa-get" if meth == "get" else "sa-exec", batch=src.batch, src=src)
                if meth == "all":
                    return src.copy(stage="result", depth=len(self.frames))
                return None
            if src.stage == "stmt" and meth in ("subquery", "scalar_subquery", "cte", "exists", "alias", "union"):
                return None
            return src.copy(opaque=True)
        if src.stage == "result":
            if meth in orm.SQLA_RESULT or meth in ("tuples",):
                rows = src.rows
                if meth == "scalars":
                    rows = False if src.model else True
                return src.copy(rows=rows)
            if meth in ("mappings",):
                return src.copy(rows=True)
            return None
        return None
