from __future__ import annotations

import os
from typing import Optional, Set

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import http_clients, roles
from ...rule import FixSpec, Option, Rule
from . import project_default
from . import session_defaults as defaults


def _positive(value) -> str:
    return "" if value > 0 else "must be greater than 0"


class MissingTimeout(Rule):
    """Outbound network call without a timeout.

    ## What it does
    Finds calls that open a network connection or send a request with no timeout: `requests`
    (module functions and `Session` methods, including sessions kept in a variable, a `with`
    block or an attribute such as `self.session`), `urllib.request.urlopen`, `urllib3` pools and
    `urllib3.request`, `http.client` connections, `aiohttp.ClientSession` and `aiohttp.request`,
    `smtplib`, `ftplib`, `poplib`, `imaplib`, `socket.create_connection` and
    `xmlrpc.client.ServerProxy`. For `httpx`, which has a 5 second default, only an explicit
    `timeout=None` is reported. Names are resolved through imports and aliases
    (`from requests import get as fetch`). A call that forwards `**kwargs` is not reported,
    because the timeout may be in them; an explicit `timeout=None` always is.

    A default set once is recognised: a module that replaces `requests.Session.request` or
    `HTTPAdapter.send` (every `requests` call in it, and in the rest of its top-level package,
    is then covered: `pkg/helpers/monkeypatching.py` covers `pkg/views.py`), a `requests.Session` that
    mounts an adapter of the project's own (an `HTTPAdapter` subclass) or whose `request` is
    replaced on the instance, `Session` subclasses (here or imported: their calls are not
    judged), and an `aiohttp.ClientSession()` whose every request in the block or function
    that owns it passes `timeout=` (or `**kwargs`) and which is not handed elsewhere.
    Test code (file role `test`) is not checked: tests talk to mocks and local servers, so a
    missing timeout there cannot stall a production worker.

    ## Why is this bad?
    "Timeout everything": a server that accepts the connection and then stalls holds the calling
    worker (or the event loop) for as long as the operating system allows, which is often
    forever. Under load every worker ends up waiting on the slow dependency and the whole service
    stops answering, although nothing has crashed.

    ## Example
    ```python
    import requests

    def fetch_rates(url):
        return requests.get(url).json()
    ```

    ## Use instead
    ```python
    import requests

    def fetch_rates(url):
        return requests.get(url, timeout=10).json()
    ```

    ## Fix
    Adds `timeout=<default>` (or replaces `timeout=None`) where the callable takes a number of
    seconds. No fix is offered for `aiohttp` (which needs `aiohttp.ClientTimeout`) or for
    `ServerProxy` (which needs a custom transport).

    ## Known problems
    A process-wide `socket.setdefaulttimeout()` is not taken into account. A `requests` default
    installed in another module is looked for only inside the file's own top-level package (the
    highest directory with an `__init__.py`), in modules that are not tests, examples or seed
    data; one installed from a separate package, or outside any package, is not seen. With the
    results cache, a default added to a module that no cached result depends on yet is seen by
    files checked afresh (`--no-cache` once, or when they change). Sessions whose origin cannot
    be seen in the file (e.g. an unannotated parameter) are not checked.

    ## References
    - requests: https://requests.readthedocs.io/en/latest/user/advanced/#timeouts
    - httpx: https://www.python-httpx.org/advanced/timeouts/
    - aiohttp: https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts
    """

    code = "BL401"
    name = "missing-timeout"
    category = "missing-timeout"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability",)
    fixable = True
    options = {
        "default": Option((int, float), 10, "Seconds used by the fix and suggested in messages.", _positive),
    }
    text_markers = (
        "requests", "urllib", "http", "aiohttp", "smtplib", "ftplib", "poplib", "imaplib",
        "socket", "xmlrpc",
    )
    # Tests talk to mocks and local servers: a missing timeout there cannot stall a production
    # worker (and a hung test is stopped by the test runner's own timeout).
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._patched: Optional[bool] = None
        self._covered: Set[int] = set()  # requests.Session() calls whose sessions carry a default

    def _requests_patched(self) -> bool:
        """This module, or another module of its package, gives every requests call a default."""
        if self._patched is None:
            self._patched = defaults.patches_requests_default(self.ctx.module, self.ctx.qualified_name)
            if not self._patched:
                other = project_default.package_patch(self.ctx.path)
                if other is not None:
                    self.ctx.depends_on_directory(os.path.dirname(other))
                    self._patched = True
        return self._patched

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            session = defaults.replaces_request_method(target.target)
            if session is not None:
                ctor = self.ctx.origin_call(session)
                if ctor is not None:
                    self._covered.add(id(ctor))

    def _has_default(self, node: cst.Call, spec: http_clients.TimeoutSpec) -> bool:
        """A default installed once: a patched requests class, a session with the project's own
        adapter, an aiohttp session whose every request passes `timeout=`."""
        if spec.display.startswith("requests.") and self._requests_patched():
            return True
        if type(node.func) is cst.Attribute:
            ctor = self.ctx.origin_call(node.func.value)
            if ctor is not None and id(ctor) in self._covered:
                return True
        if spec.display == "aiohttp.ClientSession":
            return defaults.aiohttp_requests_all_timed(node, self.ctx.ancestors)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        target = self.ctx.qualified_name(node.func)
        if target is not None and target.endswith(".mount") and type(node.func) is cst.Attribute:
            ctor = self.ctx.origin_call(node.func.value)
            if ctor is not None and defaults.installs_session_default(node, self.ctx.qualified_name):
                self._covered.add(id(ctor))
            return
        spec = http_clients.timeout_spec(target)
        if spec is None:
            return
        state, arg = http_clients.timeout_argument(node, spec)
        if state in ("given", "unknown"):
            return
        if state == "missing" and spec.policy != "required":
            return
        if state == "missing" and spec.ctor_covers and type(node.func) is cst.Attribute:
            ctor = self.ctx.origin_call(node.func.value)
            if ctor is None or http_clients.constructor_sets_timeout(ctor):
                return
        if state == "missing" and self._has_default(node, spec):
            return
        seconds = self.settings["default"]
        written = self._written(node)
        alias = f" (`{written}` is `{spec.display}`)" if written and written != spec.display else ""
        if state == "none":
            what = f"`{spec.display}` is called with `timeout=None`{alias}, which disables the timeout"
        else:
            what = f"`{spec.display}` is called without a timeout{alias}"
        if spec.advice:
            advice = spec.advice
        elif spec.keyword == "timeout":
            advice = f"pass `timeout={seconds}` (seconds), or a value from your settings"
        else:  # pragma: no cover - every non-timeout keyword has advice
            advice = f"pass `{spec.keyword}=`"
        message = f"{what}: a stalled server would block this worker indefinitely; {advice}."
        fix = self._fix(node, arg, seconds) if spec.fixable else None
        self.report(node, message, fix)

    @staticmethod
    def _written(node: cst.Call) -> str:
        from ...semantics import dotted_name

        return dotted_name(node.func) or ""

    @staticmethod
    def _fix(node: cst.Call, arg, seconds) -> FixSpec:
        value = cst.Integer(str(seconds)) if isinstance(seconds, int) else cst.Float(repr(float(seconds)))
        if arg is not None:  # timeout=None -> timeout=<seconds>
            if arg.keyword is None:
                new_arg = arg.with_changes(value=value)
            else:
                new_arg = arg.with_changes(value=value)
            args = [new_arg if a is arg else a for a in node.args]
            return FixSpec(node, node.with_changes(args=args), f"Set `timeout={seconds}`")
        new = cst.Arg(
            value=value,
            keyword=cst.Name("timeout"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = list(node.args)
        if args:
            last = args[-1]
            if type(last.comma) is cst.Comma:
                # keep the trailing comma's layout (e.g. one argument per line)
                if len(args) >= 2 and type(args[-2].comma) is cst.Comma:
                    args[-1] = last.with_changes(comma=args[-2].comma)
                else:
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                new = new.with_changes(comma=last.comma)
            else:
                args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
        return FixSpec(node, node.with_changes(args=args), f"Add `timeout={seconds}`")
