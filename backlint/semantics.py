"""Light name resolution shared by every rule.

libcst's ``QualifiedNameProvider`` + ``ScopeProvider`` cost ~13x the parse itself. Rules here
need much less: "what does this dotted name refer to, through imports and aliases?" and "which
constructor produced the object this variable holds?". The engine's walk feeds this table as it
goes (imports, assignments, ``with ... as``, parameters with annotations), so answers reflect the
bindings seen so far in textual order. That is an approximation of Python's scoping that is right
for the overwhelmingly common layouts (imports at the top, a variable assigned before use).

Qualified names use a small convention: a call result is written with ``()``, so after
``s = requests.Session()`` the expression ``s.get`` resolves to ``"requests.Session().get"``.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

from ._lazy import cst
from .walker import children

_UNKNOWN = object()


class Binding:
    """What a name is bound to: an imported object or an instance from a known constructor."""

    __slots__ = ("qualname", "origin")

    def __init__(self, qualname: str, origin: Optional[cst.Call] = None) -> None:
        self.qualname = qualname
        self.origin = origin  # the constructor call for instances

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Binding({self.qualname!r})"


ScopeValue = Union[Binding, object]


class Scope:
    __slots__ = ("kind", "names", "parent")

    def __init__(self, kind: str, parent: Optional["Scope"]) -> None:
        self.kind = kind  # "module" | "class" | "function"
        self.names: Dict[str, ScopeValue] = {}
        self.parent = parent


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for Name/Attribute chains, else None."""
    # exact type checks throughout this module: Name, Attribute and Call are concrete classes,
    # and isinstance against libcst's ABC-based node classes is several times slower
    attribute_t = cst.Attribute
    parts: List[str] = []
    while type(node) is attribute_t:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _import_name(node: Union[cst.Attribute, cst.Name]) -> str:
    name = dotted_name(node)
    assert name is not None
    return name


