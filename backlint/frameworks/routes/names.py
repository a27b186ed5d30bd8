"""Names in one file, as route discovery needs them: what each imported or local name refers to,
and every statement of the file in source order."""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..._lazy import cst
from ...semantics import dotted_name


class _Resolver:
    """Imports anywhere in the file plus names defined in it: enough to qualify decorators."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self.module_name = module_name
        self.package = module_name if is_package else module_name.rpartition(".")[0]
        self.imports: Dict[str, str] = {}
        self.local: Dict[str, str] = {}

    def add_import(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.imports[alias.asname.name.value] = full
                else:
                    top = full.split(".", 1)[0]
                    self.imports[top] = top
        elif type(node) is cst.ImportFrom:
            module = dotted_name(node.module) if node.module is not None else ""
            if node.relative:
                base = self.package
                for _ in range(len(node.relative) - 1):
                    base = base.rpartition(".")[0]
                module = ".".join(p for p in (base, module) if p)
            if type(node.names) is cst.ImportStar:
                return
            for alias in node.names:
                if type(alias.name) is not cst.Name:
                    continue
                local = alias.name.value
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    local = alias.asname.name.value
                self.imports[local] = f"{module}.{alias.name.value}" if module else alias.name.value

    def qualify(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        if type(node) is cst.Name:
            if node.value in self.local:
                return self.local[node.value]
            return self.imports.get(node.value)
        if type(node) is cst.Attribute:
            base = self.qualify(node.value)
            return f"{base}.{node.attr.value}" if base else None
        if type(node) is cst.Call:
            base = self.qualify(node.func)
            return base + "()" if base else None
        return None


def _statements(body: Sequence[cst.CSTNode]) -> Iterable[cst.CSTNode]:
    """Every statement, recursively (function and class bodies included), in source order."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        stack.extend(reversed(_inner_statements(stmt)))


def statements_and_functions(body: Sequence[cst.CSTNode]) -> Tuple[List[cst.CSTNode], Dict[int, cst.FunctionDef]]:
    """``_statements(body)`` as a list, and by statement id the innermost function (with an
    indented body) each is written in: one pass, where asking ``_statements`` again inside
    every function costs a pass per nesting level."""
    out: List[cst.CSTNode] = []
    enclosing: Dict[int, cst.FunctionDef] = {}
    stack: List[Tuple[cst.CSTNode, Optional[cst.FunctionDef]]] = [(stmt, None) for stmt in reversed(body)]
    function_def, block = cst.FunctionDef, cst.IndentedBlock
    while stack:
        stmt, func = stack.pop()
        out.append(stmt)
        if func is not None:
            enclosing[id(stmt)] = func
        children = _inner_statements(stmt)
        if children:
            inner = stmt if isinstance(stmt, function_def) and isinstance(stmt.body, block) else func
            stack.extend((child, inner) for child in reversed(children))
    return out, enclosing


def _inner_statements(stmt: cst.CSTNode) -> List[cst.CSTNode]:
    children: List[cst.CSTNode] = []
    if type(stmt) in (cst.FunctionDef, cst.With, cst.For, cst.While, cst.If, cst.Try):
        inner = getattr(stmt, "body", None)
        if isinstance(inner, cst.BaseSuite):
            children.extend(getattr(inner, "body", ()))
        for handler in getattr(stmt, "handlers", ()) or ():
            children.extend(handler.body.body)
        orelse = getattr(stmt, "orelse", None)
        if orelse is not None:
            if type(orelse) is cst.If:
                children.append(orelse)
            else:
                children.extend(getattr(orelse.body, "body", ()))
        final = getattr(stmt, "finalbody", None)
        if final is not None:
            children.extend(final.body.body)
    return children
