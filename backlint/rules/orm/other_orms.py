"""Peewee and Tortoise ORM in the N+1 analysis: small hooks that the per-function pass, the
model collector, the index and the messages call (the knowledge itself is in
``frameworks/orm_peewee.py`` and ``frameworks/orm_tortoise.py``).

Queries on these models are recorded as calls to ``<model>.<method>#<orm>``: the project index
reports them once it knows the model is one of that ORM (its bases reach ``peewee.Model`` or
``tortoise.models.Model``), so ``Config.get("x")`` on a class that is not such a model is never
taken for a query. Relation fields get their own kinds (``pw-fk``, ``pw-rev``, ``tt-fk``...),
decided by ``walk_step``.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

from ..._lazy import cst
from ...frameworks import orm
from ...frameworks import orm_peewee as pw
from ...frameworks import orm_tortoise as tt
from .eager import _paths
from .syntax import _kw, _positional, _string, shape
from .values import CallEvent, Inst, Src, Unknown

ORMS = (pw.ORM, tt.ORM)
NOT_MINE = object()


class Pending:
    """A Tortoise call that runs its query when awaited (``Event.get(...)``, ``qs.count()``)."""

    __slots__ = ("src", "meth")

    def __init__(self, src: Src, meth: str) -> None:
        self.src, self.meth = src, meth


# -- models --------------------------------------------------------------------------------------


def relation_kind(qualname: Optional[str]) -> Optional[str]:
    return pw.relation_kind(qualname) or tt.relation_kind(qualname)


def is_kind(kind: Optional[str]) -> bool:
    return bool(kind) and kind[:3] in ("pw-", "tt-")  # type: ignore[index]


def relation_fact(analysis, kind: str, call: cst.Call, owner: str) -> dict:
    pos = _positional(call)
    peewee = kind.startswith("pw-")
    target = pos[0] if pos else _kw(call, "model" if peewee else "model_name")
    name_node = _kw(call, "backref" if peewee else "related_name")
    to = None
    s = _string(target)
    if s is not None:
        to = {"str": owner if s == "self" else s.rsplit(".", 1)[-1], "mod": analysis.modname}
    elif type(target) in (cst.Name, cst.Attribute):
        ref = analysis.model_ref(target)
        if ref:
            to = {"ref": ref}
    rn = None
    if name_node is not None:
        rn = _string(name_node)
        if rn is None:
            rn = "+" if type(name_node) is cst.Name and name_node.value == "False" else "?"
    return {"k": kind, "to": to, "rn": rn, "many": kind.endswith("m2m")}


def reverse_entry(owner_full: str, f: dict) -> Optional[Tuple[str, dict]]:
    """The accessor a relation adds to its target model: a Peewee backref (``<model>_set`` unless
    named), a Tortoise ``related_name`` (only when declared)."""
    k, rn = f["k"], f.get("rn")
    if rn == "?" or (rn and rn.startswith("+")):
        return None
    short = owner_full.rsplit(".", 1)[-1]
    if k.startswith("pw-"):
        name = rn or (pw.default_backref(short) if k == "pw-fk" else None)
        kind = "pw-rev"
    else:
        name = rn
        kind = "tt-o2o" if k == "tt-o2o" else "tt-rev"
    if not name:
        return None
    return name, {"k": kind, "many": kind != "tt-o2o", "to": {"ref": owner_full}}


def model_orm(idx, ref: str, seen=None) -> Optional[str]:
    """``"peewee"``/``"tortoise"`` when the model's bases reach that ORM's ``Model``; None when
    they do not; Unknown when a local index cannot tell."""
    full = idx.model(ref)
    if full is None:
        if idx.local:
            raise Unknown()
        return None
    seen = seen or set()
    seen.add(full)
    unknown = False
    for base in idx.models[full].get("bases", []):
        if base.startswith("?"):
            continue
        if pw.is_model_base(base):
            return pw.ORM
        if tt.is_model_base(base):
            return tt.ORM
        b = idx.model(base)
        if b is None:
            unknown = unknown or (idx.local and not _library(base))
            continue
        if b in seen:
            continue
        try:
            found = model_orm(idx, b, seen)
        except Unknown:
            unknown = True
            continue
        if found:
            return found
    if unknown:
        raise Unknown()
    return None


def _library(q: str) -> bool:
    return orm.is_library(q) or pw.is_peewee(q) or tt.is_tortoise(q)


def decided_later(ev) -> bool:
    """The rows of ``Event.filter(...)`` on a class not known here: the project pass decides
    whether ``Event.filter`` is a project method or the model's own query."""
    src = ev.src
    return src is not None and src.orm in ORMS and bool(src.callee)


def keeps_unfollowed(idx, ev: dict) -> bool:
    """A loop over ``Event.filter(...)`` whose ``Event.filter`` is no project method: the rows
    are that model's, if it is a Peewee/Tortoise model."""
    return ev.get("orm") in ORMS and bool(ev.get("model")) and model_orm(idx, ev["model"]) == ev["orm"]


