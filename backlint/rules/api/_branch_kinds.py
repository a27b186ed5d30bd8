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
        if type(expr) is cst.Subscript:
            expr = expr.value
        elif type(expr) is cst.Attribute:
            if type(expr.value) is cst.Name and expr.value.value == "self" and expr.attr.value == "request":
                return "request"
            expr = expr.value
        elif type(expr) is cst.Call:
            expr = expr.func
        elif type(expr) is cst.Name:
            return expr.value
        else:
            return None


def _names_in(expr: cst.CSTNode) -> Set[str]:
    names, stack = set(), [expr]
    while stack:
        current = stack.pop()
        if type(current) is cst.Name:
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
            if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
                continue
            if type(current) is cst.Assign and len(current.targets) == 1 \
                    and type(current.targets[0].target) is cst.Name:
                name = current.targets[0].target.value
                if self.request_read(current.value):
                    self.request_names.add(name)
                    self._request_built.add(name)
                elif type(current.value) in (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp) or (
                        type(current.value) is cst.Call and _last(current.value.func) in _COLLECTION_CALLS):
                    self._built.add(name)
            elif type(current) is cst.Return and current.value is not None:
                self.shown |= _names_in(current.value)
            elif type(current) is cst.Call and response_call(current):
                for arg in current.args:
                    self.shown |= _names_in(arg.value)
            stack.extend(reversed(source_children(current)))  # source order: `data = request...` before its uses

    def request_read(self, expr: cst.BaseExpression) -> bool:
        """``request.GET.get("x")``, ``int(data["n"])``, ``request.get_json() or request.values``."""
        if type(expr) is cst.BooleanOperation:
            return self.request_read(expr.left) and self.request_read(expr.right)
        if type(expr) is cst.Call and _last(expr.func) in _CONVERSIONS and expr.args \
                and type(expr.func) is not cst.Attribute:
            return self.request_read(expr.args[0].value)
        if type(expr) in (cst.Attribute, cst.Subscript, cst.Call, cst.Name):
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
        if type(stmt) is cst.SimpleStatementLine:
            return all(self._small_ok(s) for s in stmt.body)
        if isinstance(stmt, cst.BaseSmallStatement):
            return self._small_ok(stmt)
        if type(stmt) is cst.If:
            return self.if_ok(stmt) and (type(stmt.orelse) is not cst.If or self._statement_ok(stmt.orelse))
        if type(stmt) is cst.For:
            return self.for_ok(stmt)
        if type(stmt) is cst.Try:
            return self._suite_ok(stmt.body) and all(self._suite_ok(h.body) for h in stmt.handlers) \
                and self._suite_ok(stmt.orelse.body if stmt.orelse else None) \
                and self._suite_ok(stmt.finalbody.body if stmt.finalbody else None)
        if type(stmt) is cst.With:
            return not any(self._busy(i) for i in stmt.items) and self._suite_ok(stmt.body)
        return False

    def _small_ok(self, small: cst.BaseSmallStatement) -> bool:
        if self._busy(small):
            return False
        if type(small) in (cst.Pass, cst.Continue, cst.Raise, cst.Return):
            return True
        if type(small) is cst.Expr:
            return type(small.value) is cst.Call and self._report_or_assemble(small.value)
        if type(small) is cst.Assign:
            return all(self._assign_ok(t.target, small.value) for t in small.targets)
        return False

    def _report_or_assemble(self, call: cst.Call) -> bool:
        name = _last(call.func)
        if name in REPORT_CALLS or _root_name(call.func) in REPORT_ROOTS:
            return True
        if name in MUTATORS and type(call.func) is cst.Attribute:
            return self._local_container(call.func.value)
        return False

    def _container_root(self, expr: cst.BaseExpression) -> bool:
        while type(expr) is cst.Subscript:
            expr = expr.value
        return type(expr) is cst.Name and (expr.value in self._built or expr.value in self.containers)

    def _local_container(self, expr: cst.BaseExpression) -> bool:
        while type(expr) is cst.Subscript:
            expr = expr.value
        return type(expr) is cst.Name and expr.value in self.containers

    def _assign_ok(self, target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
        if type(target) is cst.Subscript:
            # data["webcam"] = {...}: building the response; config["fps"] = fps: copying a parsed field
            return self._local_container(target) or (self._container_root(target) and self.request_read(value))
        if type(target) is not cst.Name:
            return False
        if type(value) is cst.Name and value.value == "None":
            return True
        if type(value) in (cst.Dict, cst.List) and target.value in self.containers:
            return True
        if type(value) is cst.Call and response_call(value):
            return True
        return self.request_read(value)

    # decision points
    def if_ok(self, node: cst.If) -> bool:
        orelse = node.orelse.body if type(node.orelse) is cst.Else else None
        return not self._busy(node.test) and self._suite_ok(node.body) and self._suite_ok(orelse)

    def for_ok(self, node: cst.For) -> bool:
        return not self._busy(node.iter) and self._suite_ok(node.body) \
            and self._suite_ok(node.orelse.body if node.orelse else None)

    def counted(self, nodes: Iterable[cst.CSTNode]) -> int:
        """How many of ``nodes`` (the handler's If/For/While nodes) are business decisions."""
        count = 0
        for node in nodes:
            if type(node) is cst.If and self.if_ok(node):
                continue
            if type(node) is cst.For and self.for_ok(node):
                continue
            count += 1
        return count


def presentational_ifexp(ancestors: Iterable[cst.CSTNode]) -> bool:
    """A conditional expression (ancestors nearest first) inside a response/context literal, the
    arguments of a response or render call, or a `return`: it picks what to show."""
    for node in ancestors:
        if type(node) in (cst.Dict, cst.DictElement, cst.Return):
            return True
        if type(node) is cst.Call and response_call(node):
            return True
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.Lambda,
                             cst.FunctionDef)):
            return False
    return False
