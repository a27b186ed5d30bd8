"""Writes a safe-method handler makes on purpose, which BL102 does not report.

* audit records: `AuditLog.objects.create(...)`, `LogEntry.objects.create(...)`: recording that a
  page was seen is what an audit trail is for;
* idempotent tracking marks: `notification.read = now(); notification.save()`,
  `export.save(update_fields=["downloaded"])`: a read/seen/downloaded flag or timestamp, set as a
  side effect of serving the page; repeating the GET leaves the same state. Counters
  (`article.views += 1`) are still reported: every repeated or prefetched GET changes them;
* the commit of an audit record a helper staged: a handler whose only write is `session.commit()`
  after `audit_events.record_export(session, ...)` persists the audit trail of the page it serves;
* protocol callbacks: identity- and payment-provider returns and e-mail confirmation links, which
  the protocol makes GET requests (see ``route_kinds.protocol_word``/``confirms_token``).
"""
from __future__ import annotations

import re
from typing import Optional

from ..._lazy import cst

from ...frameworks import route_kinds
from ...semantics import dotted_name
from ...walker import source_children

TRACKING_WORDS = frozenset({"read", "seen", "viewed", "visited", "downloaded", "accessed", "opened", "clicked",
                            "last", "notified", "displayed", "shown"})
_AUDIT_MODEL_RE = re.compile(r"(Audit\w*|\w*(Log|LogEntry|Logs))\.objects\b")


def audit_write(what: str) -> bool:
    return bool(_AUDIT_MODEL_RE.match(what))


def _tracking(name: str) -> bool:
    return bool(set(route_kinds.words(name)) & TRACKING_WORDS)


def tracking_save(call: cst.Call, handler: cst.FunctionDef) -> bool:
    """``x.save()`` whose changed fields (``update_fields`` or the handler's ``x.field = ...``
    assignments) are all read/seen/downloaded marks; an increment (``x.n += 1``) never is."""
    func = call.func
    if type(func) is not cst.Attribute or func.attr.value not in ("save", "asave"):
        return False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "update_fields" and \
                type(arg.value) in (cst.List, cst.Tuple):
            names = [el.value.evaluated_value for el in arg.value.elements
                     if type(el.value) is cst.SimpleString]
            return bool(names) and len(names) == len(arg.value.elements) and all(_tracking(n) for n in names)
    owner = dotted_name(func.value)
    if owner is None:
        return False
    fields = []
    stack = [handler.body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Assign:
            for target in node.targets:
                t = target.target
                if type(t) is cst.Attribute and dotted_name(t.value) == owner:
                    fields.append(t.attr.value)
        elif type(node) is cst.AugAssign and type(node.target) is cst.Attribute \
                and dotted_name(node.target.value) == owner:
            return False  # a counter: not idempotent
        if type(node) in (cst.FunctionDef, cst.ClassDef):
            continue
        stack.extend(source_children(node))
    return bool(fields) and all(_tracking(f) for f in fields)


def protocol_callback(handler) -> Optional[str]:
    """Why ``handler`` (a ``routes.Handler``) is a protocol callback, or None."""
    word = route_kinds.protocol_word(handler.name, *handler.paths)
    if word:
        return f"`{word}` in its name or path"
    check = route_kinds.confirms_token(handler.node)
    return f"checks a confirmation secret (`{check}`)" if check else None


def audit_helper(handler: cst.FunctionDef) -> Optional[str]:
    """The first call in ``handler``'s own body to a function named as an audit record
    (``audit_events.record_dsar_event(...)``, ``audit_log(...)``), or None."""
    stack = list(source_children(handler.body))
    while stack:
        node = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if type(node) is cst.Call:
            name = dotted_name(node.func)
            if name and "audit" in route_kinds.words(name):
                return name
        stack.extend(source_children(node))
    return None