def model_query(idx, callee: str) -> Optional[dict]:
    """How ``<model>.<method>#<orm>`` queries, once the model is known to be of that ORM."""
    target, orm_name = callee.rsplit("#", 1)
    model, meth = target.rsplit(".", 1)
    if model_orm(idx, model) != orm_name:
        return None
    short = model.rsplit(".", 1)[-1]
    return {"q": f"{short}.{meth}", "func": short, "orm": orm_name, "meth": meth}


# -- the per-function pass --------------------------------------------------------------------


def _local_orm(a, ref: str, seen=None) -> Optional[str]:
    """The ORM of a model declared in this file, None for a local class of no such ORM, ``"?"``
    when the class is not local or its bases are not."""
    fact = a.models.get(ref)
    if fact is None:
        return "?"
    seen = seen or set()
    seen.add(ref)
    answer = None
    for base in fact.get("bases", []):
        if pw.is_model_base(base):
            return pw.ORM
        if tt.is_model_base(base):
            return tt.ORM
        if base.startswith("?") or _library(base) or base in seen:
            continue
        found = _local_orm(a, base, seen)
        if found and found != "?":
            return found
        answer = answer or found
    return answer


def record_query(fp, node, model: Optional[str], meth: str, orm_name: str, depth: Optional[int] = None) -> None:
    """A query of ``model`` run here: counted for the function (it queries on every call) and,
    inside a loop over data, for that loop; decided once the model is known (see ``model_query``)."""
    if not model:
        return
    callee = f"{model}.{meth}#{orm_name}"
    if not (fp.cond or fp.guarded or fp.memoized) and (depth is None or depth >= 1 or fp.returning):
        fp.fact["calls"].append(callee)
    level = fp.level() if depth is None else min(fp.level(), depth)
    level = fp.data_level(level)
    if level <= 0 or not fp.record or fp.write_args:
        return
    frame = fp.frames[level - 1]
    if frame.sleep:
        return
    fp.a.calls.append(CallEvent(node, fp.stmt, frame, callee, shape(node, fp.a.module)))


def model_call(fp, recv_q: str, meth: str, node: cst.Call) -> Any:
    """``Tweet.select()``, ``Tweet.get(...)``, ``await Event.filter(...)``; ``prefetch`` and the
    other module-level functions of the two libraries."""
    if pw.is_peewee(recv_q) or tt.is_tortoise(recv_q):
        return library_call(fp, f"{recv_q}.{meth}", node)
    if not recv_q.rsplit(".", 1)[-1][:1].isupper() or _library(recv_q):
        return NOT_MINE
    known = _local_orm(fp.a, recv_q)
    if known is None:
        return NOT_MINE  # a class of this file that is no model of these ORMs
    awaited = getattr(fp, "awaiting", None) is node
    q = f"{recv_q}.{meth}"
    # not known to be such a model: a project method of that name may be what runs (its queries,
    # what it returns), so the call is also recorded as one, and the query carries it as `callee`
    # (the project pass follows the method when there is one, the model's ORM when there is not)
    callee = None
    if known == "?":
        if meth in pw.WRITES or meth in tt.WRITES or not (
                meth in pw.STARTS or meth in pw.SINGLE or meth in tt.STARTS or meth in tt.SINGLE
                or meth in tt.COUNTS or meth in tt.ROWS or meth == "fetch_for_list"):
            return NOT_MINE
        fp.call_event(node, q)
        fp.helper_reads(node, q)
        callee = q
    if known == pw.ORM or (known == "?" and not awaited and (meth in pw.STARTS or meth in pw.SINGLE)):
        src = Src(pw.ORM, recv_q, "qs", node, len(fp.frames), callee=callee)
        if meth in pw.STARTS:
            return _peewee_selected(fp, src, node)
        if meth in pw.SINGLE:
            record_query(fp, node, recv_q, meth, pw.ORM)
            return Inst(src, (), (), None, recv_q)
        if meth in pw.WRITES:
            fp.writes = True
            return None
        return NOT_MINE
    if known == tt.ORM or known == "?":
        src = Src(tt.ORM, recv_q, "qs", node, len(fp.frames), callee=callee)
        if meth in tt.STARTS:
            return tortoise_method(fp, src, meth, node) if meth in ("select_related", "prefetch_related") else src
        if meth in tt.SINGLE or meth in tt.COUNTS or meth in tt.ROWS:
            return Pending(src, meth)
        if meth in tt.WRITES:
            fp.writes = True
            return None
        if meth == "fetch_for_list":  # `await Event.fetch_for_list(events, "tournament")`
            _prime_argument(fp, node)
            return None
    return NOT_MINE


def _prime_argument(fp, node: cst.Call) -> None:
    pos = _positional(node)
    if pos and type(pos[0]) is cst.Name:
        value = fp.env.get(pos[0].value)
        if isinstance(value, Src):
            fp.env[pos[0].value] = value.copy(opaque=True)


