"""What a SQL value is, judged from code elsewhere in the file: the ``SqlValues`` half that
rides bindings rather than single expressions.

- facts other code states (``sql_trusted``): ``type=int`` options, numeric-default settings,
  constant ContextVars, session ids a class's ``get_<name>()`` reads from the server;
- an attribute checked once against an allow-list (``if self.mode not in MODES: raise`` in
  ``__init__``) is safe in every method of the class;
- ``return a, b`` keeps what each element is, so ``value, placeholder = _as_sql(...)`` binds
  each name to its own part; ``for p, f in zip(names, fields)`` binds each target to an
  element of its own iterable;
- ``groups[key].append(x)`` merges ``x`` into the dict of lists ``groups``.
"""
from __future__ import annotations

from typing import List, Optional

from .._lazy import cst

from ..semantics import dotted_name
from . import sql_callers as callers
from . import sql_checked as checked
from . import sql_owned as owned
from . import sql_trusted as trusted
from .value_origin import SAFE, Origin, Val, either, element

# the origin of a value that is a part of a later method's tuple return (see `bind_target`)
DEFERRED = "deferred"


class SqlFlow:
    """Mixed into ``sql_values.SqlValues`` (before ``ValueTracker``)."""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)  # type: ignore[call-arg]
        self.facts = trusted.FileFacts()
        self._session_params: List[frozenset] = []  # per open class: see `sql_trusted`
        self._tuple_returns: List[list] = []  # per open function: each `return a, b` evaluated
        self._tuple_parts: dict = {}  # function (`f`, `self.m`) -> what each element of its tuple is
        self._validators: dict = {}  # `check_fields` -> (parameter index, keys it checks): sql_checked
        self._keys: List[dict] = [{}]  # per open function: list variable -> keys safe in every entry
        self._loops: List[dict] = [{}]  # per open function: loop variable -> the list it walks
        self.alembic_helpers: dict = {}  # `def f(op, name)` calling `op.execute()`: sql_owned
        self.defined: frozenset = frozenset()  # the module's functions and methods (`f`, `self.m`)
        self._returns: dict = {}  # function (`f`, `self.m`) -> what its calls return

    def on_module(self, node: cst.Module) -> None:
        text = getattr(self.ctx, "text", "") or ""
        self.facts = trusted.FileFacts.of(node, text)
        if "raise" in text and "valid" in text:
            self._validators = checked.validators(node)
        self.defined = frozenset(callers.defined_functions(node))
        super().on_module(node)

    def on_class(self, node: cst.ClassDef) -> None:
        has_getter = "get_" in (getattr(self.ctx, "text", "") or "")
        self._session_params.append(trusted.session_value_params(node) if has_getter else frozenset())
        super().on_class(node)

    def leave_class(self) -> None:
        if self._session_params:
            self._session_params.pop()
        self.leave_scope()

    def param_value(self, param: cst.Param, function: cst.FunctionDef, position: int = -1) -> Val:
        if self._session_params and param.name.value in self._session_params[-1] \
                and self.scope.kind == "class":
            return SAFE  # `cancel_query_id` of a class whose `get_cancel_query_id()` asks the server
        if param.name.value != "op" and owned.alembic_helper(self, function):
            return SAFE  # a name an Alembic migration hands its helper
        return super().param_value(param, function, position)

    def bind(self, name: str, value: Val, replace_old: Optional[bool] = None) -> None:
        if name.startswith("self."):
            # `if self.mode not in ALLOWED: raise` checked the attribute for the whole class
            scope = self.class_scope()
            if scope is not None and value.safe and replace_old:
                scope.vars[name] = value
            return
        super().bind(name, value, replace_old)

    def on_function(self, node: cst.FunctionDef) -> None:
        super().on_function(node)
        self._tuple_returns.append([])
        self._keys.append({})
        self._loops.append({})

    def on_return(self, node: cst.Return) -> None:
        super().on_return(node)
        if self._tuple_returns and self.scope.kind == "function":
            value = node.value
            parts = [self.ev(e.value) for e in value.elements] \
                if type(value) is cst.Tuple and not any(type(e) is cst.StarredElement for e in value.elements) \
                else None
            self._tuple_returns[-1].append(parts)

    def leave_function(self, node: cst.FunctionDef) -> None:
        returns = self._tuple_returns.pop() if self._tuple_returns else []
        if len(self._keys) > 1:
            self._keys.pop()
            self._loops.pop()
        super().leave_function(node)
        key = ("self." if self.scope.kind == "class" else "") + node.name.value
        summary = self.scope.vars.get(key) if self.scope.kind == "class" else self.scope.get(key)
        if summary is not None and summary.returns is not None:
            old = self._returns.get(key)  # two classes' `self.m`: safe only if both are
            self._returns[key] = summary.returns if old is None else either(old, summary.returns)
        if returns and all(r is not None and len(r) == len(returns[0]) for r in returns):
            parts = list(returns[0])
            for other in returns[1:]:
                parts = [either(a, b) for a, b in zip(parts, other)]
            key = ("self." if self.scope.kind == "class" else "") + node.name.value
            # `value, placeholder = _as_sql(...)`; as for whole returns, SQL built from the
            # function's parameters is composition to the caller, and origins stay inside
            self._tuple_parts[key] = [
                Val(sqlish=True) if p.taint is not None else
                Val(safe=p.safe, sqlish=p.sqlish, text=p.text, allow=p.allow, container=p.container)
                for p in parts
            ]
        else:
            self._tuple_parts.pop(("self." if self.scope.kind == "class" else "") + node.name.value, None)

    def bind_target(self, target: cst.BaseExpression, value: Val, node: Optional[cst.BaseExpression]) -> None:
        if type(target) in (cst.Tuple, cst.List) and type(node) is cst.Call:
            key = _function_key(node.func)
            parts = self._tuple_parts.get(key) if key else None
            known = key is not None and (
                self.self_attribute(key[5:]) is not None if key.startswith("self.") else self.lookup(key) is not None
            )
            if parts is not None and known and len(parts) == len(target.elements):
                for item, part in zip(target.elements, parts):
                    self.bind_target(item.value, part, None)
                return
            if key is not None and key.startswith("self.") and not known:
                # a method defined further down the class: what each part is, is decided when
                # the file has been read (`resolve_deferred`)
                for index, item in enumerate(target.elements):
                    self.bind_target(item.value, Val(origin=Origin(DEFERRED, f"{key}#{index}")), None)
                return
        super().bind_target(target, value, node)

    def later_call(self, key: str, obj) -> Optional[Val]:
        """A call of a function of this module defined further down (``key`` is ``f`` or
        ``self.m``): what it returns is decided when the file has been read."""
        return Val(obj=obj, origin=Origin(DEFERRED, key)) if key in self.defined else None

    def resolve_deferred(self, origin) -> bool:
        """True when ``origin`` is the result of a function defined further down that returns
        safe text or composed SQL, or part ``i`` of a method's tuple return shown safe."""
        if origin is None or origin.kind != DEFERRED:
            return False
        if "#" not in origin.name:
            found = self._returns.get(origin.name)
            return found is not None and (found.safe or found.sqlish)
        key, _, index = origin.name.rpartition("#")
        parts = self._tuple_parts.get(key)
        return parts is not None and index.isdigit() and int(index) < len(parts) and parts[int(index)].safe

    # -- keys of lists of dicts (sql_checked) ----------------------------------------------------
    def checked_key(self, node: cst.Subscript) -> bool:
        """``f["type"]`` where every entry of the list ``f`` comes from has ``type`` safe."""
        pair = checked.subscript_key(node)
        keys = self._keys[-1].get(pair[0]) if pair is not None else None
        return keys is not None and (keys is checked.ALL or pair[1] in keys)

    def _entry_keys(self, node: cst.BaseExpression):
        return checked.entry_keys(node, self._keys[-1], lambda n: self.ev(n).safe)

    def _note_keys(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        keys, loops = self._keys[-1], self._loops[-1]
        if type(target) is cst.Name:
            found = self._entry_keys(value) if value is not None else None
            loops.pop(target.value, None)
            if found is None:
                keys.pop(target.value, None)
            else:
                keys[target.value] = found
        elif type(target) is cst.Subscript and value is not None and not self.ev(value).safe:
            pair = checked.subscript_key(target)  # `f["type"] = x`: the list `f` walks changes too
            if pair is not None:
                for name in (pair[0], loops.get(pair[0])):
                    if name in keys and keys[name] is not checked.ALL:
                        keys[name] = keys[name] - {pair[1]}
                    elif name in keys:
                        keys.pop(name)

    def on_assign(self, node: cst.Assign) -> None:
        super().on_assign(node)
        for target in node.targets:
            owned.note_store(self, target.target)  # `d[name] = v`: are `d`'s keys still fixed?
        if len(node.targets) == 1:
            self._note_keys(node.targets[0].target, node.value)
        else:
            for target in node.targets:
                self._note_keys(target.target, None)

    def on_ann_assign(self, node: cst.AnnAssign) -> None:
        super().on_ann_assign(node)
        self._note_keys(node.target, node.value)

    def _keys_call(self, node: cst.Call) -> None:
        func = node.func
        keys = self._keys[-1]
        if type(func) is cst.Name and func.value in self._validators and self.scope.cond == 0:
            index, validated = self._validators[func.value]
            positional = [a for a in node.args if a.keyword is None and not a.star]
            if index < len(positional) and isinstance(positional[index].value, cst.Name):
                name = positional[index].value.value
                old = keys.get(name)
                keys[name] = old if old is checked.ALL else (old or frozenset()) | validated
            return
        if type(func) is cst.Attribute and type(func.value) is cst.Name \
                and func.value.value in keys and func.attr.value in ("append", "extend", "insert") and node.args:
            name = func.value.value
            added = node.args[-1].value
            found = self._entry_keys(added) if func.attr.value == "extend" else (
                self._entry_keys(cst.List([cst.Element(added)])) if type(added) is cst.Dict
                else (keys.get(added.value) if type(added) is cst.Name else None))
            merged = checked.meet(keys[name], found)
            if merged is None:
                keys.pop(name)
            else:
                keys[name] = merged

    def on_collection_call(self, node: cst.Call) -> None:
        """``groups[key].append(x)`` merges ``x`` into ``groups`` (a dict of lists)."""
        self._keys_call(node)
        owned.note_call(self, node)
        func = node.func
        if (
            type(func) is cst.Attribute and type(func.value) is cst.Subscript
            and type(func.value.value) is cst.Name
            and func.attr.value in ("append", "extend", "add") and node.args
        ):
            name = func.value.value.value
            old = self.lookup(name)
            if old is None or not old.container:
                return
            added = self.ev(node.args[-1].value)
            if func.attr.value == "extend":
                added = element(added)
            merged = Val(safe=old.safe and added.safe, taint=old.taint or added.taint,
                         allow=old.allow and added.safe,
                         sqlish=(old.sqlish or old.safe) and (added.sqlish or added.safe)
                         and not (old.safe and added.safe),
                         origin=old.origin or added.origin, container=True)
            self.bind(name, merged, replace_old=True)
            return
        super().on_collection_call(node)

    def bind_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression, override: bool) -> None:
        """``for p, field in zip(names, fields)``: each target is an element of its own iterable."""
        if (
            type(iterable) is cst.Call and type(iterable.func) is cst.Name
            and iterable.func.value == "zip" and type(target) in (cst.Tuple, cst.List)
            and len(target.elements) == len(iterable.args) and not any(a.star for a in iterable.args)
        ):
            put = self.override_target if override else (lambda t, v: self.bind_target(t, v, None))
            for item, arg in zip(target.elements, iterable.args):
                put(item.value, element(self.ev(arg.value)))
            return
        if type(target) is cst.Name:
            keys, loops = self._keys[-1], self._loops[-1]
            source = keys.get(iterable.value) if type(iterable) is cst.Name else None
            if source is not None:
                keys[target.value] = source
                loops[target.value] = iterable.value
            else:
                keys.pop(target.value, None)
                loops.pop(target.value, None)
        put = self.override_target if override else (lambda t, v: self.bind_target(t, v, None))
        if owned.bind_loop(self, target, iterable, put):
            return  # the keys of a dict the code keyed itself
        super().bind_loop_target(target, iterable, override)

    def _number_default(self, node: cst.BaseExpression) -> bool:
        if trusted.is_number_literal(node):
            return True
        if type(node) is cst.Name and node.value not in ("True", "False", "None"):
            found = self.lookup(node.value)
            return found is not None and found.safe and found.text is None \
                and not found.allow and not found.container
        return False

    def _trusted_get(self, base_node, args) -> bool:
        """``options.pop("lock_id")`` (a ``type=int`` option), ``context.get("timeout", 60000)``
        (a setting whose default is a number), ``MODE.get()`` is handled by ``_call``."""
        key = args[0].value
        key_text = str(key.evaluated_value) if type(key) is cst.SimpleString else None
        if self.facts.number_options and self.facts.option_value(base_node, key_text):
            return True
        return len(args) > 1 and trusted.config_name(base_node) and self._number_default(args[1].value)


def option_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
        return None
    key = node.slice[0].slice.value
    return str(key.evaluated_value) if type(key) is cst.SimpleString else None


def _function_key(func: cst.BaseExpression) -> Optional[str]:
    """``f`` -> ``f``; ``self.m`` / ``cls.m`` -> ``self.m``; anything else None."""
    if type(func) is cst.Name:
        return func.value
    if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value in ("self", "cls"):
        return "self." + func.attr.value
    return None
