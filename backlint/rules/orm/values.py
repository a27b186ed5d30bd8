"""Abstract values of the N+1 analysis (queries in some stage, model instances bound by a
loop, sessions, cursors) and the events it records per loop (hits, calls, relation reads)."""
from __future__ import annotations

from typing import List


# -- abstract values -----------------------------------------------------------------------------


class Src:
    """A query in some stage: Django queryset ('qs'), SQLAlchemy statement ('stmt'), 1.x Query
    ('query'), executed rows in memory ('result')."""

    __slots__ = ("orm", "model", "prepared", "select_all", "opaque", "rows", "stage", "node",
                 "batch", "depth", "callee", "pertable", "manager", "locked", "dynamic", "table")

    def __init__(self, orm_name, model, stage, node, depth, prepared=(), select_all=False,
                 opaque=False, rows=False, batch=False, callee=None, pertable=0, manager=False,
                 locked=False, dynamic=False, table=None):
        self.orm = orm_name
        self.model = model  # absolute ref of the model class, or None
        self.prepared = frozenset(prepared)
        self.select_all = select_all
        self.opaque = opaque
        self.rows = rows
        self.stage = stage
        self.node = node  # the expression that started the chain (for messages)
        self.batch = batch
        self.depth = depth  # loop depth where the query object was built
        self.callee = callee  # a helper function in another module that returned it
        # > 0: the model is chosen per iteration of the loop at this depth (`for m in models:
        # m.objects.count()`): a different table each time, not an N+1 of that loop
        self.pertable = pertable
        self.manager = manager  # started at `Model.objects`: the default manager's get_queryset applies
        self.locked = locked  # select_for_update(): rows locked to be written
        # the model is looked up at run time (`ct.model_class().objects`, `registry[kind].objects`):
        # a function doing that may read another table on every call
        self.dynamic = dynamic
        self.table = table  # the dotted name a `select(X)`/`query(X)` reads (a model or a Table)

    def copy(self, **changes) -> "Src":
        new = Src(self.orm, self.model, self.stage, self.node, self.depth, self.prepared,
                  self.select_all, self.opaque, self.rows, self.batch, self.callee, self.pertable,
                  self.manager, self.locked, self.dynamic, self.table)
        for key, value in changes.items():
            setattr(new, key, value)
        return new


class Inst:
    """A model instance bound by a loop over ``src`` (or a serializer's ``obj``), plus the
    attribute chain read from it so far."""

    __slots__ = ("src", "base", "attrs", "event", "model")

    def __init__(self, src, base, attrs, event, model=None):
        self.src = src
        self.base = base  # relation path from the source's model to this variable's model
        self.attrs = attrs  # attributes read from the variable
        self.event = event
        self.model = model if model is not None else (src.model if src is not None else None)


class Ref:
    __slots__ = ("q",)

    def __init__(self, q):
        self.q = q


class Other:
    """A local name bound to something known not to be a database handle."""


class Enum:
    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner


SESSION = object()
CURSOR = object()
DML = object()  # an SQLAlchemy insert()/update()/delete() statement
OTHER = Other()
UNKNOWN_LOCAL = object()


class Frame:
    __slots__ = ("node", "kind", "iter", "sleep", "range", "label", "fixed", "wrote", "written", "inserted",
                 "read_keys")

    def __init__(self, node, kind, iter_node=None, label=""):
        self.node = node
        self.kind = kind  # for | while | comp | serializer
        self.iter = iter_node
        self.sleep = False
        self.fixed = False  # iterates a literal / constant / range(CONST): not data-driven
        self.range = False
        self.label = label
        self.wrote = False  # the body has written by this point of the interpretation
        self.written: set = set()  # the tables (keys of ``_written``) it has written by then
        self.inserted: set = set()  # the tables the body inserts rows into, anywhere in it
        self.read_keys: list = []  # (hit, the tables it reads) of the queries counted for this loop


class Hit:
    __slots__ = ("node", "stmt", "frame", "kind", "text", "same")

    def __init__(self, node, stmt, frame, kind, text, same=False):
        self.node, self.stmt, self.frame, self.kind, self.text = node, stmt, frame, kind, text
        self.same = same  # nothing in the query changes with the loop: the same query each time


class CallEvent:
    __slots__ = ("node", "stmt", "frame", "callee", "text", "same")

    def __init__(self, node, stmt, frame, callee, text, same=False):
        self.node, self.stmt, self.frame, self.callee, self.text = node, stmt, frame, callee, text
        self.same = same  # called with nothing that changes with the loop


class Read:
    __slots__ = ("attrs", "call", "node", "stmt", "helper")

    def __init__(self, attrs, call, node, stmt, helper=None):
        self.attrs, self.call, self.node, self.stmt = attrs, call, node, stmt
        self.helper = helper  # (callee, argument index, shown name): the row is passed to a function


class RelEvent:
    """The reads of one loop variable."""

    __slots__ = ("var", "frame", "src", "base", "model", "reads", "seen", "primed")

    def __init__(self, var, frame, src, base, model):
        self.var, self.frame, self.src, self.base, self.model = var, frame, src, base, model
        self.reads: List[Read] = []
        self.seen: set = set()
        self.primed: set = set()  # relations the loop assigns by hand (`unit.translation = translation`)




class Unknown(Exception):
    """The answer needs facts from another file."""
