"""Which of a handler's decision points are business decisions (BL104's branch count).

Parsing and validating the request, choosing the response and building it are the handler's own
job. A decision point (`if`/`elif`, a loop, a conditional expression) whose arms only do that is
not counted:

- reject or answer: `raise ...`, `abort(400)`, any `return` (no database access or side effect in
  what it returns): field-by-field validation, legacy-URL redirects, picking a template;
- report: `messages.error(...)`, `flash(...)`, logging;
- assemble: `context["k"] = v`, `data["a"]["b"] = v`, `context.update(...)`, `errors.append(...)`
  on a local container, `ctx = {...}`;
- parse: `n = int(data["n"])` (``data`` read from the request), `x = request.GET.get("x")`, a form
  or serializer built for the template or to validate (`form = PasswordForm(request.POST)`).

Anything else counts: a test or loop over something that touches the database or makes a side
effect, arms that compute values (`price = 30`, `query = query.filter(...)`), call other code or
write. A conditional expression counts unless it sits in a response/context literal, in the
arguments of a response or render call, or in a `return`.
"""
from __future__ import annotations

from typing import Iterable, Optional, Set

from ..._lazy import cst

from ...semantics import dotted_name
from ...walker import source_children

REQUEST_NAMES = frozenset({"request", "req"})
# calls that answer the request or build what it shows
RESPONSE_CALLS = frozenset({"render", "render_template", "render_to_response", "render_to_string", "redirect",
                            "redirect_to_url", "jsonify", "make_response", "abort", "url_for", "reverse",
                            "reverse_lazy", "urlencode", "Http404", "HTTPException", "PermissionDenied",
                            "ValidationError", "gettext", "gettext_lazy", "_", "ugettext", "pgettext", "ngettext"})
RESPONSE_SUFFIXES = ("Response", "Redirect", "Form", "FormSet", "Formset", "Serializer")
REPORT_ROOTS = frozenset({"messages", "logger", "log", "logging", "LOG", "LOGGER", "_logger", "_log", "warnings"})
REPORT_CALLS = frozenset({"flash", "abort", "show_form_errors"})
MUTATORS = frozenset({"append", "extend", "update", "setdefault", "insert"})
# names a handler conventionally gives the response, template context or validation errors it builds
CONTAINER_NAMES = frozenset({"context", "ctx", "extra_vars", "extra_context", "template_vars", "template_context",
                             "response", "resp", "response_data", "errors"})
_CONVERSIONS = frozenset({"int", "float", "str", "bool", "Decimal", "list", "tuple", "set", "len", "strip"})
_COLLECTION_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict"})


def _last(expr: cst.BaseExpression) -> str:
    return (dotted_name(expr) or "").rsplit(".", 1)[-1]


def _root_name(expr: cst.BaseExpression) -> Optional[str]:
    """``data["a"]["b"]`` / ``context.update`` / ``request.GET.get("x")`` -> the name it starts from."""
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Attribute):
            if isinstance(expr.value, cst.Name) and expr.value.value == "self" and expr.attr.value == "request":
                return "request"
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Name):
            return expr.value
        else:
            return None


def _names_in(expr: cst.CSTNode) -> Set[str]:
    names, stack = set(), [expr]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        stack.extend(source_children(current))
    return names


def response_call(call: cst.Call) -> bool:
    name = _last(call.func)
    return name in RESPONSE_CALLS or name.endswith(RESPONSE_SUFFIXES)


