"""Shared plumbing of the rules that follow calls from a root to an effect (BL402, BL404, BL405).

Not a rule itself (no code). A subclass says what an effect is (``effect``), which functions are
roots (``root_label``), whether a call carries a callee's effects to its caller (``follow``) and
how to word a finding (``message``). Effects directly in a root, and chains that stay in the file,
are reported by the walk; chains through other modules by ``check_project`` from the facts.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from ..._lazy import cst

from ...frameworks import call_chains as cc
from ...frameworks import roles
from ...frameworks.orm import module_name
from ...project import ProjectReport
from ...rule import Rule


class ChainRule(Rule):
    skip_roles = roles.NOT_REQUEST_PATH

    # -- what a subclass says ------------------------------------------------------------------
    def effect(self, node: cst.Call, frame: cc.Frame) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError

    def root_label(self, node: cst.FunctionDef, qualname: Optional[str]) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def follow(callee_async: bool, awaited: bool) -> bool:
        return True

    @classmethod
    def message(cls, root: str, chain: List[str], extra: Dict[str, Any]) -> str:  # pragma: no cover
        raise NotImplementedError

    def extra(self) -> Dict[str, Any]:
        """File-level data the message needs in the project pass too (BL405: the queue in use)."""
        return {}

    # -- the walk ------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._frames: Dict[str, cc.Frame] = {}
        self._stack: List[cc.Frame] = []
        self._classes: List[Optional[str]] = []
        self._module_funcs: Set[str] = {s.name.value for s in node.body if type(s) is cst.FunctionDef}
        self._roots: List[cc.Frame] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        top = not self._stack and not self._classes
        self._classes.append(node.name.value if top else None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name: Optional[str] = None
        if not self._stack:
            if not self._classes:
                name = node.name.value
            elif len(self._classes) == 1 and self._classes[0]:
                name = f"{self._classes[0]}.{node.name.value}"
        frame = cc.Frame(name, node.asynchronous is not None, node)
        label = self.root_label(node, name)
        if label is not None:
            frame.is_root, frame.root_label = True, label
            self._roots.append(frame)
        self._stack.append(frame)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self._stack.pop()
        if frame.name is not None:
            self._frames[frame.name] = frame

    def visit_Call(self, node: cst.Call) -> None:
        if not self._stack:
            return
        frame = self._stack[-1]
        for ancestor in reversed(self.ctx.ancestors):
            if ancestor is frame.node:
                break
            if type(ancestor) is cst.Lambda:
                return  # deferred: `on_commit(lambda: ...)`, `sync_to_async(lambda: ...)`
        found = self.effect(node, frame)
        if found is not None:
            frame.effects.append((found, node, self.ctx.enclosing_statement()))
            return
        ref = self._callee_ref(node.func)
        if ref is not None:
            parent = self.ctx.ancestors[-1] if self.ctx.ancestors else None
            frame.calls.append((ref, node, type(parent) is cst.Await, self.ctx.enclosing_statement()))

    def _callee_ref(self, func: cst.BaseExpression) -> Optional[str]:
        if type(func) is cst.Name:
            qual = self.ctx.qualified_name(func)
            if qual is None:
                return "local:" + func.value if func.value in self._module_funcs else None
            return cc.project_ref(qual)
        if type(func) is cst.Attribute:
            if type(func.value) is cst.Name and func.value.value == "self":
                cls = self._classes[-1] if len(self._classes) == 1 else None
                return f"local:{cls}.{func.attr.value}" if cls else None
            return cc.project_ref(self.ctx.qualified_name(func))
        return None

    def leave_Module(self, node: cst.Module) -> None:
        local = cc.LocalIndex(self._frames)
        extra = self.extra()
        self._pending: List[Tuple[str, str, bool, cst.Call]] = []
        self._scopes: List[cst.CSTNode] = []  # the pending calls' statements: where ``facts`` locates them
        for root in self._roots:
            for display, effect_node, stmt in root.effects:
                self.report(effect_node, self.message(root.root_label, [display], extra), statement=stmt)
            for ref, call, awaited, stmt in root.calls:
                if ref.startswith("local:"):
                    callee = self._frames.get(ref[6:])
                    if callee is None or not self.follow(callee.is_async, awaited):
                        continue
                    chain = local.chain(ref[6:], self.follow)
                    if chain:
                        self.report(call, self.message(root.root_label, chain, extra), statement=stmt)
                        continue
                self._pending.append((root.root_label, ref, awaited, call))
                if stmt is not None:
                    self._scopes.append(stmt)

    # -- facts and the project pass --------------------------------------------------------------
    def facts(self) -> Any:
        frames = getattr(self, "_frames", None)
        if frames is None:
            return None
        pending = getattr(self, "_pending", [])
        positions = self.ctx.locate([call for *_rest, call in pending], getattr(self, "_scopes", ())) if pending else {}
        sites = [(label, ref, awaited, positions[id(call)]) for label, ref, awaited, call in pending
                 if id(call) in positions]
        path = self.ctx.path
        return cc.facts_for(frames, sites, module_name(path), os.path.basename(path) == "__init__.py",
                            self.extra())

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        all_facts = list(index.facts(cls.code))
        chains = cc.ProjectChains(all_facts)
        for path, fact in all_facts:
            mod, pkg = fact.get("mod") or "", bool(fact.get("pkg"))
            for label, ref, awaited, pos in fact.get("sites", ()):
                full = chains.full_name(ref, mod, pkg)
                if full is None or not cls.follow(chains.funcs[full].get("a", False), awaited):
                    continue
                chain = chains.chain(full, cls.follow)
                if chain:
                    yield ProjectReport(path, pos[0], pos[1], pos[2], pos[3],
                                        cls.message(label, chain, fact.get("x", {})))
