"""Querysets passed as parameters: ``def render(orders): for o in orders: o.customer.name``
called as ``render(Order.objects.filter(...))``.

The function's loop over its parameter is recorded with what it reads of each row
(``prels``); every call that passes a query of a known model records that query's model and
eager loading (``cargs``). The project pass joins the two (same file or across modules): a read
the caller's query does not prepare is reported at the read, naming the caller's query, which is
where the fix goes. Reads through a model method called on the row are not followed here.
A parameter the function rebinds, a caller passing anything but a query
(a list, a prefetched cache we cannot read) and methods called other than through ``self`` are
not followed.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional

from ..._lazy import cst
from ...project import ProjectReport
from ...semantics import assigned_names, dotted_name
from ...walker import children
from .messages import rel_message
from .syntax import shape
from .models import _not_a_relation
from .values import Frame, Read, RelEvent, Src, Unknown

MAX_CALL_ARGS = 4

# every name that follows an `in` anywhere in the text: the iterables a `for` or comprehension
# can loop over by name (through parentheses, line continuations and comments), and more
_ITERATED = re.compile(r"\bin\b(?:[\s(\\]|#[^\n]*)*([^\W\d]\w*)")


def _params(local: str, node) -> Dict[str, tuple]:
    """``{name: (call position or None, name)}`` for the parameters a caller passes."""
    params = node.params
    positional = list(params.posonly_params) + list(params.params)
    shift = 1 if "." in local and positional and positional[0].name.value in ("self", "cls") else 0
    if "." in local and not shift:
        return {}  # a static method: called as `Class.m(...)`, not followed
    slots = {p.name.value: (i, p.name.value) for i, p in enumerate(positional[shift:])}
    slots.update({p.name.value: (None, p.name.value) for p in params.kwonly_params})
    return slots


def scan(analysis) -> None:
    """Record every ``for row in <parameter>`` (and comprehension) with the chains it reads
    from ``row``: what the abstract interpretation leaves unknown (the caller decides).
    A function none of whose parameters follows an ``in`` in the file's text has no such loop
    and is not walked."""
    iterated = None
    for local, node in analysis.functions.items():
        slots = _params(local, node)
        if not slots:
            continue
        if iterated is None:
            iterated = set(_ITERATED.findall(analysis.ctx.text))
        if iterated.isdisjoint(slots):
            continue
        rebound = None
        for loop, it, target, body in _loops_over(node.body, slots):
            if rebound is None:
                rebound = assigned_names(node.body)
            if it.value in rebound or target.value in slots or (
                    type(loop) is cst.For and target.value in assigned_names(body)):
                continue
            frame = Frame(loop, "for" if type(loop) is cst.For else "comp", it)
            ev = RelEvent(target.value, frame, None, (), None)
            ev.reads = _reads(body, target.value)
            if ev.reads:
                analysis.param_rels.append((analysis.full(local), slots[it.value], ev))


def _loops_over(body, slots):
    stack = [body]
    while stack:
        node = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if type(node) is cst.For and type(node.iter) is cst.Name and node.iter.value in slots \
                and type(node.target) is cst.Name:
            yield node, node.iter, node.target, node.body
        elif type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            f = node.for_in
            if type(f.iter) is cst.Name and f.iter.value in slots and type(f.target) is cst.Name:
                yield node, f.iter, f.target, node
        stack.extend(children(node))


def _reads(body, var: str) -> List[Read]:
    """The ``var.a.b`` chains read in ``body``; an assigned attribute (``scope.component = c``,
    ``del row.cache``) is written, not read (its own receiver chain still is)."""
    out: List[Read] = []
    seen: set = set()
    stack = [body]
    prefix = var + "."
    written: set = set()
    while stack and len(out) < 40:
        node = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if type(node) in (cst.AssignTarget, cst.AnnAssign, cst.AugAssign):
            written.add(id(node.target))
        elif type(node) is cst.Del:
            written.add(id(node.target))
        if id(node) in written:
            if type(node) is cst.Attribute:
                stack.append(node.value)
            continue
        called = type(node) is cst.Call
        target = node.func if called else node
        if type(target) is cst.Attribute:
            name = dotted_name(target)
            if name and name.startswith(prefix):
                read = Read(tuple(name.split(".")[1:]), called, node, None)
                key = (read.attrs, called)
                if key not in seen and not _not_a_relation(read):
                    seen.add(key)
                    out.append(read)
        stack.extend(reversed(children(node)))
    return out


def record_args(fp, node: cst.Call, callee: Optional[str], values: List) -> None:
    """A call to a project function that passes a query of a known model."""
    if not callee or not fp.record:
        return
    for i, (arg, value) in enumerate(zip(node.args[:MAX_CALL_ARGS + 4], values)):
        if arg.star or not isinstance(value, Src) or not value.model or value.rows:
            continue
        if value.stage not in ("qs", "query", "result") or value.callee:
            continue
        key = arg.keyword.value if arg.keyword is not None else i
        if isinstance(key, int) and key >= MAX_CALL_ARGS:
            continue
        fp.a.param_args.append((node, callee, key, value))


def nodes(analysis) -> List:
    out: List = []
    for _func, _slot, ev in analysis.param_rels:
        out.append(ev.frame.node)
        out += [r.node for r in ev.reads]
    for node, _callee, _key, value in analysis.param_args:
        out += [node, value.node]
    return out


def facts(analysis) -> Dict[str, list]:
    pos = analysis.pos
    prels = []
    for func, (index, name), ev in analysis.param_rels:
        reads = [{"a": list(r.attrs), "c": r.call, "p": list(pos[id(r.node)]), "s": analysis.snippet(pos[id(r.node)])}
                 for r in ev.reads if r.helper is None and id(r.node) in pos]
        if reads:
            prels.append({"func": func, "i": index, "n": name, "var": ev.var,
                          "loop": analysis.loop_desc(ev.frame), "reads": reads})
    cargs = []
    for node, callee, key, src in analysis.param_args:
        p = pos.get(id(node))
        if p is None:
            continue
        cargs.append({"callee": callee, "k": key, "line": p[0], "model": src.model, "orm": src.orm,
                      "has_src": not src.opaque, "prep": sorted(src.prepared), "all": bool(src.select_all),
                      "mgr": bool(src.manager), "text": shape(src.node, analysis.module)})
    return {"prels": prels, "cargs": cargs} if prels or cargs else {}


def reports(idx, files, code: str) -> Iterable[ProjectReport]:
    loops = [(path, pr) for path, f in files for pr in f.get("prels", [])]
    if not loops:
        return
    by_func: Dict[str, list] = {}
    for path, f in files:
        for arg in f.get("cargs", []):
            name = idx.func(arg["callee"])
            if name is not None:
                by_func.setdefault(name, []).append((path, arg))
    for path, pr in loops:
        callers = sorted(by_func.get(pr["func"], []), key=lambda c: (c[0], c[1]["line"]))
        callers = [(p, a) for p, a in callers if a["k"] == pr["i"] or a["k"] == pr["n"]]
        seen: set = set()
        for read in pr["reads"]:
            for caller_path, arg in callers:
                ev = {"var": pr["var"], "model": arg["model"], "base": [], "has_src": arg["has_src"],
                      "orm": arg["orm"], "prep": arg["prep"], "all": arg["all"], "callee": None, "mgr": arg["mgr"]}
                try:
                    outcome = idx.resolve_read(ev, tuple(read["a"]), read["c"])
                except Unknown:  # pragma: no cover - the project index never raises
                    continue
                if not outcome or outcome["code"] != code or outcome["key"] in seen:
                    continue
                if outcome.get("via"):
                    # `p.requires_approval()` reads `self.item.tax_rule`: through a model method the
                    # read is often in a branch or already loaded by earlier work on the same rows
                    # (2 of 3 such findings wrong on the corpus); direct reads only
                    continue
                seen.add(outcome["key"])
                where = "this file" if caller_path == path else caller_path
                src_text = f"`{arg['text']}` (passed as `{pr['n']}` in {where}, line {arg['line']})"
                p = read["p"]
                yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                    rel_message(outcome, pr["var"], pr["loop"], src_text), read.get("s", ""))
                break
