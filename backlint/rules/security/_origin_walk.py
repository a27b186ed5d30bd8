"""The value-origin tracker rides the shared walk once per file, whichever of BL310-BL313 run.

``OriginRule`` is the base of the four value-origin rules: its handlers feed one
``OriginValues`` per file (``ctx.shared``), so two rules seeing the same node update it once.
A rule implements ``sink_call`` (and, for returns, ``sink_return``) and calls ``flow`` to report
a finding whose message names the source and the sink with their lines; messages are written at
the end of the walk, when the lines are known.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Dict, List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks.origin_values import OriginValues
from ...frameworks.value_origin import Origin
from ...rule import Rule


class _Driver:
    """One tracker per file, and the last node each event was applied to (deduplication)."""

    def __init__(self, ctx) -> None:
        self.values = OriginValues(ctx)
        self.last: Dict[str, object] = {}

    def once(self, event: str, node) -> bool:
        if self.last.get(event) is node:
            return False
        self.last[event] = node
        return True


# (sink node, message builder given {id(node): line}, nodes whose lines are needed, severity,
# statement); plain `object` for the nodes: naming libcst types here would import libcst when
# the rules are registered, which a fully cached run must not do
Pending = Tuple[object, Callable[[Dict[int, int]], str], List[object], Optional[Severity], Optional[object]]


class OriginRule(Rule):
    """Base class of BL310-BL313 (not registered itself: it has no code)."""

    # A second, stricter pre-filter than ``text_markers``: every group must have a word in the
    # file's text, else the rule stays idle (and does not drive the tracker) for this file.
    requires: ClassVar[Tuple[Tuple[str, ...], ...]] = ()

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self.driver: _Driver = ctx.shared("origin-values", lambda: _Driver(ctx))
        self.values = self.driver.values
        self._pending: List[Pending] = []
        self._scopes: List[cst.CSTNode] = []
        self.active = type(self).required_words(ctx.text)

    @classmethod
    def required_words(cls, text: str) -> bool:
        return all(any(word in text for word in group) for group in cls.requires)

    @classmethod
    def text_filter(cls, text: str) -> bool:
        # an idle rule (no `requires` group met) reports nothing: not instantiated at all. A rule
        # that exports facts from files where it is idle widens this (BL312's re-export shims)
        return cls.required_words(text)

    # -- what a rule implements ----------------------------------------------------------------
    # Last names of the calls ``sink_call`` looks at (a cheap test before names are resolved);
    # empty: every call.
    sink_names: ClassVar[frozenset] = frozenset()

    def sink_call(self, node: cst.Call) -> None:
        pass

    def sink_return(self, node: cst.Return) -> None:
        pass

    # -- reporting -----------------------------------------------------------------------------
    def flow(self, sink: cst.CSTNode, build: Callable[[Dict[int, int]], str], nodes: List[cst.CSTNode],
             severity: Optional[Severity] = None) -> None:
        self._pending.append((sink, build, nodes, severity, self.ctx.enclosing_statement()))
        scope = self.ctx.enclosing_scope()  # where leave_Module's locate looks first
        if scope is not None:
            self._scopes.append(scope)

    @staticmethod
    def source(origin: Optional[Origin], lines: Dict[int, int]) -> str:
        """```request.GET["q"]` (line 12)``: the source of a flow with its line."""
        if origin is None:
            return "a value of unknown origin"
        line = lines.get(id(origin.node)) if origin.node is not None else None
        at = f" (line {line})" if line else ""
        what = {
            "exception": f"exception `{origin.name}`",
            "traceback": f"traceback text `{origin.name}`",
            "parameter": f"parameter `{origin.name}`",
        }.get(origin.kind, f"`{origin.name}`")
        return what + at

    @staticmethod
    def at(node: cst.CSTNode, lines: Dict[int, int]) -> str:
        line = lines.get(id(node))
        return f" (line {line})" if line else ""

    def leave_Module(self, node: cst.Module) -> None:
        if not self._pending:
            return
        wanted: List[cst.CSTNode] = []
        for sink, _, nodes, _, _ in self._pending:
            wanted.append(sink)
            wanted.extend(n for n in nodes if n is not None)
        lines = {key: pos[0] for key, pos in self.ctx.locate([], self._scopes, wanted).items()}  # lines only
        for sink, build, _, severity, statement in self._pending:
            self.report(sink, build(lines), severity=severity, statement=statement)
        self._pending, self._scopes = [], []

    # -- the tracker rides the walk ------------------------------------------------------------
    def _step(self, event: str, node, apply) -> None:
        if self.active and self.driver.once(event, node):
            apply(node)

    def visit_Module(self, node: cst.Module) -> None:
        self._step("module", node, self.values.on_module)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._step("class", node, self.values.on_class)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._step("/class", node, lambda n: self.values.leave_scope())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._step("function", node, self.values.on_function)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._step("/function", node, self.values.leave_function)

    def visit_Return(self, node: cst.Return) -> None:
        self._step("return", node, self.values.on_return)
        if self.active:
            self.sink_return(node)

    def _enter_conditional(self, node) -> None:
        self._step("cond", node, lambda n: self.values.enter_conditional())

    def _leave_conditional(self, node) -> None:
        self._step("/cond", node, lambda n: self.values.leave_conditional())

    visit_While = _enter_conditional
    leave_While = _leave_conditional
    visit_Try = _enter_conditional
    leave_Try = _leave_conditional
    visit_Match = _enter_conditional
    leave_Match = _leave_conditional
    leave_For = _leave_conditional

    def _enter_comprehension(self, node) -> None:
        self._step("comp", node, self.values.on_comprehension)

    def _leave_comprehension(self, node) -> None:
        self._step("/comp", node, self.values.leave_comprehension)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def visit_For(self, node: cst.For) -> None:
        self._step("for", node, self.values.on_for)

    def visit_If(self, node: cst.If) -> None:
        self._step("if", node, lambda n: self.values.on_if(n, self.ctx.parent()))

    def leave_If(self, node: cst.If) -> None:
        self._step("/if", node, self.values.leave_if)

    def visit_Else(self, node: cst.Else) -> None:
        self._step("else", node, lambda n: self.values.on_else(n, self.ctx.parent()))

    def leave_Else(self, node: cst.Else) -> None:
        self._step("/else", node, lambda n: self.values.leave_conditional())

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._step("except", node, self.values.on_except_handler)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._step("assign", node, self.values.on_assign)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._step("annassign", node, self.values.on_ann_assign)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._step("augassign", node, self.values.on_aug_assign)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._step("walrus", node, self.values.on_named_expr)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._step("with", node, self.values.on_with_item)

    def visit_Call(self, node: cst.Call) -> None:
        self._step("call", node, self.values.on_collection_call)
        if self.active:
            names = self.sink_names
            func = node.func
            # a method or module attribute must carry the sink's name; a bare name may be an
            # alias (`from subprocess import run as sh`), so it goes on to name resolution
            if names and type(func) is cst.Attribute and func.attr.value not in names:
                return
            self.sink_call(node)
