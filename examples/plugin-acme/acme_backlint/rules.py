"""ACME101 raw-http-client: application code sends HTTP through Acme's own client wrapper.

Written exactly like a built-in rule: a class with its metadata, docs with an Example and a
Use-instead block, and node handlers; backlint's engine, selection, suppressions, cache and
reporters treat it like any other rule.
"""
from __future__ import annotations

from backlint import Rule, Severity

_RAW = ("requests.", "httpx.", "urllib.request.urlopen", "aiohttp.ClientSession")


class RawHttpClient(Rule):
    """Application code calls an HTTP library directly instead of `acme.http`.

    ## What it does
    Reports calls to `requests`, `httpx`, `urllib.request.urlopen` and `aiohttp.ClientSession`
    outside the `acme/http/` package, resolved through imports and aliases.

    ## Why is this bad?
    Acme's client wrapper sets timeouts, retries with backoff, tracing headers and the service
    identity; a direct call skips all of it.

    ## Example
    ```python
    import requests

    def rates():
        return requests.get("https://rates.internal/today", timeout=5)
    ```

    ## Use instead
    ```python
    from acme import http

    def rates():
        return http.get("rates", "/today")
    ```
    """

    code = "ACME101"
    name = "raw-http-client"
    category = "house-rules"
    severity = Severity.WARNING
    text_markers = ("requests", "httpx", "urllib", "aiohttp")

    def visit_Call(self, node) -> None:
        if "/acme/http/" in "/" + self.ctx.path.replace("\\", "/"):
            return
        target = self.ctx.qualified_name(node.func) or ""
        if target.startswith(_RAW) or target in _RAW:
            self.report(node, f"`{target}` bypasses Acme's HTTP client; call `acme.http` instead, "
                              "which sets timeouts, retries and tracing")