def library_call(fp, q: str, node: cst.Call) -> Any:
    if q in ("peewee.prefetch", "playhouse.shortcuts.prefetch"):  # prefetch(users, Tweet.select())
        pos = _positional(node)
        main = fp.peek_src(pos[0]) if pos else None
        if not isinstance(main, Src):
            return None
        return _peewee_prefetch(fp, main, pos[1:]).copy(stage="result", node=node)
    return None


def _peewee_prefetch(fp, src: Src, subqueries) -> Src:
    marks = set()
    for sub in subqueries:
        inner = fp.peek_src(sub) if type(sub) not in (cst.Name, cst.Attribute) else None
        model = inner.model if isinstance(inner, Src) else fp.a.model_ref(sub)
        if not model:
            return src.copy(opaque=True)
        marks.add("@" + model)
    return src.copy(prepared=src.prepared | marks)


def _peewee_selected(fp, src: Src, node: cst.Call) -> Src:
    """``select(Tweet, User)``: which models the rows carry (a join of one of them fills it)."""
    marks = set()
    for arg in _positional(node):
        model = fp.a.model_ref(arg) if type(arg) in (cst.Name, cst.Attribute) else None
        if model and model != src.model:
            marks.add("@sel:" + model)
    return src.copy(prepared=src.prepared | marks, node=node) if marks else src


def src_method(fp, src: Src, meth: str, node: cst.Call) -> Any:
    fp.args(node)
    if src.orm == tt.ORM:
        return tortoise_method(fp, src, meth, node)
    src = src.copy(node=node)
    if meth == "join":
        pos = _positional(node)
        model = fp.a.model_ref(pos[0]) if pos and type(pos[0]) in (cst.Name, cst.Attribute) else None
        if model and "@sel:" + model in src.prepared:
            return src.copy(prepared=src.prepared | {"@" + model})
        return src
    if meth in ("select", "select_extend"):
        return _peewee_selected(fp, src, node)
    if meth == "prefetch":
        return _peewee_prefetch(fp, src, _positional(node)).copy(stage="result")
    if meth in pw.LAZY:
        return src.copy(batch=src.batch or meth in ("limit", "paginate", "offset"))
    if meth in pw.ROWS:
        return src.copy(rows=True)
    if meth in pw.EXEC:
        record_query(fp, node, src.model, meth, pw.ORM)
        if meth in ("get", "get_or_none", "first", "peek") and not src.rows:
            return Inst(src, (), (), None, src.model)
        return None
    if meth in pw.WRITES:
        fp.writes = True
        return None
    if meth in ("execute", "iterator"):
        fp.iterated(src, node)
        return src.copy(stage="result")
    return src.copy(opaque=True)


def tortoise_method(fp, src: Src, meth: str, node: cst.Call) -> Any:
    src = src.copy(node=node)
    if meth in ("select_related", "prefetch_related"):
        names = [_string(a.value) if a.keyword is None and not a.star else None for a in node.args]
        if not names or any(n is None for n in names):
            return src.copy(opaque=True)  # `Prefetch(...)` objects, variables: we cannot read them
        return src.copy(prepared=src.prepared | _paths(names))  # type: ignore[arg-type]
    if meth in tt.LAZY:
        return src.copy(batch=src.batch or meth in ("limit", "offset"))
    if meth in tt.SINGLE or meth in tt.COUNTS or meth in tt.ROWS:
        return Pending(src, meth)
    if meth in tt.WRITES:
        fp.writes = True
        return None
    return src.copy(opaque=True)


def awaited(fp, node: cst.Await, value: Any) -> Any:
    """What ``await <expr>`` gives: Tortoise runs its query here."""
    if isinstance(value, Pending):
        record_query(fp, node, value.src.model, value.meth, tt.ORM)
        if value.meth in tt.SINGLE:
            return Inst(value.src, (), (), None, value.src.model)
        return None
    if isinstance(value, Src) and value.orm == tt.ORM and value.stage == "qs":
        iterated(fp, value, node)
        return value.copy(stage="result")
    if isinstance(value, Inst) and value.src is not None and value.src.orm == tt.ORM and value.attrs:
        if value.attrs == ("fetch_related",) and value.event is not None:
            record_query(fp, node, value.model, "fetch_related", tt.ORM)  # one query per row
            return None
        fp.read(value, value.attrs + ("__await__",), True, node)  # `await event.tournament`
    return value


def iterated(fp, value: Src, node) -> None:
    """Iterating (or awaiting) a query built inside a loop runs it once per iteration."""
    if value.opaque and value.stage != "qs":
        return
    meth = "select" if value.orm == pw.ORM else "all"
    depth = min(value.depth, len(fp.frames)) if value.depth >= 1 else 0
    if depth == 0 and not (fp.returning and not fp.frames):
        return  # a procedure going through the rows of its own query: not a query per call
    record_query(fp, node, value.model, meth, value.orm, depth=depth)
