"""The per-function abstract interpretation: parameters, the SerializerMethodField frame,
name lookup and what a function returns; statements, expressions and ORM calls are mixins."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from . import _loops
from .effects import Effects
from .expressions import Expressions
from .models import _param_reads
from .querysets import QuerysetCalls
from .statements import Statements
from .syntax import _MEMO_DECORATORS, _string
from .values import CURSOR, Frame, Inst, OTHER, RelEvent, SESSION, Src, UNKNOWN_LOCAL


class FunctionPass(Statements, Effects, Expressions, QuerysetCalls):
    """A light abstract interpretation of one function body (or of the module body)."""

    def __init__(self, analysis, node, cls: Optional[str], record: bool) -> None:
        self.a = analysis
        self.node = node
        self.cls = cls
        self.record = record
        self.env: Dict[str, Any] = {}
        self.frames: List[Frame] = []
        self.blocks: List[Tuple[int, Optional[str]]] = []
        self.stmt = None
        self.ret: Any = None
        self.ret_set = False
        self.fact = {"calls": [], "qnode": None, "qtext": None, "ret": None}
        self.writes = False  # the function writes: its own reads serve that write
        self.write_args = 0  # evaluating the receiver/arguments of a write call
        self.subquery_args = 0  # evaluating the lookups of a filter (`item__in=row.tags.values_list(...)`)
        self.cond = 0  # inside an `if`/`except`/`case` branch: runs on some calls only
        self.bound: Dict[str, tuple] = {}  # local name -> (loop depth, that loop's frame) at its last binding
        self.globals: set = set()
        self.guarded = 0  # inside `if <global cache> is None:`: runs once per process
        self.events: Dict[Tuple[int, str], RelEvent] = {}
        self.runtime_models: set = set()  # local names holding a model looked up at run time
        self._literals = analysis.literals  # names bound to a literal: module-level, then the function's
        self._literal_body = None  # the body whose own literals are not looked for yet (see `literals`)
        # inside `if key not in cache: cache[key] = ...`: the depth of the loop that binds the cache
        self.memo: List[int] = []
        self.rare: List[int] = []  # inside an `except` handler (or a per-iteration transaction): its depth
        self.upsert = 0  # evaluating the lookup of a hand-written upsert (see `_units`)
        self.dml_tables: Dict[str, Any] = {}  # name -> the table of the DML statement it holds
        self.gets: Dict[str, Optional[str]] = {}  # name -> the cache a `cache.get(k)` it holds came from
        self.created: Dict[str, Any] = {}  # name -> the loop frame whose iteration a creating call bound it in

    @property
    def literals(self) -> Dict[str, Any]:
        """Names bound to a literal container; only a loop asks. The function's own are found
        on the first ask: most functions have no loop, and finding them walks the whole body."""
        body = self._literal_body
        if body is not None:
            self._literal_body = None
            written = _loops.local_literals(body)
            if written:
                self._literals = dict(self.a.literals, **written)
        return self._literals

    @property
    def writes(self) -> bool:
        return getattr(self, "_writes", False)

    @writes.setter
    def writes(self, value: bool) -> None:
        self._write(value, ())

    def wrote_to(self, keys) -> None:
        """A write whose table is known (keys of ``_written``): the loop's later reads of that
        table read back what it wrote; reads of other tables still count."""
        self._write(True, keys)

    def inserted_into(self, keys) -> None:
        """The loop inserts rows into these tables: a read of one of them, anywhere in the body,
        can find what an earlier iteration inserted (see ``pop_frame``). An insert in an ``except``
        handler (``get()``, on ``DoesNotExist`` ``create()``) is the rare case of the loops around
        its ``try``: their lookups still count."""
        for frame in self.frames[self.rare[-1] if self.rare else 0:]:
            frame.inserted.update(keys)

    def _write(self, value: bool, keys) -> None:
        if value and not self.writes:
            self.fact["wi"] = len(self.fact["calls"])  # the calls made before the first write
        if value:
            for frame in self.frames:
                frame.wrote = True  # what the loop calls after this serves the write
                frame.written.update(keys)
            if keys:
                self.fact["wt"] = sorted(set(self.fact.get("wt", ())) | set(keys))  # the tables it writes
            else:
                self.fact["wu"] = True  # a write whose table is not named here
        self._writes = value

    # -- entry points ------------------------------------------------------------------------
    memoized = False

    def run_module(self, body) -> None:
        self.env = self.a.module_env
        self.run_block(body)

    local: Optional[str] = None  # the function's local name ("f" or "C.m"); None for the module body

    def run_function(self, local: str) -> None:
        self.local = local
        node = self.node
        self.memoized = any(
            (dotted_name(d.decorator.func if type(d.decorator) is cst.Call else d.decorator) or "")
            .rsplit(".", 1)[-1] in _MEMO_DECORATORS
            for d in node.decorators
        )
        params = node.params
        all_params = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for i, p in enumerate(all_params):
            name = p.name.value
            ann = p.annotation.annotation if p.annotation is not None else None
            value: Any = UNKNOWN_LOCAL
            if ann is not None:
                q = self.a.ctx.qualified_name(ann) if type(ann) in (cst.Name, cst.Attribute) else None
                if q is None and type(ann) is cst.SimpleString:
                    q = _string(ann)
                if orm.is_session_type(q) or (q or "").rsplit(".", 1)[-1] in ("Session", "AsyncSession"):
                    value = SESSION
                elif q and orm.is_non_db(q):
                    value = OTHER
            if i == 0 and self.cls is not None and name in ("self", "cls"):
                value = ("self", self.cls)
            self.env[name] = value
        for star in (params.star_arg, params.star_kwarg):
            if type(star) is cst.Param:
                self.env[star.name.value] = UNKNOWN_LOCAL
        serializer = self.serializer_frame(local, all_params)
        if serializer is not None:
            self.frames.append(serializer)
        body = node.body
        if type(body) is cst.IndentedBlock:
            self._literal_body = body.body
            self.run_block(body.body)
        else:
            self.run_block([body])
        self.fact["w"] = self.writes
        if self.record:
            self.fact["ret"] = self.ret_fact()
            if "." not in local:
                pr = {}
                names = [p.name.value for p in all_params[:3]]
                found = _param_reads(node, names) if names else {}
                for i, name in enumerate(names):
                    if found.get(name):
                        pr[str(i)] = [name] + found[name]
                if pr:
                    self.fact["pr"] = pr
            self.a.func_facts[local] = self.fact

    def serializer_frame(self, local: str, params) -> Optional[Frame]:
        if self.cls is None or "." not in local:
            return None
        model = self.a.models.get(self.a.full(self.cls))
        if not model:
            return None
        method = local.split(".", 1)[1]
        field = model["smf"].get(method)
        if field is None or len(params) < 2:
            return None
        frame = Frame(self.node, "serializer", None,
                      f"`{self.cls}` serializes (`{field}` is a SerializerMethodField)")
        obj = params[1].name.value
        ev = RelEvent(obj, frame, None, (), model.get("ser"))
        self.env[obj] = Inst(None, (), (), ev, model.get("ser"))
        if self.record:
            self.a.rels.append(ev)
        return frame

    def ret_fact(self) -> Optional[dict]:
        r = self.ret
        if isinstance(r, Src) and r.model and not r.rows and r.stage in ("qs", "query", "result", "stmt"):
            return {"orm": r.orm, "model": r.model, "prep": sorted(r.prepared), "all": r.select_all,
                    "opaque": r.opaque, "stage": r.stage}
        return None

    # -- lookup --------------------------------------------------------------------------------
    def lookup(self, name: str, node) -> Any:
        if name in self.env:
            v = self.env[name]
            if v is UNKNOWN_LOCAL:
                return SESSION if orm.is_session_name(name) else (CURSOR if orm.is_cursor_name(name) else None)
            return v
        if self.env is not self.a.module_env and name in self.a.module_env:
            v = self.a.module_env[name]
            if isinstance(v, Src):
                return v.copy(depth=-1)  # built once, at import
            return None if v is UNKNOWN_LOCAL else v
        v = self.a.global_value(name, node)
        if v is None:
            if orm.is_session_name(name):
                return SESSION
            if orm.is_cursor_name(name):
                return CURSOR
        return v
