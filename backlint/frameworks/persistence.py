"""Small predicates for the API rules: is this call database access, a write, an outbound side effect?

Deliberately syntactic and local (the N+1 rules keep their own, richer ORM model elsewhere). A call
is classified from its qualified name (through ``ctx.qualified_name``) and, where libraries cannot
be told apart by name, from the conventional receiver names (``session``, ``db.session``,
``cursor``, ``Model.objects``, ``Model.query``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from .._lazy import cst

from ..semantics import dotted_name, positional_args
from . import http_clients
from . import declared

READ, WRITE, COMMIT = "read", "write", "commit"

SESSION_NAMES = frozenset({"session", "db", "db_session", "dbsession", "sess", "async_session", "dbs", "uow"})
SESSION_READS = frozenset({"query", "execute", "scalars", "scalar", "get", "exec", "get_one", "stream",
                           "stream_scalars", "refresh"})
SESSION_WRITES = frozenset({"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings",
                            "bulk_update_mappings"})
SESSION_COMMITS = frozenset({"commit", "flush"})
MANAGER_WRITES = frozenset({"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
                            "update", "delete", "acreate", "aget_or_create", "aupdate_or_create", "abulk_create",
                            "aupdate", "adelete"})
MONGO_WRITES = frozenset({"insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many",
                          "replace_one", "find_one_and_update", "find_one_and_delete", "find_one_and_replace",
                          "bulk_write"})
MONGO_READS = frozenset({"find", "find_one", "aggregate", "count_documents"})
# receivers that are named like a session but are something else
NOT_DB_PREFIXES = ("flask.", "quart.", "requests.", "aiohttp.", "httpx.", "django.contrib.sessions", "starlette.",
                   "werkzeug.", "sanic.", "litestar.", "urllib3.")
SQL_WRITE_RE = re.compile(r"^\s*(insert|update|delete|merge|upsert|replace|truncate|create|drop|alter)\b", re.I)
SQL_ANY_RE = re.compile(r"^\s*(select|with|insert|update|delete|merge|upsert|replace|truncate|create|drop|alter)\b",
                        re.I)
SA_WRITE_CONSTRUCTS = ("insert", "update", "delete")
_DB_HINT_RE = re.compile(r"(db|database|model|orm|meta|sql|session|store|repo|persist|extensions)", re.I)
SANCTIONED_SAVERS = ("serializer", "form", "formset")


@dataclass(frozen=True)
class Access:
    kind: str  # read | write | commit
    what: str  # short text for messages, e.g. "session.commit()"
    sanctioned: bool = False  # e.g. serializer.save() in DRF's generic flow


Qualify = Callable[[Any], Optional[str]]


def _chain_root_call(expr: cst.BaseExpression) -> Optional[cst.Call]:
    """``update(User).where(...).values(...)`` -> the ``update(User)`` call."""
    root = None
    while True:
        if type(expr) is cst.Call:
            root = expr
            expr = expr.func
        elif type(expr) is cst.Attribute:
            expr = expr.value
        else:
            return root


def _sql_literal(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if type(node) is cst.SimpleString:
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover
            return None
        return value if isinstance(value, str) else None
    if type(node) is cst.ConcatenatedString:
        return _sql_literal(node.left)
    if type(node) is cst.FormattedString:
        text = "".join(p.value for p in node.parts if type(p) is cst.FormattedStringText)
        return text
    return None


_PING_RE = re.compile(r"^\s*select\s+1\s*;?\s*$", re.I)


def is_ping(arg: Optional[cst.BaseExpression]) -> bool:
    """``SELECT 1`` (directly or in ``text(...)``): a health-check ping, not data access."""
    if type(arg) is cst.Call and arg.args:
        arg = arg.args[0].value
    sql = _sql_literal(arg)
    return bool(sql and _PING_RE.match(sql))


def statement_kind(arg: Optional[cst.BaseExpression], qualify: Qualify) -> str:
    """READ or WRITE for the first argument of an ``execute`` call."""
    if arg is None:
        return READ
    root = _chain_root_call(arg) if type(arg) is cst.Call else None
    if root is not None:
        name = qualify(root.func) or dotted_name(root.func) or ""
        last = name.rsplit(".", 1)[-1]
        if last in SA_WRITE_CONSTRUCTS and (name.startswith("sqlalchemy") or name.startswith("sqlmodel") or name == last):
            return WRITE
        if last == "text" and root.args:
            sql = _sql_literal(root.args[0].value)
            if sql and SQL_WRITE_RE.match(sql):
                return WRITE
    sql = _sql_literal(arg)
    if sql and SQL_WRITE_RE.match(sql):
        return WRITE
    return READ


def _receiver_is_session(receiver: cst.BaseExpression, qualify: Qualify) -> bool:
    if type(receiver) not in (cst.Name, cst.Attribute):
        return False  # session.execute(...).scalars(): a result, not the session
    qual = qualify(receiver)
    if qual:
        if declared.is_db_session(qual):  # the project's own session factory ([tool.backlint.frameworks])
            return True
        if qual.startswith(NOT_DB_PREFIXES):
            return False
        if "sqlalchemy" in qual or "sqlmodel" in qual or qual.endswith("Session()") or qual.endswith("session()"):
            return True
        if type(receiver) is cst.Name and "()" not in qual and not _DB_HINT_RE.search(qual.rsplit(".", 1)[0]):
            # imported from a module that is not about persistence (e.g. a web helper re-exporting the
            # cookie session): not a database session
            return False
    name = dotted_name(receiver)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1].lower()
    if (name.startswith("request.") or name.startswith("self.request.")) and last == "session":
        return False  # Django's HTTP session
    return last in SESSION_NAMES or last.endswith("_session") or last.endswith("_db")


def _objects_chain(func: cst.BaseExpression) -> Optional[str]:
    """``Post.objects.filter(...).first`` -> "Post" if the chain goes through ``<Model>.objects``."""
    expr = func.value if type(func) is cst.Attribute else func  # `X.query(...)` itself is a method call
    while True:
        if type(expr) is cst.Attribute:
            if expr.attr.value in ("objects", "query", "_default_manager") and type(expr.value) is cst.Name \
                    and expr.value.value[:1].isupper():
                return expr.value.value + "." + expr.attr.value
            expr = expr.value
        elif type(expr) is cst.Call:
            expr = expr.func
        elif type(expr) is cst.Subscript:
            expr = expr.value
        else:
            return None


def classify(call: cst.Call, qualify: Qualify) -> Optional[Access]:
    """Database access made by ``call``, or None."""
    func = call.func
    if type(func) is not cst.Attribute:
        return None
    method = func.attr.value
    receiver = func.value
    written = dotted_name(receiver)
    # SQLAlchemy / SQLModel sessions, Flask-SQLAlchemy's db.session
    if method in SESSION_READS | SESSION_WRITES | SESSION_COMMITS and _receiver_is_session(receiver, qualify):
        label = f"{written or 'session'}.{method}()"
        if method in SESSION_COMMITS:
            return Access(COMMIT, label)
        if method in SESSION_WRITES:
            return Access(WRITE, label)
        if method == "execute" or method == "exec":
            first = positional_args(call)[0].value if positional_args(call) else None
            if is_ping(first):
                return None
            kind = statement_kind(first, qualify)
            return Access(kind, label)
        return Access(READ, label)
    # Django managers/querysets and Flask-SQLAlchemy's Model.query
    model = _objects_chain(func)
    if model is not None:
        if method in MANAGER_WRITES and model.endswith(".objects"):
            return Access(WRITE, f"{model}.{method}()" if type(receiver) is cst.Name or written == model
                          else f"{model}…{method}()")
        if method in ("update", "delete") and model.endswith(".query"):
            return Access(WRITE, f"{model}…{method}()")
        return Access(READ, f"{model}…" if written != model else f"{model}.{method}()")
    # cursors and raw connections
    if written is not None:
        last = written.rsplit(".", 1)[-1].lower()
        if method in ("execute", "executemany", "executescript") and ("cursor" in last or last in (
                "conn", "connection", "cur", "engine", "con")):
            args = positional_args(call)
            if args and is_ping(args[0].value):
                return None
            kind = statement_kind(args[0].value if args else None, qualify)
            return Access(kind, f"{written}.{method}()")
        if method == "cursor" and (last in ("connection", "conn", "con") or (qualify(receiver) or "").startswith(
                "django.db")):
            return Access(READ, f"{written}.cursor()")
        if method == "raw" and written.endswith(".objects"):
            return Access(READ, f"{written}.raw()")
    # asyncpg connections/pools and the `databases` library
    if method in ASYNC_DRIVER_READS | ASYNC_DRIVER_EXECUTES and written is not None \
            and _async_driver(receiver, written, qualify):
        args = positional_args(call)
        if method in ASYNC_DRIVER_EXECUTES:
            if args and is_ping(args[0].value):
                return None
            return Access(statement_kind(args[0].value if args else None, qualify), f"{written}.{method}()")
        return Access(READ, f"{written}.{method}()")
    # Mongo collections
    if method in MONGO_WRITES and "cache" not in (written or "").lower():  # `cache.delete_many(keys)` is a cache
        return Access(WRITE, f"{written or '…'}.{method}()")
    if method in MONGO_READS and written and (written.startswith("db.") or "collection" in written.lower()):
        return Access(READ, f"{written}.{method}()")
    # model instances: obj.save(), obj.delete() (Django); serializer.save() / form.save() are sanctioned;
    # `form.save(commit=False)` builds an unsaved instance: not a write
    if method in ("save", "asave") and _commit_false(call):
        return None
    if method in ("save", "delete", "asave", "adelete") and not positional_args(call) and written is not None \
            and written not in ("self", "super()") and not written.startswith("request.") \
            and not written.startswith("self.request"):
        last = written.rsplit(".", 1)[-1].lower()
        if "session" in last or "cache" in last or "file" in last or "storage" in last:
            return None
        sanctioned = method in ("save", "asave") and any(s in last for s in SANCTIONED_SAVERS)
        return Access(WRITE, f"{written}.{method}()", sanctioned=sanctioned)
    return None


# asyncpg (`conn.fetch/fetchrow/fetchval`, `pool.execute`) and `databases` (`database.fetch_all`)
ASYNC_DRIVER_READS = frozenset({"fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate"})
ASYNC_DRIVER_EXECUTES = frozenset({"execute", "executemany", "execute_many"})
_ASYNC_DRIVER_NAMES = ("conn", "connection", "con", "pool", "database", "db_pool", "pg", "pgpool")


def _async_driver(receiver: cst.BaseExpression, written: str, qualify: Qualify) -> bool:
    qual = qualify(receiver) or ""
    if qual.startswith(("asyncpg.", "databases.")):
        return True
    last = written.rsplit(".", 1)[-1].lower()
    return last in _ASYNC_DRIVER_NAMES or last.endswith(("_conn", "_connection", "_pool", "_database"))


def _commit_false(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "commit":
            return type(arg.value) is cst.Name and arg.value.value == "False"
    return False


# Django related managers: `order.lines.all().delete()`, `board.pins.filter(...).update(...)`,
# `obj.tags.add(tag)`, `device.token_set.create(...)`
RELATED_QUERYSET_STEPS = frozenset({"all", "filter", "exclude", "select_related", "prefetch_related", "only",
                                    "defer", "order_by", "select_for_update", "using"})
RELATED_QUERYSET_WRITES = frozenset({"delete", "update", "adelete", "aupdate"})
RELATED_MANAGER_WRITES = frozenset({"add", "remove", "set", "clear", "create", "get_or_create", "update_or_create",
                                    "bulk_create", "aadd", "aremove", "aset", "aclear", "acreate"})


def related_write(call: cst.Call) -> Optional[Access]:
    """A write through a Django related manager (only asked for Django/DRF handlers)."""
    func = call.func
    if type(func) is not cst.Attribute:
        return None
    method = func.attr.value
    receiver = func.value
    if method in RELATED_QUERYSET_WRITES and type(receiver) is cst.Call \
            and type(receiver.func) is cst.Attribute and receiver.func.attr.value in RELATED_QUERYSET_STEPS:
        manager = receiver.func.value
        while type(manager) is cst.Call and type(manager.func) is cst.Attribute \
                and manager.func.attr.value in RELATED_QUERYSET_STEPS:
            manager = manager.func.value
        if _related_manager(manager):
            return Access(WRITE, f"{dotted_name(manager)}…{method}()")
        return None
    if method in RELATED_MANAGER_WRITES and _related_manager(receiver):
        return Access(WRITE, f"{dotted_name(receiver)}.{method}()")
    return None


def _related_manager(expr: cst.BaseExpression) -> bool:
    """``obj.children`` / ``request.user.groups`` / ``device.token_set``: an attribute of an object,
    not of ``self`` itself, not a ``Model.objects`` manager (classified elsewhere)."""
    if type(expr) is not cst.Attribute:
        return False
    owner, rel = expr.value, expr.attr.value
    written = dotted_name(owner)
    if written is None or written == "self" or rel in ("objects", "query", "_default_manager", "session"):
        return False
    if type(owner) is cst.Name and owner.value[:1].isupper():
        return False
    if rel.endswith("_set"):
        return True
    if rel.startswith("_") or not rel.endswith("s") or rel in ("fields", "errors", "headers", "cookies", "items",
                                                               "args", "kwargs", "params", "options", "settings"):
        return False
    # a plural attribute of an object (`obj.tags`, `request.user.groups`); only asked for Django handlers,
    # and the containers that are named like this are excluded above
    return True


# -- outbound side effects ------------------------------------------------------------------------

EMAIL_NAMES = ("send_mail", "send_email", "send_mass_mail", "mail_admins", "mail_managers", "send_message",
               "sendmail", "send_welcome_email", "email_user")
QUEUE_METHODS = frozenset({"delay", "apply_async", "send_task", "publish", "basic_publish", "enqueue",
                           "send_message_batch", "produce"})


def side_effect(call: cst.Call, qualify: Qualify) -> Optional[str]:
    """"an outbound HTTP call (`requests.post`)", "an email (...)", "a queue publish (...)" or None."""
    target = qualify(call.func) or ""
    written = dotted_name(call.func) or ""
    if declared.is_http_client(target):  # the project's own client wrapper ([tool.backlint.frameworks])
        return f"an outbound HTTP call (`{written or target}`)"
    if target.startswith(("aiohttp.web.", "aiohttp.web_")):
        return None  # the server side: `web.json_response`, `web.HTTPConflict` answer the request
    if http_clients.timeout_spec(target) is not None or (
            target.startswith(("requests.", "httpx.", "aiohttp.", "urllib.request.", "urllib3.")) and "()" not in target):
        if not target.endswith(("Session", "Client", "AsyncClient", "ClientSession", "ClientTimeout", "Timeout")):
            shown = written if written == target or not written else f"{written}` = `{target}"
            return f"an outbound HTTP call (`{shown}`)"
    last = (written or target).rsplit(".", 1)[-1]
    if target.startswith(("smtplib.", "django.core.mail.", "flask_mail.")) or last in EMAIL_NAMES or \
            ("email" in last.lower() and last.lower().startswith(("send", "notify"))):
        return f"an email (`{written or target}`)"
    if last in QUEUE_METHODS and "." in written:
        return f"a queue/task publish (`{written}`)"
    if last.startswith("notify_") or last.startswith("publish_"):
        return f"a notification (`{written}`)"
    lower = last.lower()
    if lower == "add_task" and "." in written:  # FastAPI/Starlette BackgroundTasks
        return f"a background task (`{written}`)"
    if "webhook" in lower and lower.startswith(_SEND_PREFIXES):
        return f"a webhook (`{written or target}`)"
    if target.startswith(_PAYMENT_SDKS):
        return f"a payment-provider call (`{written or target}`)"
    if lower.startswith(("charge", "capture_", "refund_")) or ("payment" in lower and lower.startswith(_PAY_PREFIXES)):
        return f"a payment (`{written or target}`)"
    return None


# project helpers named for outbound business work: `send_webhook(...)`, `charge_card(...)`,
# `payments.create_payment(...)`; payment SDKs called directly
_SEND_PREFIXES = ("send", "emit", "trigger", "fire", "dispatch", "deliver", "enqueue", "queue", "post_", "call_")
_PAY_PREFIXES = ("create_", "process_", "capture", "refund", "charge", "make_", "execute_", "submit_")
_PAYMENT_SDKS = ("stripe.", "braintree.", "paypalrestsdk.", "adyen.", "mollie.")


def describe(accesses: List[Access], limit: int = 4) -> str:
    counts = {}
    for a in accesses:
        counts[a.what] = counts.get(a.what, 0) + 1
    parts = [f"`{w}`" + (f" ×{n}" if n > 1 else "") for w, n in counts.items()]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more
