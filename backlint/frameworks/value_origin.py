"""Where does a value come from? A light, per-file value tracker for security rules.

Fed by a rule's ``visit_``/``leave_`` handlers in source order (it rides the shared walk; no
libcst metadata providers): per scope (module, class, function) each name maps to a ``Val``
summary. Plain assignments outside branches replace a name's value; assignments in branches and
loops, ``+=`` and ``list.append`` merge into it; allow-list guards (``if x not in ALLOWED:
raise``) mark a name safe (see ``value_guards``). Functions defined earlier in the file get a
summary of what they return, so ``quote(x)`` is known to be safe when ``quote`` returns a quoted
string whatever it is given.

What a string is made of (formatting, concatenation, SQL-specific sanitizers) is a subclass's
job: ``ValueTracker.ev`` is abstract here and implemented in ``sql_values.SqlValues``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .._lazy import cst

from ..semantics import dotted_name
from . import value_guards as guards


from .value_kinds import (  # noqa: F401  (re-exported: the tracker's public values)
    SAFE, UNKNOWN, Origin, Scope, Val, either, element, is_stringy, merge_flows, replace,
)


# ``x.append(v)`` and friends: the calls that merge ``v`` into ``x``
COLLECTION_METHODS = frozenset({"append", "extend", "insert", "add", "appendleft"})


class ValueTracker:
    """Scopes, bindings and function summaries; ``ev`` (what an expression is) is abstract."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.scope = Scope("module", None)
        self.overrides: Dict[str, Val] = {}
        self.enums: set = set()
        self._ifs: List[Tuple[cst.If, Optional[Tuple[str, bool]], Optional[Val]]] = []
        self._comp_saved: List[Dict[str, Val]] = []
        # `if`s whose `else`/`elif` is being walked: (the if, its scope, the body's bindings)
        self._bodies: List[Tuple[cst.If, Scope, Dict[str, Val]]] = []
        self._else_marks: List[Tuple[int, int]] = []  # (scope id, depth) of an `else` that opened no block
        self.handler_file = bool(getattr(ctx, "roles", None)) and ctx.roles.has("handler")
        self._function_facts: Optional[Tuple[cst.FunctionDef, bool, bool]] = None  # (function, handler?, method?)

    # -- hooks for subclasses ------------------------------------------------------------------
    def ev(self, node: cst.BaseExpression, depth: int = 0) -> Val:  # pragma: no cover - abstract
        raise NotImplementedError

    def text_name(self, name: str) -> bool:
        """True for variable names that hold text built elsewhere (``sql``, ``stmt``...)."""
        return False

    def safe_annotation(self, ann: cst.BaseExpression) -> bool:
        return False

    # -- scopes --------------------------------------------------------------------------------
    def lookup(self, name: str) -> Optional[Val]:
        if name in self.overrides:
            return self.overrides[name]
        scope: Optional[Scope] = self.scope
        first = True
        while scope is not None:
            if scope.kind != "class" or first:
                found = scope.get(name)
                if found is not None:
                    return found
            first = False
            scope = scope.parent
        return None

    def class_scope(self) -> Optional[Scope]:
        scope: Optional[Scope] = self.scope
        while scope is not None:
            if scope.kind == "class":
                return scope
            scope = scope.parent
        return None

    def function_scope(self) -> Optional[Scope]:
        scope: Optional[Scope] = self.scope
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        return scope

    def self_attribute(self, attr: str) -> Optional[Val]:
        scope = self.class_scope()
        if scope is None:
            return None
        return scope.vars.get("self." + attr) or scope.vars.get(attr)

    def bind(self, name: str, value: Val, replace_old: Optional[bool] = None) -> None:
        scope = self.scope
        if (
            not (value.safe or value.taint or value.sqlish or value.allow)
            and value.text is None
            and self.text_name(name)
        ):
            # `sql, params = self._compile(...)`: SQL text built elsewhere
            value = Val(sqlish=True, obj=value.obj)
        old = scope.get(name) if replace_old is False else None
        scope.put(name, value if old is None else either(old, value))

    def bind_target(self, target: cst.BaseExpression, value: Val, node: Optional[cst.BaseExpression]) -> None:
        if type(target) is cst.Name:
            self.bind(target.value, value)
        elif type(target) in (cst.Tuple, cst.List):
            values = None
            if type(node) in (cst.Tuple, cst.List) and len(node.elements) == len(target.elements):
                values = [self.ev(e.value) for e in node.elements]
            for index, item in enumerate(target.elements):
                inner = values[index] if values else element(value)
                self.bind_target(item.value, inner, None)
        elif type(target) is cst.StarredElement:
            self.bind_target(target.value, value, None)
        elif (
            type(target) is cst.Attribute
            and type(target.value) is cst.Name
            and target.value.value in ("self", "cls")
        ):
            scope = self.class_scope()
            if scope is not None:
                key = "self." + target.attr.value
                old = scope.vars.get(key)
                scope.vars[key] = value if old is None else either(old, value)

    def bind_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression, override: bool) -> None:
        """Bind a ``for`` target; ``enumerate()`` yields an int first, ``range()`` only ints."""
        put = self.override_target if override else (lambda t, v: self.bind_target(t, v, None))
        call = iterable if type(iterable) is cst.Call else None
        fname = call.func.value if call is not None and type(call.func) is cst.Name else ""
        if fname == "enumerate" and call.args and type(target) in (cst.Tuple, cst.List) \
                and len(target.elements) == 2:
            put(target.elements[0].value, SAFE)
            put(target.elements[1].value, element(self.ev(call.args[0].value)))
            return
        put(target, element(self.ev(iterable)))

    def override_target(self, target: cst.BaseExpression, value: Val) -> None:
        if type(target) is cst.Name:
            self.overrides[target.value] = value
        elif type(target) in (cst.Tuple, cst.List):
            for item in target.elements:
                self.override_target(item.value, element(value) if value.allow else value)

    # -- parameters ----------------------------------------------------------------------------
    def param_value(self, param: cst.Param, function: cst.FunctionDef, position: int = -1) -> Val:
        name = param.name.value
        ann = param.annotation.annotation if param.annotation is not None else None
        if ann is not None and self.safe_annotation(ann):
            return SAFE
        if self.text_name(name):
            return Val(sqlish=True)
        if name in ("self", "cls"):
            return UNKNOWN
        typed_str = ann is not None and (dotted_name(ann) or "") in ("str", "typing.Text", "Text")
        facts = self._function_facts
        if facts is None or facts[0] is not function:  # the same for each of its parameters
            positional = list(function.params.posonly_params) + list(function.params.params)
            facts = self._function_facts = (
                function, self.handler_file and guards.looks_like_handler(function),
                bool(positional) and positional[0].name.value in ("self", "cls"))
        origin = Origin("parameter", name, param, function.name.value, typed_str=typed_str,
                        handler=facts[1], position=position, method=facts[2])
        return Val(origin=origin)

    # -- handlers: scopes and bindings ---------------------------------------------------------
    def on_module(self, node: cst.Module) -> None:
        for stmt in node.body:
            if type(stmt) is cst.ClassDef and guards.is_enum(stmt):
                self.enums.add(stmt.name.value)
        for stmt in node.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign:
                        value = self.ev(small.value)
                        for target in small.targets:
                            self.bind_target(target.target, value, small.value)
                    elif type(small) is cst.AnnAssign and small.value is not None:
                        self.bind_target(small.target, self.ev(small.value), small.value)

    def on_class(self, node: cst.ClassDef) -> None:
        if guards.is_enum(node):
            self.enums.add(node.name.value)
        self.scope.put(node.name.value, SAFE if node.name.value in self.enums else UNKNOWN)
        self.scope = Scope("class", self.scope, node.name.value)

    def on_function(self, node: cst.FunctionDef) -> None:
        params = node.params
        values = {}
        positional = list(params.posonly_params) + list(params.params)
        for index, param in enumerate(positional):
            values[param.name.value] = self.param_value(param, node, index)
        for param in params.kwonly_params:
            values[param.name.value] = self.param_value(param, node)
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                values[star.name.value] = UNKNOWN
        if self.scope.get(node.name.value) is None:
            self.scope.put(node.name.value, UNKNOWN)
        self.scope = Scope("function", self.scope, node.name.value)
        self.scope.vars.update(values)

    def leave_scope(self) -> None:
        if self.scope.parent is not None:
            self.scope = self.scope.parent

    def leave_function(self, node: cst.FunctionDef) -> None:
        scope = self.scope
        self.leave_scope()
        if scope.kind != "function" or not scope.returns:
            return
        result = scope.returns[0]
        for value in scope.returns[1:]:
            result = either(result, value)
        if result.taint is not None:
            # SQL built from the parameters and handed back: the caller composes it
            result = Val(sqlish=True)
        summary = Val(returns=Val(safe=result.safe, sqlish=result.sqlish, text=result.text,
                                  allow=result.allow))
        name = node.name.value
        if self.scope.kind == "class":
            self.scope.vars["self." + name] = summary
        self.scope.put(name, summary)

    def on_return(self, node: cst.Return) -> None:
        scope = self.scope
        if scope.kind == "function" and node.value is not None:
            scope.returns.append(self.ev(node.value))

    def enter_conditional(self, node=None) -> None:
        self.scope.open_block()

    def leave_conditional(self, node=None) -> None:
        if self._else_marks and self._else_marks[-1] == (id(self.scope), len(self.scope.blocks)):
            self._else_marks.pop()  # an `if`'s `else`: its block closes with the `if` (`leave_if`)
            return
        self.scope.close_block()

    def on_for(self, node: cst.For) -> None:
        self.scope.open_block()
        self.bind_loop_target(node.target, node.iter, override=False)

    def on_if(self, node: cst.If, parent=None) -> None:
        if type(parent) is cst.If and parent.orelse is node:
            self._enter_orelse(parent)
            self._opposite_of_guard(parent)  # `elif`: the branch where the `if` test failed
        self.scope.open_block()
        guard = guards.guard(self, node.test)
        before = None
        if guard is not None:
            before = self.lookup(guard[0]) or UNKNOWN
            if guard[1]:
                self.scope.put(guard[0], SAFE)
        self._ifs.append((node, guard, before))

    def on_else(self, node: cst.Else, parent) -> None:
        """The ``else`` of an ``if`` is its own branch: the guard proves the opposite there, and
        what the body bound is not seen (a loop's or a ``try``'s ``else`` is a block of its own)."""
        if type(parent) is cst.If and self._enter_orelse(parent):
            self._else_marks.append((id(self.scope), len(self.scope.blocks)))
        else:
            self.scope.open_block()
        self._opposite_of_guard(parent)

    def _enter_orelse(self, parent: cst.If) -> bool:
        """Set the body's bindings of ``parent`` aside and open the block of its other branch."""
        if not (self._ifs and self._ifs[-1][0] is parent and self.scope.blocks):
            return False
        self._bodies.append((parent, self.scope, self.scope.blocks.pop()))
        self.scope.open_block()
        return True

    def _opposite_of_guard(self, parent) -> None:
        if self._ifs and self._ifs[-1][0] is parent:
            _, guard, before = self._ifs[-1]
            if guard is not None:
                self.scope.put(guard[0], before if guard[1] else SAFE)

    def leave_if(self, node: cst.If) -> None:
        found = self._ifs.pop() if self._ifs and self._ifs[-1][0] is node else None
        guard = found[1] if found else None
        scope = self.scope
        other: Optional[Dict[str, Val]] = None
        if self._bodies and self._bodies[-1][0] is node and self._bodies[-1][1] is scope:
            body = self._bodies.pop()[2]
            other = scope.blocks.pop() if scope.blocks else {}
        else:
            body = scope.blocks.pop() if scope.blocks else {}
        if guard is not None and guard[1] and body.get(guard[0]) is SAFE and not (other and guard[0] in other):
            del body[guard[0]]  # safe inside the guarded branch only
        for name in list(body) + [n for n in (other or ()) if n not in body]:
            before = scope.get(name)
            if name in body and other is not None and name in other:
                scope.put(name, either(body[name], other[name]))  # one of the two branches ran
            else:
                value = body[name] if name in body else other[name]
                scope.put(name, value if before is None else either(before, value))
        if guard is None or guard[1]:
            return
        name = guard[0]
        if guards.terminates(node.body) or guards.assigns_safe(self, node.body, name):
            self.bind(name, SAFE, replace_old=True)

    def on_comprehension(self, node) -> None:
        """Comprehension targets, while the walk is inside it (``[text(f"..{i}") for i, x in ...]``)."""
        self._comp_saved.append(dict(self.overrides))
        comp = node.for_in
        while comp is not None:
            self.bind_loop_target(comp.target, comp.iter, override=True)
            comp = comp.inner_for_in

    def leave_comprehension(self, node) -> None:
        if self._comp_saved:
            self.overrides = self._comp_saved.pop()

    def on_assert(self, node: cst.Assert) -> None:
        guard = guards.guard(self, node.test)
        if guard is not None and guard[1]:
            self.bind(guard[0], SAFE, replace_old=True)

    def on_assign(self, node: cst.Assign) -> None:
        value = self.ev(node.value)
        if value.obj is None and type(node.value) in (cst.Name, cst.Attribute):
            value = replace(value, obj=self.qual(node.value))
        for target in node.targets:
            self.bind_target(target.target, value, node.value)

    def on_ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            value = self.ev(node.value)
            if self.safe_annotation(node.annotation.annotation):
                value = Val(safe=True, obj=value.obj)
            self.bind_target(node.target, value, node.value)

    def on_named_expr(self, node: cst.NamedExpr) -> None:
        if type(node.target) is cst.Name:
            self.bind(node.target.value, self.ev(node.value), replace_old=False)

    def on_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.bind_target(node.asname.name, Val(obj=self.qual(node.item)), None)

    def on_collection_call(self, node: cst.Call) -> None:
        """``parts.append(x)`` and friends merge ``x`` into ``parts``."""
        func = node.func
        if not (
            type(func) is cst.Attribute
            and type(func.value) is cst.Name
            and func.attr.value in COLLECTION_METHODS
            and node.args
        ):
            return
        name = func.value.value
        old = self.lookup(name)
        if old is None:
            return
        added = self.ev(node.args[-1].value)
        if func.attr.value == "extend":
            added = element(added)
        merged = Val(
            safe=old.safe and added.safe,
            taint=old.taint or added.taint,
            text=old.text if old.text is not None else added.text,
            allow=old.allow and added.safe,
            sqlish=(old.sqlish or old.safe) and (added.sqlish or added.safe)
            and not (old.safe and added.safe),
            obj=old.obj,
            origin=old.origin or added.origin,
            container=old.container,
            flows=merge_flows(old.flows, added.flows),
        )
        self.bind(name, merged, replace_old=True)

    # -- objects -------------------------------------------------------------------------------
    def qual(self, node: cst.BaseExpression) -> Optional[str]:
        """A qualified name for an object: the engine's, else this tracker's own bindings, else
        a name rooted in ``?`` that keeps the method chain (``?.cursor()``)."""
        qual = self.ctx.qualified_name(node)
        if qual:
            return qual
        if type(node) is cst.Name:
            found = self.lookup(node.value)
            return found.obj if found is not None else None
        if type(node) is cst.Attribute:
            if type(node.value) is cst.Name and node.value.value in ("self", "cls"):
                scope = self.class_scope()
                found = scope.vars.get("self." + node.attr.value) if scope is not None else None
                if found is not None and found.obj:
                    return found.obj
            base = self.qual(node.value) or "?"
            return f"{base}.{node.attr.value}"
        if type(node) is cst.Call:
            base = self.qual(node.func)
            return base + "()" if base else None
        if type(node) is cst.Await:
            return self.qual(node.expression)
        return None
