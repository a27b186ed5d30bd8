"""Paths written as expressions: literal pieces and references to constants, folded across files
by ``resolve.py``. Understands ``CONST + "/x"``, f-strings, and a small helper that returns a
prefixed path (``def prefixed(p): return PREFIX + p`` used as ``@app.route(prefixed("/x"))``)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..._lazy import cst
from ...semantics import positional_args
from .common import string_value


class PathParts:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def string_parts(self, node: Optional[cst.BaseExpression], depth: int = 0,
                     env: Optional[Dict[str, List[Any]]] = None) -> Optional[List[Any]]:
        """A string expression as literal pieces and references to constants, for cross-file folding."""
        if node is None or depth > 10:
            return None
        literal = string_value(node)
        if literal is not None:
            return [literal]
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.Add:
            left = self.string_parts(node.left, depth + 1, env)
            right = self.string_parts(node.right, depth + 1, env)
            return left + right if left is not None and right is not None else None
        if type(node) is cst.FormattedString:
            out: List[Any] = []
            for part in node.parts:
                if type(part) is cst.FormattedStringText:
                    out.append(part.value)
                elif type(part) is cst.FormattedStringExpression and part.format_spec is None \
                        and part.conversion is None:
                    inner = self.string_parts(part.expression, depth + 1, env)
                    if inner is None:
                        return None
                    out.extend(inner)
                else:
                    return None
            return out
        if type(node) is cst.Name:
            if env is not None:
                return env.get(node.value)  # inside a helper: only its parameters and constants
            if node.value in self.r.imports:
                return [{"ref": self.r.imports[node.value]}]
            return [{"ref": self.local_ref(node.value)}]
        if type(node) is cst.Attribute:
            qual = self.r.qualify(node)
            return [{"ref": qual}] if qual else None
        if type(node) is cst.Call and env is None:
            return self._helper_parts(node, depth)
        return None

    def _helper_parts(self, call: cst.Call, depth: int) -> Optional[List[Any]]:
        """``prefixed("/x")`` where ``prefixed`` is a function of this file whose body is one
        ``return`` of a string expression over its parameters and module constants."""
        if type(call.func) is not cst.Name or call.func.value not in self.functions \
                or any(a.keyword is not None or a.star for a in call.args):
            return None
        func = self.functions[call.func.value]
        body = func.body.body if type(func.body) is cst.IndentedBlock else ()
        stmts = [s for s in body if not (type(s) is cst.SimpleStatementLine and len(s.body) == 1
                                         and type(s.body[0]) is cst.Expr
                                         and type(s.body[0].value) in (cst.SimpleString, cst.ConcatenatedString))]
        if len(stmts) != 1 or type(stmts[0]) is not cst.SimpleStatementLine \
                or not isinstance(stmts[0].body[0], cst.Return) or stmts[0].body[0].value is None:
            return None
        params = [p.name.value for p in func.params.params]
        args = positional_args(call)
        if len(args) != len(params):
            return None
        env: Dict[str, List[Any]] = {}
        for name, arg in zip(params, args):
            parts = self.string_parts(arg.value, depth + 1)
            if parts is None:
                return None
            env[name] = parts
        for name in self.constants:
            env.setdefault(name, [{"ref": self.local_ref(name)}])
        for name, qual in self.r.imports.items():
            if name.isupper():
                env.setdefault(name, [{"ref": qual}])
        return self.string_parts(stmts[0].body[0].value, depth + 1, env)

    def _sum_of_lists(self, value: cst.BaseExpression) -> bool:
        """``common = base_patterns + control_patterns``: a sum whose first term is a known or
        imported list."""
        while type(value) is cst.BinaryOperation and type(value.operator) is cst.Add:
            value = value.left
        return type(value) is cst.Name and (value.value in self.lists or value.value in self.r.imports)
