"""Expressions of the per-function pass: names, attributes, subscripts, comprehensions and
calls (writes, model methods, project functions)."""
from __future__ import annotations

from typing import Any, List, Optional

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from ...walker import children
from . import _loops, _writes, _written, auth_user, other_orms, param_querysets, serializer_usage
from .syntax import _is_classlike, _positional, runtime_model, subquery_slots
from .view_querysets import declared_queryset
from .values import CURSOR, DML, Enum, Frame, Inst, OTHER, Ref, SESSION, Src


class Expressions:
    # -- expressions --------------------------------------------------------------------------------
    def visit(self, node) -> None:
        """Evaluate every sub-expression of a node that is not itself handled by ``ev``."""
        for child in children(node):
            if isinstance(child, cst.BaseExpression):
                self.ev(child)
            elif isinstance(child, (cst.Arg, cst.Element, cst.BaseDictElement, cst.ComparisonTarget,
                                    cst.Index, cst.Slice, cst.SubscriptElement, cst.FormattedStringExpression,
                                    cst.BaseFormattedStringContent, cst.StarredElement,
                                    cst.StarredDictElement)):
                self.visit(child)

    def ev(self, node) -> Any:
        if node is None:
            return None
        node_t = type(node)  # exact checks first: the common cases, without ABC isinstance
        if node_t is cst.Name:
            return self.lookup(node.value, node)
        if node_t is cst.Await:
            self.awaiting = node.expression  # Tortoise runs its queries when awaited
            return other_orms.awaited(self, node, self.ev(node.expression))
        if node_t is cst.Attribute:
            return self.attribute(node)
        if node_t is cst.Call:
            return self.call(node)
        if node_t is cst.Subscript:
            return self.subscript(node)
        if type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            self.comprehension(node)
            return None
        if type(node) is cst.Lambda:
            return None
        if type(node) is cst.NamedExpr:
            value = self.ev(node.value)
            self.assign(node.target, value)
            return value
        if type(node) is cst.BooleanOperation:
            self.ev(node.left)
            self.ev(node.right)
            return None
        self.visit(node)
        return None

    def comprehension(self, node) -> None:
        fors = []
        f = node.for_in
        while f is not None:
            fors.append(f)
            f = f.inner_for_in
        first = self.ev(fors[0].iter)
        self.iterated(first, fors[0].iter)
        saved = dict(self.env)
        frame = Frame(node, "comp", fors[0].iter)
        frame.fixed = _loops.fixed_iterable(fors[0].iter, self.literals) or _loops.search_inputs(fors[0].iter)
        self.frames.append(frame)
        pushed = 1
        try:
            self.bind_loop(fors[0].target, first, frame)
            for cond in fors[0].ifs:
                self.ev(cond.test)
            for inner in fors[1:]:
                value = self.ev(inner.iter)
                self.iterated(value, inner.iter)
                fr = Frame(node, "comp", inner.iter)
                fr.fixed = _loops.fixed_iterable(inner.iter, self.literals) or _loops.search_inputs(inner.iter)
                self.frames.append(fr)
                pushed += 1
                self.bind_loop(inner.target, value, fr)
                for cond in inner.ifs:
                    self.ev(cond.test)
            if type(node) is cst.DictComp:
                self.ev(node.key)
                self.ev(node.value)
            else:
                self.ev(node.elt)
        finally:
            for _ in range(pushed):
                self.pop_frame()
            self.env.clear()
            self.env.update(saved)

    def subscript(self, node: cst.Subscript) -> Any:
        base = self.ev(node.value)
        for el in node.slice:
            self.visit(el)
        if isinstance(base, Src):
            if any(type(el.slice) is cst.Slice for el in node.slice):
                return base.copy(batch=True)
            if base.stage in ("qs", "query") and base.orm == "django" and not base.opaque:
                self.hit(node, "dj-get", src=base)
            return None
        if isinstance(base, Inst):
            return None
        return None

    def attribute(self, node: cst.Attribute) -> Any:
        name = node.attr.value
        base = self.ev(node.value)
        if isinstance(base, Inst):
            attrs = base.attrs + (name,)
            if name == "awaitable_attrs":
                return Inst(base.src, base.base, base.attrs, base.event, base.model)
            self.read(base, attrs, False, node)
            return Inst(base.src, base.base, attrs, base.event, base.model)
        if name in orm.DJANGO_MANAGERS:
            model = None
            if isinstance(base, Ref):
                model = base.q if _is_classlike(node.value) or (base.q or "").rsplit(".", 1)[-1][:1].isupper() else None
                if model is None and not _is_classlike(node.value):
                    return None
            elif not (_is_classlike(node.value) or (dotted_name(node.value) or "").lower().endswith("model")
                      or type(node.value) in (cst.Call, cst.Subscript)):
                return None
            return Src("django", model, "qs", node, len(self.frames), pertable=self.per_table(node.value),
                       manager=name != "_base_manager", dynamic=model is None and (
                           runtime_model(node.value)
                           or type(node.value) is cst.Name and node.value.value in self.runtime_models))
        if name == "query" and isinstance(base, Ref) and _is_classlike(node.value):
            return Src("sqla", base.q, "query", node, len(self.frames))
        if isinstance(base, Ref) and base.q:
            q = base.q + "." + name
            if orm.is_non_db(q):
                return OTHER
            if orm.is_session_name(name) and name != "db":
                return SESSION
            return Ref(q)
        if isinstance(base, tuple) and base and base[0] == "self":
            if orm.is_session_name(name):
                return SESSION
            if orm.is_cursor_name(name):
                return CURSOR
            if name == "queryset":
                declared = self.view_queryset(base[1])
                if declared is not None:
                    return declared
            return ("selfattr", base[1], name)
        if base is OTHER:
            if orm.is_session_name(name) and name != "db":
                return SESSION
            return None
        if base is None or base is SESSION:
            if orm.is_session_name(name) and name != "db":
                return SESSION
            if orm.is_cursor_name(name) and name != "c":
                return CURSOR
        return None

    def view_queryset(self, cls: str) -> Optional[Src]:
        """The class's declared ``queryset`` (see ``view_querysets``), built once per class."""
        expr = declared_queryset(self.a, cls)
        if expr is None:
            return None
        saved_env, self.env = self.env, self.a.module_env
        try:
            src = self.peek_src(expr)
        finally:
            self.env = saved_env
        if src is None or src.orm != "django" or src.stage != "qs":
            return None
        return src.copy(depth=-1)

    def args(self, node: cst.Call) -> List[Any]:
        every = subquery_slots(node)
        if every is None:
            return [self.ev(a.value) for a in node.args]
        # a related queryset handed to another query's lookup (`filter(item__in=row.tags.values_list(
        # "id"))`, `Exists(row.logs.filter(...))`) becomes a subquery of that query, not a query of its own
        out = []
        for a in node.args:
            if every or a.keyword is not None:
                self.subquery_args += 1
                try:
                    out.append(self.ev(a.value))
                finally:
                    self.subquery_args -= 1
            else:
                out.append(self.ev(a.value))
        return out

    def call(self, node: cst.Call) -> Any:
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in _writes.WRITE_CALLS and (
                func.attr.value in _writes.ANY_WRITE or type(func.value) is not cst.Name):
            # `Voucher.objects.create(code=unused_code())`, `X.objects.get(pk=p).delete()`:
            # what the write's receiver and arguments read is part of that per-row write
            self.write_args += 1
            try:
                return self._call(node)
            finally:
                self.write_args -= 1
        return self._call(node)

    def _call(self, node: cst.Call) -> Any:
        func = node.func
        if type(func) is cst.Attribute:
            recv = self.ev(func.value)
            meth = func.attr.value
            if meth in _writes.ANY_WRITE:
                self.wrote_to(_written.value_keys(recv))  # `row.save()`: the row's table
            if recv is DML:
                self.args(node)
                return DML
            if meth in _writes.CREATES and type(func.value) is not cst.Name:
                self.wrote_to(_written.value_keys(recv))  # `self.log_entries.create(...)`: a related-manager write
            if meth == "select" and type(func.value) is cst.Name and func.value.value.lstrip("_") == "db" and (
                    recv is None or recv is SESSION or isinstance(recv, Ref)):
                self.args(node)
                return self.select(node)  # Flask-SQLAlchemy's `db.select(Model)` is `sqlalchemy.select`
            if isinstance(recv, Inst):
                if recv.attrs and meth in _writes.QUERYSET_WRITE:
                    self.writes = True  # `order.lines.create(...)`, `post.tags.add(tag)`
                attrs = recv.attrs + (meth,)
                self.read(recv, attrs, True, node)
                self.args(node)
                if not recv.attrs and not recv.base and recv.model and recv.event is not None:
                    # `order.recalculate()`: a model method that queries, once per row
                    self.call_event(node, recv.model + "." + meth)
                return Inst(recv.src, recv.base, attrs, recv.event, recv.model)
            if isinstance(recv, Src):
                return self.src_method(recv, meth, node)
            if recv is SESSION:
                return self.session_method(meth, node)
            if recv is CURSOR:
                vals = self.args(node)
                pos = _positional(node)
                if meth == "execute" and pos and (vals[0] is DML or _writes.is_sql_write(pos[0])
                                                  or _writes.is_dml_expression(pos[0])
                                                  or _writes.is_sql_procedure(pos[0])):
                    self.wrote_to(_written.dml_keys(self, pos[0]))  # a write, or a procedure that may lock or write
                elif meth == "execute" and pos and _writes.is_sql_session_command(pos[0]):
                    pass  # `SHOW server_version_num`: about the server, not table rows
                elif meth == "execute" and not self.runs_loop_item(node):
                    self.hit(node, "raw", depth=self.sql_table_depth(pos[0]) if pos else None,
                             keys=(_written.value_keys(vals[0]) | _written.select_keys(self, pos[0])) if pos else ())
                if meth == "cursor":
                    return CURSOR
                return None
            if isinstance(recv, tuple) and recv and recv[0] == "self":
                values = self.args(node)
                local = f"{recv[1]}.{meth}"
                if local in self.a.functions:
                    param_querysets.record_args(self, node, self.a.full(local), values)
                    self.call_event(node, self.a.full(local))
                    return self.local_return(local, node)
                if meth == "get_serializer":
                    serializer_usage.record_get_serializer(self, node, recv[1], values)
                if meth == "get_queryset" and not node.args:
                    return self.view_queryset(recv[1])  # the framework's: `self.queryset.all()`
                return None
            if isinstance(recv, Ref) and recv.q:
                self.args(node)
                q = recv.q + "." + meth
                started = other_orms.model_call(self, recv.q, meth, node)  # `Tweet.select()`, Tortoise
                if started is not other_orms.NOT_MINE:
                    return started
                if meth in ("cursor",) and recv.q.endswith("connection"):
                    return CURSOR
                if orm.is_non_db(q):
                    return OTHER
                if orm.is_session_type(q + "()"):
                    return SESSION
                if _writes.is_dml_callable(q):
                    return DML
                if orm.is_library(q):
                    return CURSOR if meth == "connect" else None
                if not meth[:1].isupper():
                    self.call_event(node, q)
                    self.helper_reads(node, q)
                if q.endswith((".sessionmaker", ".Session", ".AsyncSession")) and q.startswith(("sqlalchemy", "sqlmodel")):
                    return SESSION
                return self.remote_return(q, node)
            if recv is not None and recv is not OTHER and not isinstance(recv, (tuple, Enum)):
                self.args(node)
                return None
            self.args(node)
            if meth == "cursor" and (dotted_name(func.value) or "").endswith("connection"):
                return CURSOR
            return None
        # plain call
        name = func.value if type(func) is cst.Name else None
        target = self.ev(func) if type(func) is not cst.Name else self.lookup(func.value, func)
        values = self.args(node)
        q = target.q if isinstance(target, Ref) else None
        if q == auth_user.GET_USER_MODEL:
            return Ref(auth_user.USER)
        if q in orm.SQLA_SELECT or (q and q.rsplit(".", 1)[-1] == "select" and q.startswith(("sqlalchemy", "sqlmodel"))):
            return self.select(node)
        if name in ("list", "tuple", "set", "sorted", "len", "bool", "reversed") and node.args:
            v = values[0]
            if isinstance(v, Src) and v.stage in ("qs", "query"):
                self.iterated(v, node)
                if name != "len" and name != "bool":
                    return v.copy(stage="result")
            if isinstance(v, Inst) and name in ("list", "sorted", "tuple", "reversed"):
                return v
            return None
        if name == "enumerate" and node.args:
            return Enum(values[0])
        if q is None:
            if isinstance(target, tuple) or target is None or target is OTHER:
                return None
            return None
        if q.startswith(("peewee.", "playhouse.")):
            return other_orms.library_call(self, q, node)  # `prefetch(users, Tweet.select())`
        if orm.is_session_type(q + "()") or q.rsplit(".", 1)[-1] in ("SessionLocal", "async_session_maker"):
            return SESSION
        if orm.is_non_db(q):
            return OTHER
        if _writes.is_dml_callable(q):
            return DML
        if orm.is_library(q):
            return CURSOR if q.rsplit(".", 1)[-1] == "connect" else None
        local = q[len(self.a.modname) + 1:] if self.a.modname and q.startswith(self.a.modname + ".") else None
        param_querysets.record_args(self, node, q, values)  # `render(Order.objects.all())`
        serializer_usage.record_call(self, node, q, values)  # `OrderSerializer(orders, many=True)`
        if not orm.is_library(q):
            self.helper_reads(node, q)
        if local is not None and local in self.a.functions:
            self.call_event(node, q)
            return self.local_return(local, node)
        if local is not None and local in self.a.classes:
            return None
        self.call_event(node, q)
        return self.remote_return(q, node)

    def local_return(self, local: str, node) -> Any:
        ret = self.a.returns_of(local)
        if isinstance(ret, Src):
            return ret.copy(node=node, depth=len(self.frames) if ret.stage in ("qs", "query") else ret.depth)
        return None

    def remote_return(self, q: str, node) -> Any:
        """A call to a function of another module: it may return a queryset (decided later)."""
        last = q.rsplit(".", 1)[-1]
        if not last[:1].islower():
            return None
        return Src(None, None, "result", node, len(self.frames), callee=q)
