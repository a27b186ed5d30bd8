from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import call_chains as cc
from ...frameworks import clients, routes
from ._chains import ChainRule

_CACHING_DECORATORS = frozenset({"lru_cache", "cache", "cached", "cached_property", "memoize", "memoized",
                                 "singleton", "once"})
_SETUP_NAMES = ("lifespan", "startup", "on_startup", "init_app", "create_app", "setup", "configure",
                "__init__", "ready", "get_instance", "instance")


def _decorator_names(func: cst.FunctionDef) -> List[str]:
    names = []
    for dec in func.decorators:
        expr = dec.decorator.func if type(dec.decorator) is cst.Call else dec.decorator
        while type(expr) is cst.Attribute:
            names.append(expr.attr.value)
            expr = expr.value
        if type(expr) is cst.Name:
            names.append(expr.value)
    return names


def _has_global(func: cst.FunctionDef) -> bool:
    for node in func.body.body:
        if type(node) is cst.SimpleStatementLine and any(type(s) is cst.Global for s in node.body):
            return True
    return False


class ConnectionPerRequest(ChainRule):
    """A database engine, pool or client is created on every request.

    ## What it does
    Finds, inside an HTTP handler (as `backlint routes` lists them) or inside a project function
    a handler calls (same file, or another module through the project index, up to three
    functions deep), the creation of a resource meant to live for the whole process:
    `create_engine`, `create_async_engine`, `sessionmaker`, `MongoClient`, `redis.Redis`,
    `redis.from_url`, `psycopg2.connect`, `psycopg.connect`, `pymysql.connect`,
    `asyncpg.connect`/`create_pool`, `httpx.Client()`, `httpx.AsyncClient()`,
    `aiohttp.ClientSession()` (aiohttp's own docs: one session per application, not per
    request), `requests.Session()`.

    Not reported: module-level engines, pools and clients; functions cached with `lru_cache`,
    `cache` or `cached_property`; lazily initialised globals (a function with a `global`
    statement, or the creation inside `if ... is None:`); setup code (`lifespan`, `startup`,
    `create_app`, `__init__`, `ready`); dependencies that yield a session from a module-level
    factory; `redis.Redis(connection_pool=...)`; Celery tasks, scripts, management commands and
    tests (they are not request paths).

    ## Why is this bad?
    "Use connection pooling": an engine, pool or client owns a pool of connections. Built per
    request, each request pays a TCP and TLS handshake and a database login, the pool never
    warms up, and under load the database runs out of connection slots while old ones wait to be
    garbage-collected.

    ## Example
    ```python
    import redis
    from flask import Flask

    app = Flask(__name__)

    @app.route("/visits")
    def visits():
        client = redis.Redis(host="cache")
        return str(client.incr("visits"))
    ```

    ## Use instead
    ```python
    import redis
    from flask import Flask

    app = Flask(__name__)
    client = redis.Redis(host="cache")

    @app.route("/visits")
    def visits():
        return str(client.incr("visits"))
    ```

    ## Known problems
    Helpers are followed only when their names resolve (a function of the same file,
    `self.method()`, an imported project function). A handler that builds a client once and
    stores it somewhere for later requests in a way not listed above is reported.
    """

    code = "BL404"
    name = "connection-per-request"
    category = "connection-per-request"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "performance")
    text_markers = ("create_engine", "create_async_engine", "sessionmaker", "MongoClient", "MotorClient", "Redis",
                    "from_url", "connect(", "create_pool", "Client(", "Session(", "session(", "ClientSession")

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._routes = routes.for_context(self.ctx)
        self._excluded: Dict[int, bool] = {}

    def _setup_function(self, func: cst.FunctionDef) -> bool:
        key = id(func)
        if key not in self._excluded:
            name = func.name.value.lower()
            self._excluded[key] = (
                bool(set(_decorator_names(func)) & _CACHING_DECORATORS) or _has_global(func)
                or name in _SETUP_NAMES or name.endswith(("_startup", "_lifespan"))
                or name.startswith(("startup", "init_", "setup_"))
            )
        return self._excluded[key]

    def _lazy(self, frame_node: cst.FunctionDef) -> bool:
        """Inside ``if _client is None:`` / ``if not self._client:`` (built once, then reused)."""
        for ancestor in reversed(self.ctx.ancestors):
            if ancestor is frame_node:
                return False
            if type(ancestor) is cst.If:
                test = ancestor.test
                if type(test) is cst.Comparison and any(
                        type(c.operator) is cst.Is and type(c.comparator) is cst.Name
                        and c.comparator.value == "None" for c in test.comparisons):
                    return True
                if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
                    return True
        return False

    def effect(self, node: cst.Call, frame: cc.Frame) -> Optional[str]:
        if type(node.func) not in (cst.Name, cst.Attribute):
            return None
        found = clients.per_call_resource(node, self.ctx.qualified_name)
        if found is None or self._setup_function(frame.node) or self._lazy(frame.node):
            return None
        return found

    def root_label(self, node: cst.FunctionDef, qualname: Optional[str]) -> Optional[str]:
        handler = self._routes.handler_for(node)
        return handler.name if handler is not None else None

    @classmethod
    def message(cls, root: str, chain: List[str], extra: Dict[str, Any]) -> str:
        made = chain[-1]
        advice = clients.ADVICE[clients.kind_of(made)]
        if len(chain) == 1:
            return f"The handler `{root}` creates `{made}` on every request; {advice}."
        return (f"{cc.arrow([root] + chain)}: the handler `{root}` creates `{made}` on every request through "
                f"its helper; {advice}.")
