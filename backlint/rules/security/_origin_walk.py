"""The value-origin tracker rides the shared walk once per file, whichever of BL310-BL313 run.

``OriginRule`` is the base of the four value-origin rules: its handlers feed one
``OriginValues`` per file (``ctx.shared``), so two rules seeing the same node update it once.
A rule implements ``sink_call`` (and, for returns, ``sink_return``) and calls ``flow`` to report
a finding whose message names the source and the sink with their lines; messages are written at
the end of the walk, when the lines are known.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Dict, FrozenSet, List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks.origin_values import OriginValues
from ...frameworks.value_origin import COLLECTION_METHODS, Origin
from ...rule import Rule


class _Driver:
    """One tracker per file, and the rule instance that feeds it (the first active one). If that
    rule raises, the engine stops its handlers for the file (an internal error is reported), and
    the tracker stops with them: the other rules then check their sinks against what it knew."""

    def __init__(self, ctx) -> None:
        self.values = OriginValues(ctx)
        self.owner: Optional["OriginRule"] = None


# (sink node, message builder given {id(node): line}, nodes whose lines are needed, severity,
# statement, the scope that holds them); plain `object` for the nodes: naming libcst types here
# would import libcst when the rules are registered, which a fully cached run must not do
Pending = Tuple[object, Callable[[Dict[int, int]], str], List[object], Optional[Severity], Optional[object],
                Optional[object]]


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
        self.active = type(self).required_words(ctx.text)
        # the first active instance drives the tracker; the engine builds the instances in
        # order and dispatches their handlers in that order, so the owner's update of a node
        # precedes every other rule's sink check of it
        self.owner = self.active and self.driver.owner is None
        if self.owner:
            self.driver.owner = self

    def handlers_off(self) -> FrozenSet[str]:
        """The tracker-only handlers of an instance that does not drive the tracker (they were
        three-quarters of the family's dispatch with all four rules on)."""
        if self.owner:
            return frozenset()
        cls = type(self)
        off = _TRACKER_ONLY.get(cls)
        if off is None:
            # a handler the subclass overrides may do its own work: it stays (and its call of
            # the base method does nothing unless ``self.owner``)
            off = _TRACKER_ONLY[cls] = frozenset(
                name for name in _TRACKER_HANDLERS if getattr(cls, name) is getattr(OriginRule, name))
        return off

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
        self._pending.append((sink, build, nodes, severity, self.ctx.enclosing_statement(),
                              self.ctx.enclosing_scope()))  # where the engine looks for the nodes first

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
        # the lines a message names come from the engine's positions pass of the findings
        for sink, build, nodes, severity, statement, scope in self._pending:
            self.report(sink, build, severity=severity, statement=statement,
                        lines_of=[sink, *(n for n in nodes if n is not None)], scope=scope)
        self._pending = []

    # -- the tracker rides the walk ------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        if self.owner:
            self.values.on_module(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.owner:
            self.values.on_class(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if self.owner:
            self.values.leave_scope()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.owner:
            self.values.on_function(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.owner:
            self.values.leave_function(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self.owner:
            self.values.on_return(node)
        if self.active:
            self.sink_return(node)

    def _enter_conditional(self, node) -> None:
        if self.owner:
            self.values.enter_conditional()

    def _leave_conditional(self, node) -> None:
        if self.owner:
            self.values.leave_conditional()

    visit_While = _enter_conditional
    leave_While = _leave_conditional
    visit_Try = _enter_conditional
    leave_Try = _leave_conditional
    visit_Match = _enter_conditional
    leave_Match = _leave_conditional
    leave_For = _leave_conditional

    def _enter_comprehension(self, node) -> None:
        if self.owner:
            self.values.on_comprehension(node)

    def _leave_comprehension(self, node) -> None:
        if self.owner:
            self.values.leave_comprehension(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def visit_For(self, node: cst.For) -> None:
        if self.owner:
            self.values.on_for(node)

    def visit_If(self, node: cst.If) -> None:
        if self.owner:
            self.values.on_if(node, self.ctx.parent())

    def leave_If(self, node: cst.If) -> None:
        if self.owner:
            self.values.leave_if(node)

    def visit_Else(self, node: cst.Else) -> None:
        if self.owner:
            self.values.on_else(node, self.ctx.parent())

    def leave_Else(self, node: cst.Else) -> None:
        if self.owner:
            self.values.leave_conditional()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.owner:
            self.values.on_except_handler(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.owner:
            self.values.on_assign(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.owner:
            self.values.on_ann_assign(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.owner:
            self.values.on_aug_assign(node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.owner:
            self.values.on_named_expr(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.owner:
            self.values.on_with_item(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self.owner and type(func) is cst.Attribute and func.attr.value in COLLECTION_METHODS:
            self.values.on_collection_call(node)
        if self.active:
            names = self.sink_names
            # a method or module attribute must carry the sink's name; a bare name may be an
            # alias (`from subprocess import run as sh`), so it goes on to name resolution
            if names and type(func) is cst.Attribute and func.attr.value not in names:
                return
            self.sink_call(node)


# OriginRule's handlers that only feed the tracker (visit_Call and visit_Return check sinks too,
# leave_Module reports)
_TRACKER_HANDLERS = frozenset(
    name for name in OriginRule.handler_names() if name not in ("visit_Call", "visit_Return", "leave_Module"))
_TRACKER_ONLY: Dict[type, FrozenSet[str]] = {}
