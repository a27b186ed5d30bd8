"""The values the value tracker reasons with: ``Origin`` (where a value enters), ``Val`` (what
an expression is known to be), how two values merge, and ``Scope`` (a name -> ``Val`` table).

Plain data with no libcst and no tracker: ``value_origin`` (the tracker), ``value_guards``,
``sql_values`` and ``origin_values`` all build on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Origin:
    """Where an untrusted or unknown value enters: a parameter, request input."""

    # "parameter" | "request"; the value-origin rules add "upload", "external", "exception",
    # "traceback", "secret"
    kind: str
    name: str  # the parameter, or the expression read from the request
    node: Any = field(default=None, compare=False, repr=False)  # where it enters (for its line)
    function: str = ""  # the function whose parameter it is
    typed_str: bool = False  # annotated `str`
    handler: bool = False  # a parameter of a request handler
    position: int = -1  # index among the positional parameters (self/cls included)
    method: bool = False  # the function's first parameter is self/cls
    # "exception": the packages of the caught classes that are neither a library's nor the
    # project's (a companion package, decided in BL312's project pass)
    packages: Tuple[str, ...] = ()
    # "call": ``id()`` of the call node, so that two calls of one function are two flows
    call: int = 0

    def definite(self) -> bool:
        """True when the value is known to be outside input (or a string someone passes in)."""
        return self.kind == "request" or self.typed_str or self.handler

    def describe(self, line: Optional[int]) -> str:
        at = f", line {line}" if line else ""
        if self.kind == "request":
            return f"request input{at}"
        what = "parameter"
        if self.typed_str:
            what = "`str` parameter"
        if self.handler:
            what = "request-handler parameter"
        where = f" of `{self.function}`" if self.function else ""
        return f"{what}{where}{at}"


@dataclass(frozen=True, init=False)
class Val:
    """What the tracker knows about a value.

    ``safe``: not influenced by input (literals, constants, numbers, allow-list lookups,
    identifiers from ORM metadata or the catalogue, quoted identifiers).
    ``taint``: (how, piece, origin) when the value is text built by formatting with an unsafe
    piece (``piece`` is its node).
    ``text``: the constant skeleton of a string (interpolations as ``HOLE``), when known.
    ``allow``: a literal collection of safe values (indexing it yields a safe value).
    ``obj``: a qualified name for the object (database connections and cursors).
    ``sqlish``: SQL text built elsewhere (a parameter named ``sql``, compiled SQL): composition.
    ``origin``: where an unknown value came from, when the tracker saw it enter.
    ``returns``: for a function defined in this file, what its calls return.
    ``container``: a list, tuple, set or dict (not a string).
    ``flows``: every origin that reaches the value (used by the value-origin rules BL310-BL313).
    ``keys``: a dict whose keys the code itself fixed (literal keys, a dataclass's or a class's
    attribute names): iterating it, or its ``.keys()``, yields safe names.
    """

    safe: bool = False
    taint: Optional[Tuple[str, Any, Optional[Origin]]] = None
    text: Optional[str] = None
    allow: bool = False
    obj: Optional[str] = None
    sqlish: bool = False
    origin: Optional[Origin] = None
    returns: Optional["Val"] = None
    container: bool = False
    # every origin that reaches this value (``origin_values.OriginValues``): request input,
    # exception text, a secret, external data, a parameter; empty when none was seen
    flows: Tuple[Origin, ...] = ()
    # what a safe value is, when it matters: "number", "sanitised", "shipped" (a path inside
    # the package, from ``__file__``)
    note: str = ""
    keys: bool = False

    def __init__(self, **given: Any) -> None:
        # keywords only, each a field: the fields' defaults, then what was given, written to
        # the instance at once (the generated ``__init__`` of a frozen dataclass sets each of
        # the 12 fields through ``object.__setattr__``: 2.5x slower, and the trackers build a
        # ``Val`` for most expressions they read)
        if given and not _VAL_FIELDS.issuperset(given):
            raise TypeError(f"Val has no field {sorted(set(given) - _VAL_FIELDS)[0]!r}")
        state = self.__dict__
        state.update(_VAL_DEFAULTS)
        state.update(given)


_VAL_DEFAULTS: Dict[str, Any] = {f.name: f.default for f in fields(Val)}
_VAL_FIELDS = frozenset(_VAL_DEFAULTS)

UNKNOWN = Val()
SAFE = Val(safe=True)

_FIELDS: Dict[type, frozenset] = {}


def replace(value, **changes):
    """``dataclasses.replace`` for the trackers' frozen ``Val`` and ``Origin``: a copy of the fields
    with ``changes``, without running ``__init__`` (about 6 % of the origin rules' time on
    open-webui went to ``dataclasses.replace``). Valid only while neither class has a
    ``__post_init__`` or slots (``tests/test_origin_model.py`` checks)."""
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in fields(cls))
    if not names.issuperset(changes):
        raise TypeError(f"{cls.__name__} has no field {sorted(set(changes) - names)[0]!r}")
    new = object.__new__(cls)
    state = new.__dict__
    state.update(value.__dict__)
    state.update(changes)
    return new


def either(a: Val, b: Val) -> Val:
    """The value of a variable that holds ``a`` on some paths and ``b`` on others."""
    return Val(
        safe=a.safe and b.safe,
        taint=a.taint or b.taint,
        text=a.text if a.text is not None else b.text,
        allow=a.allow and b.allow,
        obj=a.obj or b.obj,
        sqlish=(a.sqlish or a.safe) and (b.sqlish or b.safe) and not (a.safe and b.safe),
        origin=a.origin or b.origin,
        container=a.container or b.container,
        flows=merge_flows(a.flows, b.flows),
        note=_either_note(a, b),
        keys=a.keys and b.keys,
    )


def _either_note(a: Val, b: Val) -> str:
    if a.note == b.note:
        return a.note
    # unsafe only because of its flows on one path, safe on the other: still only its flows
    if a.safe and not b.safe and b.note == "flows" or b.safe and not a.safe and a.note == "flows":
        return "flows"
    return ""


def merge_flows(a: Tuple[Origin, ...], b: Tuple[Origin, ...]) -> Tuple[Origin, ...]:
    """Both sets of origins, in order, without repeats (at most 8 kept)."""
    if not b:
        return a
    if not a:
        return b
    out = list(a)
    for item in b:
        if item not in out:
            out.append(item)
    return tuple(out[:8])


def is_stringy(v: Val) -> bool:
    return v.text is not None or v.taint is not None or v.sqlish


def element(collection: Val) -> Val:
    """The value of one element of ``collection`` (iteration, indexing by unknown keys)."""
    return Val(
        safe=collection.safe or collection.allow,
        taint=collection.taint,
        text=collection.text,
        sqlish=collection.sqlish,
        origin=collection.origin,
        flows=collection.flows,
    )


class Scope:
    """One module, class or function. ``blocks`` are the open branches and loops (innermost
    last): a binding inside one holds until the block ends, then merges with what the name held
    before it (so ``x = x.replace(...)`` in a loop body is what the next line of that body sees)."""

    __slots__ = ("kind", "parent", "vars", "blocks", "returns", "name", "verified")

    def __init__(self, kind: str, parent: Optional["Scope"], name: str = "") -> None:
        self.kind = kind
        self.parent = parent
        self.name = name
        self.vars: Dict[str, Val] = {}
        self.blocks: List[Dict[str, Val]] = []
        self.returns: List[Val] = []
        self.verified = False  # past a check that rejects data with a bad signature

    @property
    def cond(self) -> int:
        return len(self.blocks)

    def get(self, name: str) -> Optional[Val]:
        for block in reversed(self.blocks):
            if name in block:
                return block[name]
        return self.vars.get(name)

    def put(self, name: str, value: Val) -> None:
        (self.blocks[-1] if self.blocks else self.vars)[name] = value

    def drop(self, name: str) -> None:
        (self.blocks[-1] if self.blocks else self.vars).pop(name, None)

    def open_block(self) -> None:
        self.blocks.append({})

    def close_block(self) -> None:
        if not self.blocks:
            return
        block = self.blocks.pop()
        for name, value in block.items():
            old = self.get(name)
            self.put(name, value if old is None else either(old, value))
