from __future__ import annotations

from typing import Union

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import retries, roles
from ...frameworks import values as v
from ...rule import Rule


class RetryWithoutBackoff(Rule):
    """A failed call is retried at once, with no delay between attempts.

    ## What it does
    Finds retry loops around a call to another system (an HTTP client, a database, redis,
    boto3, a socket, or a method such as `.get()`/`.post()`/`.execute()`/`.send()`) that wait
    nowhere between attempts: `for attempt in range(n):` or a `while` loop whose body is one
    `try` that leaves the loop on success (`break`/`return`) and goes round again from its
    `except` (falls through or `continue`s), with no `sleep`, backoff or wait call anywhere in
    the loop. Also reports tenacity `@retry` / `Retrying(...)` with neither `wait=` nor `stop=`
    (it retries forever, at once), `retrying.retry` with no `wait_*` argument, and `backoff`
    decorators configured with a zero wait (`backoff.constant` with `interval=0`).

    Not reported: loops that sleep between attempts (`time.sleep`, `asyncio.sleep`, any call
    named for sleeping, waiting or backing off, e.g. a helper `_backoff(attempt)`); tenacity
    with a `wait_*`; `backoff.expo`; Celery `autoretry_for` (Celery waits
    `default_retry_delay` between attempts) and `retry_backoff`; urllib3
    `Retry(backoff_factor=...)`; polling and consumer loops (they do not leave on success);
    loops over items (`for item in items`, `range(len(items))`, `items[i]`); tests and scripts.

    ## Why is this bad?
    "Back off when retrying": a dependency fails because it is down or overloaded. Retrying at
    once turns every failing request into n requests within milliseconds, which keeps it
    overloaded (a retry storm) and burns the caller's attempts before a short outage is over.

    ## Example
    ```python
    import requests

    def fetch(url):
        for attempt in range(5):
            try:
                return requests.get(url, timeout=5)
            except requests.ConnectionError:
                continue
        raise RuntimeError("unreachable")
    ```

    ## Use instead
    ```python
    import random
    import time

    import requests

    def fetch(url):
        for attempt in range(5):
            try:
                return requests.get(url, timeout=5)
            except requests.ConnectionError:
                time.sleep(min(2 ** attempt, 30) + random.random())
        raise RuntimeError("unreachable")
    ```

    ## Known problems
    A delay that happens inside the called function itself (a client with its own backoff) is
    not seen.
    """

    code = "BL406"
    name = "retry-without-backoff"
    category = "retry-without-backoff"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability",)
    text_markers = ("retry", "Retry", "attempt", "while ", "range(", "backoff", "Retrying")
    skip_roles = roles.NOT_REQUEST_PATH

    def visit_For(self, node: cst.For) -> None:
        if retries.is_attempt_counter(node):
            self._check_loop(node)

    def visit_While(self, node: cst.While) -> None:
        self._check_loop(node)

    def _check_loop(self, node: Union[cst.For, cst.While]) -> None:
        attempt = retries.retry_try(node)
        if attempt is None or retries.any_wait(node):
            return
        call = retries.network_call(attempt.body, self.ctx.qualified_name)
        if call is None:
            return
        asynchronous = self.ctx.in_async_function()
        sleep = "await asyncio.sleep" if asynchronous else "time.sleep"
        target = getattr(node, "target", None)
        counter = target.value if type(target) is cst.Name and target.value != "_" else "attempt"
        self.report(node, f"This loop retries `{self.ctx.code_for(call.func)}(...)` right after a failure, with no "
                          "delay between attempts: when the dependency is down or overloaded every attempt lands "
                          "at once and keeps it down; wait between attempts with exponential backoff and jitter "
                          f"(e.g. `{sleep}(min(2 ** {counter}, 30) + random.random())`, or tenacity "
                          "`wait_exponential`).")

    def visit_Call(self, node: cst.Call) -> None:
        if type(node.func) not in (cst.Name, cst.Attribute):
            return
        qual = self.ctx.qualified_name(node.func)
        if qual is None:
            return
        if qual in retries.TENACITY_RETRY:
            if v.keyword(node, "wait") is None and v.keyword(node, "stop") is None and not v.has_star_kwargs(node):
                self.report(node, f"`{qual.split('.')[-1]}(...)` without `wait=` or `stop=` retries forever and at "
                                  "once: pass `wait=wait_exponential(...)` (with jitter) and a `stop=` such as "
                                  "`stop_after_attempt(5)`.")
        elif qual in retries.RETRYING_RETRY:
            fixed = v.keyword(node, "wait_fixed")
            zero = fixed is not None and v.as_int(v.resolve(self.ctx, fixed)) == 0
            if (zero or not any(v.keyword(node, k) is not None for k in retries.RETRYING_WAITS)) \
                    and not v.has_star_kwargs(node):
                self.report(node, "`retrying.retry` without a wait retries at once: pass "
                                  "`wait_exponential_multiplier=` and `wait_exponential_max=` (in milliseconds).")
        elif qual in ("backoff.on_exception", "backoff.on_predicate"):
            gen = v.argument(node, 0, "wait_gen")
            interval = v.keyword(node, "interval")
            if gen is not None and self.ctx.qualified_name(gen) == "backoff.constant" and interval is not None \
                    and v.as_int(v.resolve(self.ctx, interval)) == 0:
                self.report(node, "`backoff.constant` with `interval=0` retries with no delay: use "
                                  "`backoff.expo` (with its default jitter) or a positive `interval`.")

    def visit_Decorator(self, node: cst.Decorator) -> None:
        # a bare `@retry` (tenacity: forever, no wait; retrying: no wait)
        if type(node.decorator) in (cst.Name, cst.Attribute):
            qual = self.ctx.qualified_name(node.decorator)
            if qual in ("tenacity.retry", "retrying.retry"):
                self.report(node, f"A bare `@{qual.split('.')[-1]}` retries forever and at once: use "
                                  "`@retry(wait=wait_exponential(...), stop=stop_after_attempt(5))`."
                                  if qual.startswith("tenacity") else
                                  "A bare `@retry` from `retrying` retries forever and at once: pass "
                                  "`stop_max_attempt_number=` and `wait_exponential_multiplier=`.")
