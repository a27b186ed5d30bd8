"""Calls that block the thread they run on: fine in a worker thread, fatal inside an event loop.

``blocking(call, qualify)`` names the blocking call (``requests.post``, ``time.sleep``,
``Order.objects.get``) or returns None. Names are qualified names as ``backlint.semantics``
spells them (``requests.Session().get`` is ``get`` on a session built here).

Deliberately left out: ``open()`` and file reads (local files are usually small and fast, and
telling a large file from a small one needs runtime knowledge), ``socket`` (often used with
``loop.sock_*``), and ORM calls on receivers whose type cannot be seen.
"""
from __future__ import annotations

from typing import Callable, Optional

from .._lazy import cst

from .http_clients import HTTP_METHODS

_HTTP_VERBS = frozenset(HTTP_METHODS) | {"stream", "send", "urlopen", "request_encode_body", "request_encode_url"}

# module-level callables that block, by qualified name -> display
_FUNCTIONS = {
    "time.sleep": "time.sleep",
    "urllib.request.urlopen": "urllib.request.urlopen",
    "urllib.request.urlretrieve": "urllib.request.urlretrieve",
    "urllib3.request": "urllib3.request",
    "sqlite3.connect": "sqlite3.connect",
    "psycopg2.connect": "psycopg2.connect",
    "psycopg.connect": "psycopg.connect",
    "pymysql.connect": "pymysql.connect",
    "MySQLdb.connect": "MySQLdb.connect",
    "subprocess.run": "subprocess.run",
    "subprocess.call": "subprocess.call",
    "subprocess.check_call": "subprocess.check_call",
    "subprocess.check_output": "subprocess.check_output",
    "subprocess.getoutput": "subprocess.getoutput",
    "subprocess.getstatusoutput": "subprocess.getstatusoutput",
    "os.system": "os.system",
}
for _verb in HTTP_METHODS:
    _FUNCTIONS[f"requests.{_verb}"] = f"requests.{_verb}"
    _FUNCTIONS[f"requests.api.{_verb}"] = f"requests.{_verb}"
    _FUNCTIONS[f"httpx.{_verb}"] = f"httpx.{_verb}"

# objects built by these constructors block in their request methods
_SYNC_CLIENTS = {
    "requests.Session()": "requests.Session",
    "requests.session()": "requests.Session",
    "requests.sessions.Session()": "requests.Session",
    "httpx.Client()": "httpx.Client",
    "urllib3.PoolManager()": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool()": "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool()": "urllib3.HTTPSConnectionPool",
}
# sync database sessions and connections: these methods run a query
_SYNC_DB = {
    "sqlalchemy.orm.Session()": "Session",
    "sqlalchemy.orm.session.Session()": "Session",
    "sqlite3.connect()": "sqlite3 connection",
    "psycopg2.connect()": "psycopg2 connection",
    "pymysql.connect()": "pymysql connection",
}
_DB_METHODS = frozenset({"execute", "executemany", "query", "scalars", "scalar", "get", "commit", "flush",
                         "refresh", "cursor", "fetchall", "fetchone", "merge", "delete", "rollback"})

# Django: manager/queryset methods that run a query now (their `a`-twins are the async ones);
# `filter`, `exclude`, `order_by`, ... only build a lazy queryset and are not listed.
DJANGO_EVALUATING = frozenset({
    "get", "create", "get_or_create", "update_or_create", "count", "exists", "first", "last",
    "update", "delete", "bulk_create", "bulk_update", "aggregate", "in_bulk", "earliest", "latest",
    "contains", "iterator",
})
_QUERYSET_BUILDERS = frozenset({
    "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate", "values",
    "values_list", "distinct", "only", "defer", "using", "all", "none", "reverse", "select_for_update",
    "alias", "extra",
})


def _django_query(call: cst.Call) -> Optional[str]:
    """``Order.objects.filter(...).first()`` -> ``Order.objects…first()``; lazy chains -> None."""
    func = call.func
    if type(func) is not cst.Attribute or func.attr.value not in DJANGO_EVALUATING:
        return None
    expr = func.value
    steps = 0
    while True:
        if type(expr) is cst.Call and type(expr.func) is cst.Attribute and \
                expr.func.attr.value in _QUERYSET_BUILDERS:
            expr = expr.func.value
            steps += 1
            continue
        break
    if type(expr) is cst.Attribute and expr.attr.value == "objects" and type(expr.value) is cst.Name \
            and expr.value.value[:1].isupper():
        model = expr.value.value
        return f"{model}.objects.{func.attr.value}" if steps == 0 else f"{model}.objects….{func.attr.value}"
    return None


def blocking(call: cst.Call, qualify: Callable[[cst.BaseExpression], Optional[str]],
             django: bool = False) -> Optional[str]:
    """What blocks in ``call`` (a display name), or None. ``django``: the file uses Django, so
    ``Model.objects`` chains are ORM queries."""
    qual = qualify(call.func)
    if qual is not None:
        found = _FUNCTIONS.get(qual)
        if found is not None:
            return found
        if "()." in qual:
            ctor, _, method = qual.rpartition(".")
            client = _SYNC_CLIENTS.get(ctor)
            if client is not None and method in _HTTP_VERBS:
                return f"{client}.{method}"
            db = _SYNC_DB.get(ctor)
            if db is not None and method in _DB_METHODS:
                return f"{db}.{method}"
    if django:
        return _django_query(call)
    return None
