"""Does a POST handler create a resource, and does it answer 201 (for BL109)?

Creation is read from the handler's own database writes (``persistence.classify``): a manager's
`create`/`bulk_create`, `session.add(...)`, Mongo `insert_one`/`insert_many`, `serializer.save()`
on a serializer built without an instance, `obj.save()` of an instance built in the handler
(`obj = Order(...)`). POST endpoints named for something other than a new resource (search,
token, login, preview, webhook, validate, ...) are not creates, whatever they write.
"""
from __future__ import annotations

from typing import Optional

from .._lazy import cst
from . import route_kinds
from ..walker import source_children

NOT_CREATE_WORDS = frozenset({
    "search", "query", "find", "lookup", "filter", "token", "tokens", "login", "logout", "signin", "signout", "auth",
    "authenticate", "refresh", "preview", "render", "webhook", "webhooks", "hook", "hooks", "validate",
    "validation", "check", "verify", "test", "callback", "export", "calculate", "estimate", "count", "ping",
    "notify", "send", "sync", "trigger", "run", "execute", "dispatch", "reset", "password", "move", "sort",
    "reorder", "copy", "duplicate", "clone", "import", "upload", "bulk", "batch", "update", "edit",
    "delete", "remove", "toggle", "mark", "read", "seen", "like", "vote", "rate", "subscribe", "unsubscribe",
    "follow", "unfollow", "join", "leave", "approve", "reject", "cancel", "close", "open", "lock", "unlock",
    "archive", "restore", "retry", "start", "stop", "pause", "resume", "complete", "confirm", "accept", "decline",
    "assign", "unassign", "attach", "detach", "link", "unlink", "set", "reset", "change", "save", "sign",
    "settings", "setting", "config", "configuration", "preferences", "profile", "me",
})
CREATE_METHODS = ("create()", "bulk_create()", "session.add()", ".add()", "add_all()", "insert_one()",
                  "insert_many()", "abulk_create()", "acreate()")


def creating_write(what: str) -> bool:
    """Does the write described by ``what`` (``persistence.Access.what``) make a new row?"""
    tail = what.rsplit("…", 1)[-1]
    return tail.endswith(CREATE_METHODS) and not tail.endswith(("get_or_create()", "update_or_create()"))


def not_a_create(*texts: Optional[str]) -> Optional[str]:
    for text in texts:
        for word in route_kinds.words(text or ""):
            if word in NOT_CREATE_WORDS:
                return word
    return None


def new_instance_saved(call: cst.Call, func: cst.FunctionDef) -> bool:
    """`obj.save()` where ``obj = Model(...)`` (a capitalised callee) in ``func``, or
    `serializer.save()` where the serializer was built with `data=` and no instance."""
    target = call.func.value if type(call.func) is cst.Attribute else None
    if type(target) is not cst.Name:
        return False
    name = target.value
    stack = [func.body]
    while stack:
        current = stack.pop()
        if type(current) is cst.Assign and len(current.targets) == 1 \
                and type(current.targets[0].target) is cst.Name and current.targets[0].target.value == name:
            value = current.value
            if type(value) is cst.Call:
                callee = value.func.attr.value if type(value.func) is cst.Attribute else \
                    value.func.value if type(value.func) is cst.Name else ""
                positional = [a for a in value.args if a.keyword is None]
                if callee.endswith("Serializer") or "serializer" in name.lower():
                    keywords = {a.keyword.value for a in value.args if a.keyword is not None}
                    return not positional and "data" in keywords and "instance" not in keywords
                return callee[:1].isupper()
            return False
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not func:
            continue
        stack.extend(source_children(current))
    return False