class Semantics:
    """Import aliases and instance bindings, maintained during the engine's walk."""

    def __init__(self, module_name: str = "") -> None:
        self.module_name = module_name
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.star_imports: List[str] = []
        # ``qualified_name`` is asked about the same node by many rules within one statement;
        # its answers are kept per node until a binding or the scope changes (``_version``).
        # The node is kept with the answer, so its id cannot be reused by another node.
        self._version = 0
        self._answers: Dict[int, Tuple[cst.CSTNode, int, Optional[str]]] = {}

    # -- scope management (called by the engine) -------------------------------------
    def push(self, kind: str) -> None:
        self._version += 1
        self.scope = Scope(kind, self.scope)

    def pop(self) -> None:
        if self.scope.parent is not None:
            self._version += 1
            self.scope = self.scope.parent

    def bind(self, name: str, value: ScopeValue) -> None:
        self._version += 1
        self.scope.names[name] = value

    def bind_unknown(self, name: str) -> None:
        self._version += 1
        self.scope.names[name] = _UNKNOWN

    def _class_scope(self) -> Optional[Scope]:
        scope: Optional[Scope] = self.scope
        while scope is not None:
            if scope.kind == "class":
                return scope
            scope = scope.parent
        return None

    def lookup(self, name: str) -> Optional[ScopeValue]:
        scope: Optional[Scope] = self.scope
        first = True
        while scope is not None:
            # class bodies are not visible from methods, as in Python
            if scope.kind != "class" or first:
                if name in scope.names:
                    return scope.names[name]
            first = False
            scope = scope.parent
        return None

    # -- recording ----------------------------------------------------------------------
    def record_import(self, node: Union[cst.Import, cst.ImportFrom]) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = _import_name(alias.name)
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.bind(alias.asname.name.value, Binding(full))
                else:
                    top = full.split(".", 1)[0]
                    self.bind(top, Binding(top))
            return
        module = dotted_name(node.module) if node.module is not None else ""
        if node.relative:
            module = "." * len(node.relative) + (module or "")
        if type(node.names) is cst.ImportStar:
            if module:
                self._version += 1
                self.star_imports.append(module)
            return
        for alias in node.names:
            if type(alias.name) is not cst.Name:
                continue
            imported = alias.name.value
            local = imported
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            if not module:
                qualname = imported
            elif module.endswith("."):  # from . import x  ->  .x
                qualname = module + imported
            else:
                qualname = f"{module}.{imported}"
            self.bind(local, Binding(qualname))

    def record_assignment(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        """Bind ``target`` to what ``value`` evaluates to, if we can tell; otherwise forget it."""
        binding: ScopeValue = _UNKNOWN
        if value is not None:
            if type(value) is cst.Call:
                callee = self.qualified_name(value.func)
                if callee is not None:
                    binding = Binding(callee + "()", value)
            elif type(value) in (cst.Name, cst.Attribute):
                existing = self.resolve_binding(value)
                if existing is not None:
                    binding = existing
        self._store(target, binding)

    def record_annotation(self, target: cst.BaseExpression, annotation: cst.BaseExpression) -> None:
        """``x: requests.Session`` makes ``x`` an instance of that type (no constructor known)."""
        qual = self.qualified_name(annotation)
        self._store(target, Binding(qual + "()") if qual else _UNKNOWN)

    def _store(self, target: cst.BaseExpression, binding: ScopeValue) -> None:
        if type(target) is cst.Name:
            self.bind(target.value, binding)
        elif (
            type(target) is cst.Attribute
            and type(target.value) is cst.Name
            and target.value.value in ("self", "cls")
        ):
            scope = self._class_scope()
            if scope is not None:
                self._version += 1
                scope.names["self." + target.attr.value] = binding
        elif type(target) in (cst.Tuple, cst.List):
            for element in target.elements:
                self._store(element.value, _UNKNOWN)

    # -- queries (used by rules through the file context) -------------------------------
    def resolve_binding(self, node: cst.BaseExpression) -> Optional[Binding]:
        node_t = type(node)
        if node_t is cst.Name:
            value = self.lookup(node.value)
            return value if type(value) is Binding else None
        if node_t is cst.Attribute and type(node.value) is cst.Name and node.value.value in ("self", "cls"):
            scope = self._class_scope()
            if scope is not None:
                value = scope.names.get("self." + node.attr.value)
                if value is None:
                    value = scope.names.get(node.attr.value)
                return value if type(value) is Binding else None
        return None

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        """Resolve a Name/Attribute/Call chain through imports and bindings, or None."""
        node_t = type(node)
        if node_t is not cst.Name and node_t is not cst.Attribute and node_t is not cst.Call:
            return None
        known = self._answers.get(id(node))
        if known is not None and known[0] is node and known[1] == self._version:
            return known[2]
        answer = self._qualified_name(node)
        self._answers[id(node)] = (node, self._version, answer)
        return answer

    def _qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        node_t = type(node)
        if node_t is cst.Name:
            value = self.lookup(node.value)
            if type(value) is Binding:
                return value.qualname
            if value is None and len(self.star_imports) == 1:
                return f"{self.star_imports[0]}.{node.value}"
            return None
        if node_t is cst.Attribute:
            bound = self.resolve_binding(node)
            if bound is not None:
                return bound.qualname
            base = self._qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        if node_t is cst.Call:
            base = self._qualified_name(node.func)
            return base + "()" if base is not None else None
        return None

    def origin_call(self, node: cst.BaseExpression) -> Optional[cst.Call]:
        """The constructor call that produced the object ``node`` refers to, if known."""
        if type(node) is cst.Call:
            return node
        bound = self.resolve_binding(node)
        return bound.origin if bound is not None else None


# -- small call helpers shared by rules and framework modules -----------------------------

def keyword_arg(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_args(call: cst.Call) -> Sequence[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def has_star_args(call: cst.Call) -> bool:
    return any(a.star == "*" for a in call.args)


def has_star_kwargs(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


def string_parts(node: cst.BaseExpression) -> Optional[list]:
    """The pieces of an implicitly concatenated string (``"a" "b" f"c"``), flattened without
    recursion: libcst nests them one level per piece, and generated modules hold thousands."""
    if type(node) is not cst.ConcatenatedString:
        return [node]
    parts = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.ConcatenatedString:
            stack.append(current.right)
            stack.append(current.left)
        else:
            parts.append(current)
    return parts


_PLAIN_PREFIXES = {"": False, "r": False, "u": False, "b": True, "br": True, "rb": True}


def _plain_value(raw: str):
    """The value of a string literal's source text when no escape can be in it, else None.

    Without a backslash (and without a carriage return, which CPython's tokenizer translates)
    the value is the text between the quotes: no need to compile the literal, as
    ``evaluated_value`` does (``ast.literal_eval``), for most strings in a file.
    """
    i = 0
    for ch in raw:
        if ch == "'" or ch == '"':
            break
        i += 1
    is_bytes = _PLAIN_PREFIXES.get(raw[:i].lower())
    if is_bytes is None:
        return None
    quote = raw[i : i + 3]
    if quote != '"""' and quote != "'''" or len(raw) - i < 6:
        quote = raw[i : i + 1]
    body = raw[i + len(quote) : len(raw) - len(quote)]
    if "\\" in body or "\r" in body or not raw.endswith(quote):
        return None
    if is_bytes:
        return body.encode("ascii") if body.isascii() else None
    return body


def literal_value(node: cst.SimpleString):
    """``node.evaluated_value`` (str or bytes), read from the source text when no escape can be
    in it: the value trackers ask it of every string literal they meet."""
    value = _plain_value(node.value)
    return node.evaluated_value if value is None else value


def string_value(node: cst.BaseExpression):
    """The value (str or bytes) of a string literal, implicit concatenation included, else None.

    Use this instead of ``ConcatenatedString.evaluated_value``, which recurses once per piece.
    """
    pieces = []
    for part in string_parts(node):
        if type(part) is not cst.SimpleString:
            return None
        try:
            value = literal_value(part)
        except Exception:  # odd literals (unknown prefixes)
            return None
        pieces.append(value)
    if not pieces:
        return None
    if all(type(p) is str for p in pieces):
        return "".join(pieces)
    if all(type(p) is bytes for p in pieces):
        return b"".join(pieces)
    return None


def is_none(node: cst.BaseExpression) -> bool:
    return type(node) is cst.Name and node.value == "None"


def call_chain(call: cst.Call) -> Tuple[List[cst.Call], cst.BaseExpression]:
    """``a.b(x).c(y)[:3].d()`` -> ([a.b(x), ...c(y), ...d()] innermost first, the receiver ``a``)."""
    calls: List[cst.Call] = []
    node: cst.BaseExpression = call
    while True:
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            calls.append(node)
            node = node.func.value
        elif type(node) is cst.Subscript:
            node = node.value
        else:
            break
    calls.reverse()
    return calls, node


def assigned_names(body) -> set:
    """Every name a body binds (assignments, loop and ``with`` targets, walrus, ``global``),
    nested functions included: a conservative "is this name rebound anywhere"."""
    found = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if type(node) in (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.WithItem, cst.NamedExpr, cst.CompFor):
            target = getattr(node, "target", None) or getattr(node, "asname", None)
            if type(target) is cst.AsName:
                target = target.name
            stack_t = [target] if target is not None else []
            while stack_t:
                t = stack_t.pop()
                if type(t) is cst.Name:
                    found.add(t.value)
                elif type(t) in (cst.Tuple, cst.List):
                    stack_t.extend(el.value for el in t.elements)
                elif type(t) is cst.StarredElement:
                    stack_t.append(t.value)
        elif type(node) in (cst.Global, cst.Nonlocal):
            found.update(n.name.value for n in node.names)
        stack.extend(children(node))
    return found
