"""The project pass of BL201/BL202: builds the project index from every file's facts and
reports the calls and relation reads a file could not decide alone."""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from ...project import ProjectReport
from .helpers import _helper_return
from .index import Index
from . import other_orms, param_querysets, serializer_usage
from .messages import call_code, call_message, rel_message
from .values import Unknown


FACTS_KEY = "n-plus-one"


def project_index(index, code: str) -> Tuple[Index, List[Tuple[str, dict]]]:
    models: Dict[str, Dict[str, dict]] = {}
    funcs: Dict[str, Dict[str, dict]] = {}
    managers: Dict[str, Dict[str, dict]] = {}
    files = []
    for path, facts in index.facts(FACTS_KEY):
        mod = facts.get("mod", "")
        models.setdefault(mod, {}).update(facts.get("models", {}))
        funcs.setdefault(mod, {}).update(facts.get("funcs", {}))
        managers.setdefault(mod, {}).update(facts.get("mgrs", {}))
        files.append((path, facts))
    return Index(models, funcs, local=False, managers_by_mod=managers), files


def _call_reports(idx, path: str, facts: dict, code: str) -> Iterable[ProjectReport]:
    """The loop's calls to functions of other modules that query: BL201's lookups, BL205's others."""
    for c in facts.get("calls", []):
        found = idx.query_of(c["callee"])
        if found and call_code(c["text"], found) == code:
            p = c["p"]
            yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                call_message(c["text"], c["loop"], found, c.get("same", False), code), c.get("s", ""))


def project_reports(index, code: str) -> Iterable[ProjectReport]:
    idx, files = project_index(index, code)
    if code == "BL205":  # calls only
        for path, facts in files:
            yield from _call_reports(idx, path, facts, code)
        return
    for path, facts in files:
        if code == "BL201":
            yield from _call_reports(idx, path, facts, code)
        for ev in facts.get("rels", []):
            ev = dict(ev)
            if ev.get("callee"):
                ret = _helper_return(idx, ev["callee"])
                if ret is None and other_orms.keeps_unfollowed(idx, ev):
                    ret = {"model": ev["model"], "prep": ev.get("prep", []), "all": ev.get("all", False),
                           "opaque": not ev.get("has_src"), "orm": ev["orm"]}
                    ev["src_text"] = ev.get("src_text") or "`" + ".".join(ev["callee"].rsplit(".", 2)[-2:]) + "(...)`"
                if ret is None:
                    continue
                ev.update(model=ret["model"], prep=ret.get("prep", []), all=ret.get("all", False),
                          has_src=not ret.get("opaque"), orm=ret.get("orm"))
                if not ev.get("src_text"):
                    ev["src_text"] = ev["callee"].rsplit(".", 1)[-1] + "()"
            seen = set(ev.get("done", []))
            for read in ev.get("reads", []):
                try:
                    if read.get("h"):
                        outcome = idx.resolve_helper(ev, tuple(read["h"]))
                    else:
                        outcome = idx.resolve_read(ev, tuple(read["a"]), read["c"])
                except Unknown:  # pragma: no cover - the project index never raises
                    continue
                if not outcome or outcome["code"] != code or outcome["key"] in seen:
                    continue
                seen.add(outcome["key"])
                p = read["p"]
                yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                    rel_message(outcome, ev["var"], ev["loop"], ev.get("src_text", "")), read.get("s", ""))
    yield from param_querysets.reports(idx, files, code)
    yield from serializer_usage.reports(idx, files, code)
