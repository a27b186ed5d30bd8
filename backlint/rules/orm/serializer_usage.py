"""DRF ``SerializerMethodField`` getters and the querysets their serializer is given.

A getter runs once per serialized object. What it reads from ``obj`` through a relation is one
query per object unless the queryset the serializer was given prepared that relation:
``select_related`` for a foreign key, ``prefetch_related`` for a many relation read with
``.all()``, ``.count()``, ``.exists()`` (Django answers these three from the prefetch cache:
``QuerySet.count()`` and ``exists()`` read ``_result_cache`` when it is filled, which is what
``prefetch_related`` fills), ``len(obj.children.all())`` likewise. ``obj.children.filter(...)``
and the other ``RELATED_QUERY`` methods always query; those are BL201 findings of the getter
already and are not repeated here.

The querysets are found where the serializer is used for many objects:
``S(<queryset>, many=True)`` (also ``instance=``, and ``self.get_serializer(<queryset>,
many=True)`` in a view whose ``serializer_class`` is ``S``), and list views (``ListAPIView``,
``ListCreateAPIView``, ``ModelViewSet``, ``ReadOnlyModelViewSet``, ``ListModelMixin``) that
declare ``serializer_class = S`` and ``queryset = ...`` and override none of
``get_queryset``/``get_serializer_class``/``list``. A getter whose serializer is used with no
such queryset is not reported (a detail view serializes one object).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from ..._lazy import cst
from ...project import ProjectReport
from .messages import rel_message
from .syntax import _kw, _positional, shape
from .values import Src, Unknown

_LIST_VIEWS = frozenset({"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet",
                         "ListModelMixin"})
_OVERRIDES = frozenset({"get_queryset", "get_serializer_class", "list"})


def _many(node: cst.Call) -> bool:
    value = _kw(node, "many")
    return type(value) is cst.Name and value.value == "True"


def _query_fact(src: Src, text_node, analysis) -> Optional[dict]:
    if not isinstance(src, Src) or not src.model or src.rows or src.callee or src.orm != "django":
        return None
    return {"model": src.model, "has_src": not src.opaque, "prep": sorted(src.prepared),
            "all": bool(src.select_all), "mgr": bool(src.manager), "text": shape(text_node, analysis.module)}


def record_call(fp, node: cst.Call, callee: Optional[str], values: List) -> None:
    """``OrderSerializer(orders, many=True)``."""
    if not callee or not fp.record or not _many(node) or not callee.rsplit(".", 1)[-1][:1].isupper():
        return
    _record(fp, node, callee, node, values)


def record_get_serializer(fp, node: cst.Call, cls: str, values: List) -> None:
    """``self.get_serializer(page, many=True)`` in a view declaring ``serializer_class``."""
    if not fp.record or not _many(node):
        return
    ser = _class_attr(fp.a, cls, "serializer_class")
    ref = fp.a.model_ref(ser) if type(ser) in (cst.Name, cst.Attribute) else None
    if ref:
        _record(fp, node, ref, node, values)


def _record(fp, node: cst.Call, serializer: str, at, values: List) -> None:
    value = None
    for arg, v in zip(node.args, values):
        if arg.keyword is None and not arg.star or (arg.keyword is not None and arg.keyword.value == "instance"):
            value = v
            break
    if isinstance(value, Src):
        fp.a.serializer_uses.append((at, serializer, value, "many"))


def _class_attr(analysis, cls: str, name: str):
    node = analysis.classes.get(cls)
    if node is None or type(node.body) is not cst.IndentedBlock:
        return None
    for item in node.body.body:
        if type(item) is cst.SimpleStatementLine:
            for small in item.body:
                if (type(small) is cst.Assign and len(small.targets) == 1
                        and type(small.targets[0].target) is cst.Name and small.targets[0].target.value == name):
                    return small.value
    return None


def scan_views(analysis, function_pass) -> None:
    """List views of this file that declare both ``serializer_class`` and ``queryset``."""
    for cls, node in analysis.classes.items():
        if not any((analysis.ctx.qualified_name(b.value) or "").rsplit(".", 1)[-1] in _LIST_VIEWS for b in node.bases):
            continue
        if any(f"{cls}.{m}" in analysis.functions for m in _OVERRIDES):
            continue
        ser = _class_attr(analysis, cls, "serializer_class")
        ref = analysis.model_ref(ser) if type(ser) in (cst.Name, cst.Attribute) else None
        if not ref:
            continue
        src = function_pass.view_queryset(cls)
        if src is not None:
            analysis.serializer_uses.append((src.node, ref, src, cls))


def nodes(analysis) -> list:
    out = [at for at, _ser, _src, _how in analysis.serializer_uses]
    for ev in _getter_events(analysis):
        out.append(ev.frame.node)
        out += [r.node for r in ev.reads]
    return out


def _getter_events(analysis):
    return [ev for ev in analysis.rels if ev.frame.kind == "serializer" and ev.src is None and ev.reads]


def facts(analysis) -> Dict[str, list]:
    pos = analysis.pos
    by_node = {id(node): local for local, node in analysis.functions.items()}
    getters = []
    for ev in _getter_events(analysis):
        local = by_node.get(id(ev.frame.node))
        if local is None or "." not in local:
            continue
        reads = [{"a": list(r.attrs), "c": r.call, "p": list(pos[id(r.node)]), "s": analysis.snippet(pos[id(r.node)])}
                 for r in ev.reads if r.helper is None and id(r.node) in pos]
        if reads:
            getters.append({"ser": analysis.full(local.split(".")[0]), "var": ev.var, "label": ev.frame.label,
                            "reads": reads})
    uses = []
    for at, ser, src, how in analysis.serializer_uses:
        fact = _query_fact(src, src.node, analysis)
        p = pos.get(id(at))
        if fact is None or p is None:
            continue
        fact.update(ser=ser, line=p[0], how=how)
        uses.append(fact)
    return {"sgetters": getters, "suses": uses} if getters or uses else {}


def reports(idx, files, code: str) -> Iterable[ProjectReport]:
    if code != "BL202":
        return  # the getter's own queries (BL201) are reported by the getter's frame
    getters = [(path, g) for path, f in files for g in f.get("sgetters", [])]
    if not getters:
        return
    uses: Dict[str, list] = {}
    for path, f in files:
        for use in f.get("suses", []):
            uses.setdefault(use["ser"], []).append((path, use))
    names = {name: name for name in uses}
    for path, g in getters:
        found = idx._match(g["ser"], names) if names else None
        if found is None:
            continue
        seen: set = set()
        loop = "the objects " + g["label"]
        for read in g["reads"]:
            for use_path, use in sorted(uses[found], key=lambda u: (u[0], u[1]["line"])):
                ev = {"var": g["var"], "model": use["model"], "base": [], "has_src": use["has_src"],
                      "orm": "django", "prep": use["prep"], "all": use["all"], "callee": None, "mgr": use["mgr"]}
                try:
                    outcome = idx.resolve_read(ev, tuple(read["a"]), read["c"])
                except Unknown:  # pragma: no cover - the project index never raises
                    continue
                if not outcome or outcome["code"] != code or outcome["key"] in seen:
                    continue
                seen.add(outcome["key"])
                where = "this file" if use_path == path else use_path
                how = "serialized with `many=True`" if use["how"] == "many" else f"the queryset of `{use['how']}`"
                src_text = f"`{use['text']}` ({how} in {where}, line {use['line']})"
                p = read["p"]
                yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                    rel_message(outcome, g["var"], loop, src_text), read.get("s", ""))
                break
