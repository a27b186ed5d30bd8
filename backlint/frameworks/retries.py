"""Retry loops and retry decorators: does anything wait between attempts?

Plain predicates over libcst nodes, for BL406. A *retry loop* is ``for _ in range(n)`` or a
``while`` loop whose body is a ``try`` that leaves the loop on success (``break``/``return``)
and goes round again on failure (the handler falls through or ``continue``s), around a call
that talks to another system.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from .._lazy import cst

from .values import iter_nodes

# calling something with one of these words in its name waits (time.sleep, asyncio.sleep,
# a project helper `_backoff(attempt)`, `event.wait(5)`)
_WAIT_WORDS = ("sleep", "backoff", "wait", "delay", "pause", "throttle", "jitter")
# qualified-name roots of clients that talk to another system
NETWORK_ROOTS = frozenset({
    "requests", "httpx", "aiohttp", "urllib", "urllib3", "http", "socket", "smtplib", "ftplib", "boto3",
    "botocore", "redis", "psycopg2", "psycopg", "pymysql", "MySQLdb", "sqlalchemy", "pymongo", "motor",
    "asyncpg", "grpc", "paramiko", "kombu", "pika", "aio_pika", "elasticsearch", "ldap3", "ldap",
    "kafka", "aiokafka", "nats", "websockets", "xmlrpc", "sqlite3",
})
# methods that do I/O on whatever client they are called on
NETWORK_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "request", "send", "sendall", "execute", "connect",
    "urlopen", "fetch", "query", "invoke", "publish", "recv", "upload", "download", "put_object",
    "get_object", "login", "bind", "search", "commit", "call_api", "sendmail", "send_message",
})
TENACITY_RETRY = frozenset({"tenacity.retry", "tenacity.Retrying", "tenacity.AsyncRetrying"})
RETRYING_RETRY = frozenset({"retrying.retry", "retrying.Retrying"})
RETRYING_WAITS = ("wait_fixed", "wait_random_min", "wait_random_max", "wait_incrementing_start",
                  "wait_incrementing_increment", "wait_exponential_multiplier", "wait_exponential_max",
                  "wait_func", "wait_jitter_max")


def waits(call: cst.Call) -> bool:
    func = call.func
    name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    name = name.lower()
    return any(w in name for w in _WAIT_WORDS)


def any_wait(root: cst.CSTNode) -> bool:
    return any(type(n) is cst.Call and waits(n) for n in iter_nodes(root, into_scopes=False))


def _exits(body: Sequence[cst.CSTNode]) -> bool:
    """The statements end with an unconditional ``break`` or ``return``: success leaves the
    loop (a consumer loop that breaks only on shutdown does not)."""
    last = body[-1] if body else None
    if type(last) is cst.SimpleStatementLine and last.body:
        return type(last.body[-1]) in (cst.Break, cst.Return)
    return False


def _handler_retries(handler: cst.ExceptHandler) -> bool:
    """The handler lets the loop go round again: it does not always raise, break or return."""
    last = handler.body.body[-1] if handler.body.body else None
    if type(last) is cst.SimpleStatementLine:
        small = last.body[-1] if last.body else None
        if type(small) in (cst.Raise, cst.Break, cst.Return):
            return False
    return True


def retry_try(loop: cst.CSTNode) -> Optional[cst.Try]:
    """The ``try`` that makes ``loop`` a retry loop, or None."""
    body = loop.body.body if type(loop.body) is cst.IndentedBlock else ()
    tries = [s for s in body if type(s) is cst.Try]
    if len(tries) != 1:
        return None
    attempt = tries[0]
    if not attempt.handlers or not any(_handler_retries(h) for h in attempt.handlers):
        return None
    after = body[body.index(attempt) + 1:]
    if not (_exits(attempt.body.body) or (attempt.orelse is not None and _exits(attempt.orelse.body.body))
            or _exits(after)):
        return None
    return attempt


def is_attempt_counter(loop: cst.For) -> bool:
    """``for attempt in range(3)``: counts attempts, not items (``range(len(items))`` is per item)."""
    it = loop.iter
    if not (type(it) is cst.Call and type(it.func) is cst.Name and it.func.value == "range"):
        return False
    for arg in it.args:
        if type(arg.value) is cst.Call:
            return False  # range(len(items)), range(count())
    target = loop.target
    if type(target) is cst.Name and target.value != "_":
        for node in iter_nodes(loop.body):
            if type(node) is cst.Subscript:
                for inner in iter_nodes(node):
                    if type(inner) is cst.Name and inner.value == target.value:
                        return False  # items[i]: a loop over positions
    return True


def network_call(root: cst.CSTNode, qualify: Callable[[cst.BaseExpression], Optional[str]]) -> Optional[cst.Call]:
    """The first call in ``root`` that talks to another system, or None."""
    for node in iter_nodes(root):
        if type(node) is not cst.Call:
            continue
        qual = qualify(node.func)
        if qual and qual.split(".", 1)[0] in NETWORK_ROOTS:
            return node
        if type(node.func) is cst.Attribute and node.func.attr.value in NETWORK_METHODS:
            return node
    return None
