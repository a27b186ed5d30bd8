from __future__ import annotations

import re
from typing import Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.settings_files import is_production_settings
from ...rule import Rule

CORS_MIDDLEWARE = frozenset({"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"})
MIDDLEWARE_WRAPPERS = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin", "flask_cors.CORS().init_app"})
DJANGO_ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
_CALLEES = frozenset({"CORSMiddleware", "add_middleware", "Middleware", "CORS", "cross_origin", "init_app"})
_PROBES = ("https://attacker.example", "http://evil.test:8080")
_ORIGIN_KEYS = frozenset({"origin", "http_origin"})


def _matches_any_origin(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return all(compiled.fullmatch(p) for p in _PROBES)


class CorsWildcardWithCredentials(Rule):
    """Any origin may make credentialed cross-origin requests.

    ## What it does
    Finds CORS set up to accept every origin while allowing credentials (cookies, HTTP auth):
    - Starlette/FastAPI `CORSMiddleware` (through `app.add_middleware(...)`,
      `Middleware(...)` or directly) with `allow_credentials=True` and `allow_origins`
      containing `"*"`, or an `allow_origin_regex` that matches any origin (`".*"`,
      `"https?://.*"`);
    - flask-cors `CORS(app, ...)`, `cors.init_app(app, ...)` or `@cross_origin(...)` with
      `supports_credentials=True` and no `origins` (its default is `*`) or `origins="*"`,
      unless the module sets `CORS_ORIGINS` to something else or `send_wildcard=True` is
      passed (then a literal `*` is sent, which browsers refuse with credentials);
    - django-cors-headers `CORS_ALLOW_ALL_ORIGINS = True` (or `CORS_ORIGIN_ALLOW_ALL`) with
      `CORS_ALLOW_CREDENTIALS = True` in the same production settings module;
    - a handler that copies the request's `Origin` header into `Access-Control-Allow-Origin`
      and also sends `Access-Control-Allow-Credentials: true`, without checking the origin
      against a list first.

    Values are followed through local variables and module constants. Not reported: `"*"`
    without credentials; explicit origin lists (or values read from configuration) with
    credentials; an origin echo inside an `if` that tests the origin (an allow-list);
    development and test settings; tests.

    ## Why is this bad?
    "Configure CORS properly." With credentials allowed, Starlette and flask-cors answer a
    wildcard by echoing the caller's origin, so any web page a logged-in user visits can call
    the API as that user and read the answers: their data, their CSRF tokens, anything the
    API returns.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True
    )
    ```

    ## References
    - Fetch standard, "CORS protocol and credentials"
    - CWE-942: Permissive Cross-domain Policy with Untrusted Domains
    """

    code = "BL307"
    name = "cors-wildcard-with-credentials"
    category = "cors-misconfig"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-942", "external/cwe/cwe-346")
    security_severity = "8.1"
    text_markers = ("CORS", "cors", "Access-Control-Allow")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._allow_all = None  # (node, statement, name)
        self._credentials = False

    # -- middleware and extensions ------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not v.may_call(node, _CALLEES):
            return
        qual = self.ctx.qualified_name(node.func)
        if qual in CORS_MIDDLEWARE:
            self._check_starlette(node)
            return
        wrapped = None
        positional = [a for a in node.args if a.keyword is None]
        if positional and (qual in MIDDLEWARE_WRAPPERS or (
                type(node.func) is cst.Attribute and node.func.attr.value == "add_middleware")):
            wrapped = self.ctx.qualified_name(positional[0].value)
        if wrapped in CORS_MIDDLEWARE:
            self._check_starlette(node)
        elif qual in FLASK_CORS or (
                # `cors = CORS()` in an extensions module, `cors.init_app(app, ...)` elsewhere:
                # `supports_credentials` is flask-cors's own keyword
                type(node.func) is cst.Attribute and node.func.attr.value == "init_app"
                and v.keyword(node, "supports_credentials") is not None):
            self._check_flask_cors(node)

    def _check_starlette(self, node: cst.Call) -> None:
        if v.has_star_kwargs(node):
            return
        creds = v.keyword(node, "allow_credentials")
        if creds is None or v.as_bool(v.resolve(self.ctx, creds)) is not True:
            return
        origins = v.keyword(node, "allow_origins")
        names = v.str_elements(self.ctx, origins) if origins is not None else None
        regex = v.keyword(node, "allow_origin_regex")
        pattern = v.as_str(v.resolve(self.ctx, regex)) if regex is not None else None
        if names and "*" in names:
            what = '`allow_origins=["*"]`'
        elif pattern is not None and _matches_any_origin(pattern):
            what = f"`allow_origin_regex={pattern!r}` (it matches any origin)"
        else:
            return
        self.report(
            node,
            f"`CORSMiddleware` with {what} and `allow_credentials=True`: Starlette then echoes "
            "any caller's origin, so every website can make logged-in requests and read the "
            "answers; list the origins that may call this API.",
        )

    def _check_flask_cors(self, node: cst.Call) -> None:
        if v.has_star_kwargs(node):
            return
        creds = v.keyword(node, "supports_credentials")
        if creds is None or v.as_bool(v.resolve(self.ctx, creds)) is not True:
            return
        wildcard = v.keyword(node, "send_wildcard")
        if wildcard is not None and v.as_bool(v.resolve(self.ctx, wildcard)) is not False:
            return  # a literal `*` is sent, which browsers refuse for credentialed requests
        origins = v.keyword(node, "origins")
        if origins is not None:
            names = v.str_elements(self.ctx, origins)
            if not names or "*" not in names:
                return
            what = '`origins="*"`'
        else:
            if self._config_sets_origins():
                return
            what = "no `origins` (flask-cors defaults to `*`)"
        self.report(
            node,
            f"flask-cors with `supports_credentials=True` and {what}: it then reflects any "
            "caller's origin, so every website can make logged-in requests and read the "
            "answers; pass `origins=[...]` with the sites that may call this API.",
        )

    def _config_sets_origins(self) -> bool:
        """The module assigns `...config["CORS_ORIGINS"]` to something other than `*`."""
        def scan():
            for item in v.iter_nodes(self.ctx.module, into_scopes=True):
                if type(item) is cst.Assign:
                    for t in item.targets:
                        if type(t.target) is cst.Subscript and v.last_name(t.target) == "CORS_ORIGINS":
                            names = v.str_elements(self.ctx, item.value)
                            if not names or "*" not in names:
                                return True
            return False
        return self.ctx.shared("cors.config_origins", scan)

    # -- django-cors-headers settings and handler echoes -----------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if type(target) is cst.Name:
            if self.ctx.enclosing_function() is not None or any(
                    type(a) is cst.ClassDef for a in self.ctx.ancestors):
                return
            name = target.value
            if name in DJANGO_ALLOW_ALL or name == "CORS_ALLOW_CREDENTIALS":
                if v.as_bool(v.resolve(self.ctx, node.value)) is True and not v.in_if_branch(self.ctx):
                    if name == "CORS_ALLOW_CREDENTIALS":
                        self._credentials = True
                    else:
                        self._allow_all = (node, self.ctx.enclosing_statement(), name)
            return
        if type(target) is cst.Subscript:
            key = v.last_name(target)
            if key and key.lower() == "access-control-allow-origin":
                self._check_echo(node.value, node)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = v.as_str(node.key)
        if key and key.lower() == "access-control-allow-origin":
            self._check_echo(node.value, node)

    def leave_Module(self, node: cst.Module) -> None:
        if self._allow_all and self._credentials and is_production_settings(self.ctx.roles):
            at, statement, name = self._allow_all
            self.report(
                at,
                f"`{name} = True` with `CORS_ALLOW_CREDENTIALS = True`: django-cors-headers then "
                "echoes any caller's origin, so every website can make logged-in requests and "
                "read the answers; list the sites in `CORS_ALLOWED_ORIGINS` instead.",
                statement=statement,
            )

    def _origin_of(self, expr: cst.BaseExpression) -> Optional[str]:
        """The written name when ``expr`` reads the request's Origin header (through names)."""
        resolved = v.resolve(self.ctx, expr)
        key = v.last_name(resolved) if type(resolved) in (cst.Subscript, cst.Call) else None
        if key and key.lower() in _ORIGIN_KEYS:
            return self.ctx.code_for(expr)
        return None

    def _check_echo(self, value: cst.BaseExpression, at: cst.CSTNode) -> None:
        origin = self._origin_of(value)
        if origin is None:
            return
        func = self.ctx.enclosing_function()
        if func is None or not self._sends_credentials(func):
            return
        for ancestor in self.ctx.ancestors:
            if type(ancestor) in (cst.If, cst.While) and self._tests_origin(ancestor.test, value):
                return  # an allow-listed echo
        self.report(
            at,
            f"`Access-Control-Allow-Origin` is set to the request's own origin (`{origin}`) "
            "together with `Access-Control-Allow-Credentials: true`: every website can make "
            "logged-in requests and read the answers; echo the origin only when it is in an "
            "allow-list.",
        )

    def _sends_credentials(self, func: cst.FunctionDef) -> bool:
        for item in v.iter_nodes(func):
            key = None
            value = None
            if type(item) is cst.Assign and type(item.targets[0].target) is cst.Subscript:
                key, value = v.last_name(item.targets[0].target), item.value
            elif type(item) is cst.DictElement:
                key, value = v.as_str(item.key), item.value
            if key and key.lower() == "access-control-allow-credentials":
                text = v.as_str(v.resolve(self.ctx, value))
                if (text or "").lower() == "true" or v.as_bool(value) is True:
                    return True
        return False

    def _tests_origin(self, test: cst.BaseExpression, value: cst.BaseExpression) -> bool:
        written = {self.ctx.code_for(value).strip()}
        for item in [test, *v.iter_nodes(test)]:
            if type(item) is cst.Comparison:
                code = self.ctx.code_for(item)
                if any(w in code for w in written) or "rigin" in code or "ORIGIN" in code:
                    return True
            elif type(item) is cst.Call:
                code = self.ctx.code_for(item)
                if "rigin" in code or "ORIGIN" in code:
                    return True
        return False