class BranchKinds:
    """Classifies the decision points of one handler; ``busy`` holds the ids of its database
    accesses and side-effect calls."""

    def __init__(self, func: cst.FunctionDef, busy: Set[int]) -> None:
        self.busy = busy
        self.request_names: Set[str] = set(REQUEST_NAMES)
        self.containers: Set[str] = set(CONTAINER_NAMES)
        self.shown: Set[str] = set()  # names returned or passed to a response/render call
        self._learn(func.body)
        # a local container counts as the response only when it is shown: `update_data` handed to
        # a repository is the use case's input, not presentation
        self.containers = set(CONTAINER_NAMES) | (self._built & self.shown) | self._request_built

    # names read from the request, and containers built locally
    def _learn(self, node: cst.CSTNode) -> None:
        self._built: Set[str] = set()
        self._request_built: Set[str] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
                continue
            if isinstance(current, cst.Assign) and len(current.targets) == 1 \
                    and isinstance(current.targets[0].target, cst.Name):
                name = current.targets[0].target.value
                if self.request_read(current.value):
                    self.request_names.add(name)
                    self._request_built.add(name)
                elif isinstance(current.value, (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp)) or (
                        isinstance(current.value, cst.Call) and _last(current.value.func) in _COLLECTION_CALLS):
                    self._built.add(name)
            elif isinstance(current, cst.Return) and current.value is not None:
                self.shown |= _names_in(current.value)
            elif isinstance(current, cst.Call) and response_call(current):
                for arg in current.args:
                    self.shown |= _names_in(arg.value)
            stack.extend(reversed(source_children(current)))  # source order: `data = request...` before its uses

    def request_read(self, expr: cst.BaseExpression) -> bool:
        """``request.GET.get("x")``, ``int(data["n"])``, ``request.get_json() or request.values``."""
        if isinstance(expr, cst.BooleanOperation):
            return self.request_read(expr.left) and self.request_read(expr.right)
        if isinstance(expr, cst.Call) and _last(expr.func) in _CONVERSIONS and expr.args \
                and not isinstance(expr.func, cst.Attribute):
            return self.request_read(expr.args[0].value)
        if isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call, cst.Name)):
            return _root_name(expr) in self.request_names
        return False

    def _busy(self, node: cst.CSTNode) -> bool:
        if not self.busy:
            return False
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in self.busy:
                return True
            stack.extend(source_children(current))
        return False

    # statements
    def _suite_ok(self, suite: Optional[cst.BaseSuite]) -> bool:
        if suite is None:
            return True
        return all(self._statement_ok(s) for s in suite.body)

    def _statement_ok(self, stmt: cst.CSTNode) -> bool:
        if isinstance(stmt, cst.SimpleStatementLine):
            return all(self._small_ok(s) for s in stmt.body)
        if isinstance(stmt, cst.BaseSmallStatement):
            return self._small_ok(stmt)
        if isinstance(stmt, cst.If):
            return self.if_ok(stmt) and (not isinstance(stmt.orelse, cst.If) or self._statement_ok(stmt.orelse))
        if isinstance(stmt, cst.For):
            return self.for_ok(stmt)
        if isinstance(stmt, cst.Try):
            return self._suite_ok(stmt.body) and all(self._suite_ok(h.body) for h in stmt.handlers) \
                and self._suite_ok(stmt.orelse.body if stmt.orelse else None) \
                and self._suite_ok(stmt.finalbody.body if stmt.finalbody else None)
        if isinstance(stmt, cst.With):
            return not any(self._busy(i) for i in stmt.items) and self._suite_ok(stmt.body)
        return False

    def _small_ok(self, small: cst.BaseSmallStatement) -> bool:
        if self._busy(small):
            return False
        if isinstance(small, (cst.Pass, cst.Continue, cst.Raise, cst.Return)):
            return True
        if isinstance(small, cst.Expr):
            return isinstance(small.value, cst.Call) and self._report_or_assemble(small.value)
        if isinstance(small, cst.Assign):
            return all(self._assign_ok(t.target, small.value) for t in small.targets)
        return False

    def _report_or_assemble(self, call: cst.Call) -> bool:
        name = _last(call.func)
        if name in REPORT_CALLS or _root_name(call.func) in REPORT_ROOTS:
            return True
        if name in MUTATORS and isinstance(call.func, cst.Attribute):
            return self._local_container(call.func.value)
        return False

    def _container_root(self, expr: cst.BaseExpression) -> bool:
        while isinstance(expr, cst.Subscript):
            expr = expr.value
        return isinstance(expr, cst.Name) and (expr.value in self._built or expr.value in self.containers)

    def _local_container(self, expr: cst.BaseExpression) -> bool:
        while isinstance(expr, cst.Subscript):
            expr = expr.value
        return isinstance(expr, cst.Name) and expr.value in self.containers

    def _assign_ok(self, target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
        if isinstance(target, cst.Subscript):
            # data["webcam"] = {...}: building the response; config["fps"] = fps: copying a parsed field
            return self._local_container(target) or (self._container_root(target) and self.request_read(value))
        if not isinstance(target, cst.Name):
            return False
        if isinstance(value, cst.Name) and value.value == "None":
            return True
        if isinstance(value, (cst.Dict, cst.List)) and target.value in self.containers:
            return True
        if isinstance(value, cst.Call) and response_call(value):
            return True
        return self.request_read(value)

    # decision points
    def if_ok(self, node: cst.If) -> bool:
        orelse = node.orelse.body if isinstance(node.orelse, cst.Else) else None
        return not self._busy(node.test) and self._suite_ok(node.body) and self._suite_ok(orelse)

    def for_ok(self, node: cst.For) -> bool:
        return not self._busy(node.iter) and self._suite_ok(node.body) \
            and self._suite_ok(node.orelse.body if node.orelse else None)

    def counted(self, nodes: Iterable[cst.CSTNode]) -> int:
        """How many of ``nodes`` (the handler's If/For/While nodes) are business decisions."""
        count = 0
        for node in nodes:
            if isinstance(node, cst.If) and self.if_ok(node):
                continue
            if isinstance(node, cst.For) and self.for_ok(node):
                continue
            count += 1
        return count


def presentational_ifexp(ancestors: Iterable[cst.CSTNode]) -> bool:
    """A conditional expression (ancestors nearest first) inside a response/context literal, the
    arguments of a response or render call, or a `return`: it picks what to show."""
    for node in ancestors:
        if isinstance(node, (cst.Dict, cst.DictElement, cst.Return)):
            return True
        if isinstance(node, cst.Call) and response_call(node):
            return True
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.Lambda,
                             cst.FunctionDef)):
            return False
    return False
