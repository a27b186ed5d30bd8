from __future__ import annotations

from typing import Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.http_clients import HTTP_METHODS
from ...frameworks.settings_files import name_words
from ...rule import Rule
from ...semantics import dotted_name

_VERB_METHODS = frozenset(HTTP_METHODS) | {"send", "stream", "ws_connect", "urlopen", "request_url"}
_UNVERIFIED_CONTEXTS = ("ssl._create_unverified_context", "ssl._create_stdlib_context")
_URLLIB3 = frozenset({
    "urllib3.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPSConnectionPool",
    "urllib3.connection_from_url", "urllib3.poolmanager.PoolManager",
    "urllib3.poolmanager.ProxyManager", "urllib3.connectionpool.HTTPSConnectionPool",
    "requests.packages.urllib3.PoolManager",
})
# InfluxDB clients take `verify_ssl=` (v1 `influxdb`, v2 `influxdb_client`) and send the
# database credentials or token over that connection
_INFLUXDB = {
    "influxdb.InfluxDBClient": "influxdb",
    "influxdb.client.InfluxDBClient": "influxdb",
    "influxdb_client.InfluxDBClient": "influxdb_client",
    "influxdb_client.client.influxdb_client.InfluxDBClient": "influxdb_client",
    "influxdb_client.client.influxdb_client_async.InfluxDBClientAsync": "influxdb_client",
}
_CONTEXT_CALLEES = frozenset({"_create_unverified_context", "_create_stdlib_context"})
_KEYWORDS = frozenset({"verify", "ssl", "verify_ssl", "cert_reqs"})
_SERVER_PURPOSE = ("ssl.Purpose.CLIENT_AUTH", "ssl.PROTOCOL_TLS_SERVER")
_CLIENT_CONTEXTS = ("ssl.create_default_context", "ssl.SSLContext")
_INSECURE_WORDS = frozenset({"insecure", "unverified", "noverify", "skip", "disable", "disabled",
                             "ignore", "allow", "selfsigned", "unsafe"})
_VERIFY_WORDS = frozenset({"verify", "verification", "validate", "validation", "verified"})
_FIX = ("pass `verify=True` (the default) or the path of the CA bundle that signs the server's "
        "certificate")


