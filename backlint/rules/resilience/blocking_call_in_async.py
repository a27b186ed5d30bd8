from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import blocking_calls
from ...frameworks import call_chains as cc
from ._chains import ChainRule


class BlockingCallInAsync(ChainRule):
    """A blocking call runs inside an `async def`, directly or through project helpers.

    ## What it does
    Finds, inside a coroutine (`async def`: handlers first, every coroutine too), calls that
    block the thread: `time.sleep`, sync HTTP clients (`requests`, `urllib.request.urlopen`,
    `httpx` module functions and `httpx.Client`, `urllib3`), sync database drivers and sessions
    (`sqlite3`, `psycopg2`, `psycopg.connect`, `pymysql`, a SQLAlchemy `Session` built in the
    function), Django ORM queries that run at once (`Model.objects.get()`, `.count()`,
    `.filter(...).first()`), and `subprocess.run/call/check_call/check_output`, `os.system`.

    It also follows calls to the project's own sync functions, in the same file or in other
    modules (through the project index), up to three functions deep, and names the chain:
    `checkout → services.charge() → requests.post`.

    Not reported: `await asyncio.sleep`, async clients (`httpx.AsyncClient`, aiohttp, asyncpg,
    `AsyncSession`, `redis.asyncio`, motor), calls handed to a thread
    (`run_in_threadpool(f, ...)`, `asyncio.to_thread(f, ...)`, `loop.run_in_executor(...)`,
    `sync_to_async(f)`, anything inside a `lambda`), nested plain `def`s (they run wherever
    they are called), plain `def` FastAPI handlers and dependencies (run in a thread pool), lazy
    Django querysets that are only built, Django's `a`-methods (`aget`, `acount`), tests,
    scripts and management commands. `open()` and file reads are not reported: local files are
    usually small, and the size cannot be seen.

    ## Why is this bad?
    An event loop runs every request of the process on one thread. A blocking call inside a
    coroutine stops all of them until it returns: one slow upstream answer of two seconds
    freezes every other request of that worker for two seconds. Django refuses ORM calls in
    async code outright (`SynchronousOnlyOperation`).

    ## Example
    ```python
    import requests

    async def checkout(order_id):
        return requests.post("https://pay.example.com/charge", json={"id": order_id}, timeout=5)
    ```

    ## Use instead
    ```python
    import httpx

    async def checkout(order_id):
        async with httpx.AsyncClient(timeout=5) as client:
            return await client.post("https://pay.example.com/charge", json={"id": order_id})
    ```

    ## Known problems
    Calls on objects of unknown type (a session passed as an unannotated parameter,
    `self.client.get()`) are not judged. A helper is followed only when its name resolves
    (a function of the same file, `self.method()` of the same class, an imported project
    function); a module with no `async def` and no blocking import in its text does not
    contribute helpers to the chain.

    ## References
    - Python docs, "Developing with asyncio: running blocking code"
    - Django docs, "Asynchronous support: async safety"
    """

    code = "BL402"
    name = "blocking-call-in-async"
    category = "blocking-in-async"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "performance")
    text_markers = ("async def", "requests", "sleep", "urlopen", "urllib3", "httpx", "sqlite3", "psycopg",
                    "pymysql", "MySQLdb", "subprocess", "os.system", ".objects.", "Session")

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._django = "django" in self.ctx.text

    def effect(self, node: cst.Call, frame: cc.Frame) -> Optional[str]:
        if self.ctx.ancestors and type(self.ctx.ancestors[-1]) is cst.Await:
            return None  # awaited: whatever the annotation says, this is an async API
        return blocking_calls.blocking(node, self.ctx.qualified_name, self._django)

    def root_label(self, node: cst.FunctionDef, qualname: Optional[str]) -> Optional[str]:
        if node.asynchronous is None:
            return None
        return qualname or node.name.value

    @staticmethod
    def follow(callee_async: bool, awaited: bool) -> bool:
        # awaiting a coroutine runs its own body in the loop, and that body is checked itself
        return not callee_async and not awaited

    @classmethod
    def message(cls, root: str, chain: List[str], extra: Dict[str, Any]) -> str:
        blocker = chain[-1]
        if len(chain) == 1:
            return (f"`{blocker}` blocks the event loop inside the coroutine `{root}`: every other request of "
                    f"this worker waits until it returns; {_advice(blocker)}.")
        return (f"{cc.arrow([root] + chain)}: the coroutine `{root}` calls a sync helper that blocks the event "
                f"loop with `{blocker}`; run `{chain[0]}` in a thread (`await asyncio.to_thread(...)`, "
                f"`run_in_threadpool`, `sync_to_async`), or make the helper async ({_advice(blocker)}).")


def _advice(blocker: str) -> str:
    if blocker == "time.sleep":
        return "use `await asyncio.sleep(...)`"
    if blocker.startswith(("requests.", "httpx.", "urllib")):
        return "use an async client (`httpx.AsyncClient`, aiohttp) and `await` it"
    if ".objects" in blocker:
        return "use the async ORM method (`aget`, `acount`, `acreate`, ...) or wrap it in `sync_to_async`"
    if blocker.startswith(("subprocess.", "os.system")):
        return "use `asyncio.create_subprocess_exec` or run it with `asyncio.to_thread`"
    return "use an async driver (asyncpg, `AsyncSession`, aiosqlite) or run it with `asyncio.to_thread`"