class TlsVerificationDisabled(Rule):
    """An HTTPS or TLS client is told not to verify the server's certificate.

    ## What it does
    Finds certificate verification turned off on the client side:
    - `verify=False` for `requests` (functions, `Session` methods, `session.verify = False`)
      and `httpx` (functions, `Client`, `AsyncClient`, transports); for a session the file
      cannot trace (`self.session.get(...)`), an HTTP method called with `verify=False` in a
      module that imports `requests` or `httpx`;
    - aiohttp `ssl=False` / `verify_ssl=False` (on requests, `ClientSession` and
      `TCPConnector`);
    - `ssl._create_unverified_context()`, also as `ssl._create_default_https_context`;
    - `context.check_hostname = False` and `context.verify_mode = ssl.CERT_NONE` on a client
      context (`ssl.create_default_context()`, `SSLContext(PROTOCOL_TLS_CLIENT)`), reported
      once per context;
    - urllib3 `PoolManager(cert_reqs="CERT_NONE")` and friends;
    - InfluxDB clients (`influxdb.InfluxDBClient`, `influxdb_client.InfluxDBClient`) with
      `verify_ssl=False`.

    Values are followed through local variables and module constants. Not reported:
    `verify="/path/ca.pem"`, `verify=True`, a custom CA context, or any non-literal value;
    server-side contexts (`create_default_context(Purpose.CLIENT_AUTH)`,
    `PROTOCOL_TLS_SERVER`); `self.check_hostname = ...` in a class that implements a context;
    a certificate fingerprint pin (`assert_fingerprint=`); code that
    only turns verification off inside a branch taken when a setting asks for it by name
    (`if settings.tls_insecure_skip_verify:`, or the `else` of `if verify_ssl:`), or an
    object named for being insecure (`insecure_transport = httpx.AsyncHTTPTransport(verify=False)`)
    that other code picks when configured to, or code named for it (`class
    NoVerificationEmailBackend`), which is an operator's explicit choice; a function that
    only fetches the peer's certificate to inspect it (`getpeercert(True)`); tests.

    ## Why is this bad?
    "Encrypt traffic": encryption without verification only protects against passive
    eavesdroppers. Anyone who can answer for the server (a hostile Wi-Fi, a compromised
    router, DNS spoofing) presents any certificate, and the client sends them credentials and
    data and believes whatever they answer.

    ## Example
    ```python
    import requests

    def fetch_invoice(url, token):
        return requests.get(url, headers={"Authorization": token}, verify=False, timeout=10)
    ```

    ## Use instead
    ```python
    import requests

    def fetch_invoice(url, token):
        return requests.get(url, headers={"Authorization": token},
                            verify="/etc/ssl/certs/internal-ca.pem", timeout=10)
    ```

    ## References
    - requests, "SSL Cert Verification"
    - Python `ssl` module, "Security considerations"
    - CWE-295: Improper Certificate Validation
    """

    code = "BL309"
    name = "tls-verification-disabled"
    category = "tls-verify-disabled"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-295")
    security_severity = "7.4"
    # every reported form writes one of these (`verify_password(` does not)
    text_markers = ("verify=", "verify =", "ssl=", "check_hostname", "CERT_NONE", "cert_reqs",
                    "_create_unverified_context", "_create_stdlib_context")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    # -- helpers ---------------------------------------------------------------------------
    def _false(self, node: Optional[cst.BaseExpression]) -> bool:
        return node is not None and v.as_bool(v.resolve(self.ctx, node)) is False

    def _opted_in(self, node: cst.CSTNode) -> bool:
        """Inside a branch that a setting named for (not) verifying selects."""
        chain = self.ctx.ancestors + [node]
        for ancestor in chain:
            # `insecure_transport = AsyncHTTPTransport(verify=False)`: an object named for being
            # insecure, chosen elsewhere when a setting asks for it
            if type(ancestor) is cst.Assign and len(ancestor.targets) == 1:
                target = ancestor.targets[0].target
                written = dotted_name(target) if type(target) in (cst.Name, cst.Attribute) else None
                if written and name_words(written.rsplit(".", 1)[-1]) & _INSECURE_WORDS:
                    return True
            # `class NoVerificationEmailBackend`, `def insecure_session()`: code named for not
            # verifying is a deliberate mode that configuration selects
            if type(ancestor) in (cst.ClassDef, cst.FunctionDef):
                words = name_words(ancestor.name.value)
                if words & _INSECURE_WORDS or ("no" in words and words & _VERIFY_WORDS):
                    return True
        for i, ancestor in enumerate(chain[:-1]):
            if type(ancestor) is not cst.If:
                continue
            child = chain[i + 1]
            in_body = child is ancestor.body
            test = ancestor.test
            negated = type(test) is cst.UnaryOperation and type(test.operator) is cst.Not
            words = name_words(self.ctx.code_for(test))
            insecure = bool(words & _INSECURE_WORDS) or ("no" in words and bool(words & _VERIFY_WORDS))
            verify = bool(words & _VERIFY_WORDS) and not insecure
            if in_body and ((insecure and not negated) or (verify and negated)):
                return True
            if not in_body and ((verify and not negated) or (insecure and negated)):
                return True
        return False

    def _imports(self, *roots: str) -> bool:
        text = self.ctx.text
        return any(f"import {r}" in text or f"from {r}" in text for r in roots)

    def _emit(self, node: cst.CSTNode, message: str) -> None:
        if not self._opted_in(node):
            self.report(node, message)

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not v.may_call(node, _CONTEXT_CALLEES) and not any(
                k in _KEYWORDS for k in v.keyword_names(node)):
            return
        qual = self.ctx.qualified_name(node.func)
        if qual in _UNVERIFIED_CONTEXTS:
            self._emit(node, f"`{qual}()` makes a context that checks neither the certificate nor "
                             "the host name: anyone on the network path can impersonate the server; "
                             "use `ssl.create_default_context()` (with `cafile=` for a private CA).")
            return
        root = qual.split(".", 1)[0] if qual else None
        written = dotted_name(node.func) or (qual or "")
        method = node.func.attr.value if type(node.func) is cst.Attribute else None
        verify = v.keyword(node, "verify")
        if self._false(verify):
            if root in ("requests", "httpx") or (
                    qual is None and method in _VERB_METHODS and self._imports("requests", "httpx")):
                shown = qual if root in ("requests", "httpx") else written
                self._emit(node, f"`{shown}` is called with `verify=False`: the server's certificate "
                                 "is not checked, so anyone on the network path can impersonate it "
                                 f"and read or change the traffic; {_FIX}.")
            return
        if qual in _INFLUXDB:
            if self._false(v.keyword(node, "verify_ssl")):
                ca = ("`ssl_ca_cert=` with your CA bundle" if _INFLUXDB[qual] == "influxdb_client"
                      else "the path of your CA bundle as `verify_ssl=`")
                self._emit(node, f"`{qual.rsplit('.', 1)[-1]}(verify_ssl=False)` does not check the "
                                 "database server's certificate, so anyone on the network path can "
                                 "impersonate it and collect the credentials or token the client "
                                 f"sends; drop it (the client verifies by default) or pass {ca}.")
            return
        for flag in ("ssl", "verify_ssl"):
            value = v.keyword(node, flag)
            if self._false(value) and (root == "aiohttp" or (
                    qual is None and method in _VERB_METHODS and self._imports("aiohttp"))):
                shown = qual if root == "aiohttp" else written
                self._emit(node, f"`{shown}` is called with `{flag}=False`: aiohttp then skips "
                                 "certificate checks, so anyone on the network path can impersonate "
                                 "the server; drop it, or pass `ssl=ssl.create_default_context("
                                 "cafile=...)` for a private CA.")
                return
        if qual in _URLLIB3:
            reqs = v.keyword(node, "cert_reqs")
            if reqs is not None and self._is_cert_none(reqs) and v.keyword(node, "assert_fingerprint") is None:
                self._emit(node, f"`{qual}(cert_reqs=\"CERT_NONE\")` does not verify certificates: "
                                 "anyone on the network path can impersonate the server; use "
                                 "`cert_reqs=\"CERT_REQUIRED\"` (the default) with `ca_certs=` if needed.")

    def _is_cert_none(self, node: cst.BaseExpression) -> bool:
        resolved = v.resolve(self.ctx, node)
        if v.as_str(resolved) == "CERT_NONE":
            return True
        if type(resolved) in (cst.Name, cst.Attribute):
            return self.ctx.qualified_name(resolved) == "ssl.CERT_NONE"
        return False

    # -- assignments ---------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if type(target) is not cst.Attribute:
            return
        attr = target.attr.value
        if attr not in ("verify", "check_hostname", "verify_mode", "_create_default_https_context"):
            return
        if self.ctx.qualified_name(target) == "ssl._create_default_https_context":
            if self.ctx.qualified_name(node.value) in _UNVERIFIED_CONTEXTS:
                self._emit(node, "`ssl._create_default_https_context` is replaced with an unverified "
                                 "context: every HTTPS connection of the process stops checking "
                                 "certificates; remove this and configure a CA bundle instead.")
            return
        if attr == "verify" and self._false(node.value):
            origin = self.ctx.origin_call(target.value)
            qual = self.ctx.qualified_name(origin.func) if origin is not None else None
            if qual and qual.split(".", 1)[0] in ("requests", "httpx"):
                self._emit(node, f"`{dotted_name(target) or 'session.verify'} = False` turns off "
                                 "certificate checks for every request of this session: anyone on "
                                 f"the network path can impersonate the server; {_FIX}.")
            return
        if attr not in ("check_hostname", "verify_mode"):
            return
        if type(target.value) is cst.Name and target.value.value == "self":
            return  # a class that *is* a TLS context setting up its own defaults
        context = self._context_kind(target.value)
        if context == "server":
            return
        base = self.ctx.code_for(target.value).strip()
        if self._inspects_certificate():
            return
        if attr == "check_hostname" and self._false(node.value):
            if self._sets_cert_none(base):
                return  # reported once, at `verify_mode = CERT_NONE`
            self._emit(node, f"`{base}.check_hostname = False`: any valid certificate, for any "
                             "host, is accepted, so anyone who can get one impersonates the server; "
                             "keep host name checking on.")
        elif attr == "verify_mode" and self._is_cert_none(node.value):
            also = self._sets_check_hostname_false(base)
            if context != "client" and not also:
                return  # a context we cannot place: servers use CERT_NONE legitimately
            self._emit(node, f"`{base}.verify_mode = ssl.CERT_NONE`"
                             + (" (with `check_hostname = False`)" if also else "")
                             + ": the server's certificate is not checked, so anyone on the network "
                               "path can impersonate it; keep `CERT_REQUIRED` and load your CA "
                               "with `load_verify_locations()`.")

    def _inspects_certificate(self) -> bool:
        """The function reads the peer's certificate (`getpeercert(True)`) to look at it: it
        must accept any certificate, and trusts nothing the peer sends."""
        for item in v.iter_nodes(v.scope_of(self.ctx)):
            if type(item) is cst.Call and type(item.func) is cst.Attribute and item.func.attr.value == "getpeercert":
                flag = v.argument(item, 0, "binary_form")
                if flag is not None and v.as_bool(flag) is True:
                    return True
        return False

    def _context_kind(self, expr: cst.BaseExpression) -> Optional[str]:
        origin = self.ctx.origin_call(expr)
        if origin is None:
            return None
        qual = self.ctx.qualified_name(origin.func)
        if qual not in _CLIENT_CONTEXTS:
            return None
        for arg in origin.args:
            if type(arg.value) in (cst.Name, cst.Attribute) and self.ctx.qualified_name(arg.value) in _SERVER_PURPOSE:
                return "server"
        return "client"

    def _assignments_to(self, base: str, attr: str):
        scope = v.scope_of(self.ctx)
        for item in v.iter_nodes(scope):
            if type(item) is cst.Assign and len(item.targets) == 1:
                t = item.targets[0].target
                if type(t) is cst.Attribute and t.attr.value == attr and self.ctx.code_for(t.value).strip() == base:
                    yield item.value

    def _sets_cert_none(self, base: str) -> bool:
        return any(self._is_cert_none(value) for value in self._assignments_to(base, "verify_mode"))

    def _sets_check_hostname_false(self, base: str) -> bool:
        return any(self._false(value) for value in self._assignments_to(base, "check_hostname"))
