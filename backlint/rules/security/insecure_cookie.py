from __future__ import annotations

from typing import List, Optional, Set

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import cookies as ck
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.settings_files import class_is_non_production, is_production_settings
from ...rule import Rule
from ...semantics import dotted_name

# set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite): the same
# positions in Django, werkzeug and Starlette; aiohttp takes them by keyword only.
_POSITIONS = {"secure": 6, "httponly": 7, "samesite": 8}
_CONSEQUENCE = {
    "secure": "it is also sent over plain HTTP",
    "httponly": "JavaScript, and so any XSS, can read it",
    "samesite": "browsers that do not default to Lax send it on cross-site requests",
}


def _imported_roots(module: cst.Module) -> Set[str]:
    roots: Set[str] = set()
    stack = list(module.body)
    while stack:
        stmt = stack.pop()
        if type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                if type(small) is cst.Import:
                    for alias in small.names:
                        roots.add((dotted_name(alias.name) or "").split(".")[0])
                elif type(small) is cst.ImportFrom and small.module is not None and not small.relative:
                    roots.add((dotted_name(small.module) or "").split(".")[0])
        elif type(stmt) in (cst.If, cst.Try):
            stack.extend(stmt.body.body)
    return roots


class InsecureCookie(Rule):
    """A session or auth cookie is set without `Secure`, `HttpOnly` or `SameSite`.

    ## What it does
    Finds `set_cookie()` / `set_signed_cookie()` calls (Django, Flask/werkzeug,
    Starlette/FastAPI, aiohttp) for a cookie whose name says it authenticates its bearer
    (`session`, `sessionid`, `auth`, `token`, `jwt`, `remember`, `refresh`...) that leave
    out `secure=True` or `httponly=True`, or leave out `samesite` where the framework sends none
    by default, and those that pass `False` explicitly. The cookie name and the flags are
    followed through local variables and module constants; a cookie named by a constant
    from elsewhere is judged by the constant's name (`COOKIE_NAME_JWT_TOKEN`,
    `settings.SESSION_COOKIE_NAME`), a lower-case variable is not judged at all. Also finds
    `SESSION_COOKIE_SECURE = False`, `CSRF_COOKIE_SECURE = False` and
    `SESSION_COOKIE_HTTPONLY = False` in a production settings module (Django, and Flask
    config modules and classes), and Flask `app.config["SESSION_COOKIE_SECURE"] = False` /
    `app.config.update(SESSION_COOKIE_SECURE=False)`.

    Framework defaults: Django, werkzeug and aiohttp send none of the three attributes
    unless asked; Starlette sends `SameSite=lax`, so only `secure` and `httponly` are asked
    of it. Not reported: `delete_cookie`; a flag passed as a non-literal value
    (`secure=settings.SESSION_COOKIE_SECURE`, `secure=request.is_secure()`), or `**kwargs`;
    a cookie whose name cannot be resolved; the CSRF double-submit cookie (`csrftoken`,
    `XSRF-TOKEN`), which JavaScript must read, is only asked for `secure`; preference cookies
    (theme, language, timezone, consent, recently viewed...) are not reported at all, since
    they grant nothing; settings in development, local and test settings modules, or set
    inside an `if` (a switch); tests.

    ## Why is this bad?
    "Set session cookies HttpOnly, Secure and SameSite." A session cookie is the user's
    password for as long as it lives. Without `Secure` it travels in clear text on any HTTP
    request (a captive portal, a mixed-content image); without `HttpOnly` one XSS bug sends it
    to the attacker; without `SameSite` other sites can make the browser use it (CSRF).

    ## Example
    ```python
    from django.http import HttpResponse

    def login_done(request, token):
        response = HttpResponse("ok")
        response.set_cookie("auth_token", token)
        return response
    ```

    ## Use instead
    ```python
    from django.http import HttpResponse

    def login_done(request, token):
        response = HttpResponse("ok")
        response.set_cookie("auth_token", token, secure=True, httponly=True, samesite="Lax")
        return response
    ```

    ## Default
    Off by default (enable with `extend-select = ["BL306"]`): on the 23-application corpus
    (3.1 M lines) it reports four findings, two right (`SESSION_COOKIE_SECURE = False` in
    shipped production configs) and two wrong: a hand-off cookie that a single-page UI must
    read from JavaScript, where `httponly=True` would break the login, and a CSRF cookie set
    through the application's own response class, whose `set_cookie` override (in another
    module) adds `secure` and `samesite` (precision 2/4, every finding judged, seed 42; see
    docs/precision/sec4.md), below the 0.90 a default-on rule needs.

    ## Known problems
    A cookie that front-end code has to read by design (other than the CSRF cookie) is
    reported for `httponly`; suppress it with a reason. A project `Response` subclass that
    overrides `set_cookie` to add the flags is in another module and is not seen.

    ## References
    - OWASP Session Management Cheat Sheet, "Cookies"
    - CWE-614, CWE-1004, CWE-1275
    """

    code = "BL306"
    name = "insecure-cookie"
    category = "insecure-cookie"
    severity = Severity.WARNING
    precision = "high"
    tags = ("security", "external/cwe/cwe-614", "external/cwe/cwe-1004", "external/cwe/cwe-1275")
    security_severity = "5.4"
    default_enabled = False  # measured 2/3 on the corpus: see "## Default"
    text_markers = ("set_cookie", "set_signed_cookie", "COOKIE_SECURE", "COOKIE_HTTPONLY")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST}

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is not cst.Attribute:
            return
        method = func.attr.value
        if method in ("set_cookie", "set_signed_cookie"):
            self._check_set_cookie(node, method)
        elif method == "update" and self._is_flask_config(func.value):
            for arg in node.args:
                if arg.keyword is not None:
                    self._check_setting(arg.keyword.value, arg.value, arg.value, flask=True)

    def _check_set_cookie(self, node: cst.Call, method: str) -> None:
        if v.has_star_kwargs(node) or any(a.star == "*" for a in node.args):
            return
        if len(node.args) < 2 and v.keyword(node, "value") is None:
            return  # cookiejar.set_cookie(cookie) and friends
        key = v.argument(node, 0, "key") or v.keyword(node, "name")
        name = v.as_str(v.resolve(self.ctx, key)) if key is not None else None
        if name is None and key is not None:
            name = self._constant_name(key)
        kind = ck.classify(name)
        if kind not in ("sensitive", "csrf"):
            return
        framework = ck.framework_of(self.ctx.shared("cookies.roots", lambda: _imported_roots(self.ctx.module)))
        defaults = ck.DEFAULTS.get(framework or "")
        missing: List[str] = []
        for attr in ("secure", "httponly", "samesite"):
            if attr == "httponly" and kind == "csrf":
                continue
            position = _POSITIONS[attr] + (1 if method == "set_signed_cookie" and framework == "django" else 0)
            value = v.keyword(node, attr)
            if value is None and framework != "aiohttp":
                value = self._positional(node, position)
            if value is None:
                if attr == "samesite" and defaults is not None and defaults.samesite:
                    continue
                missing.append(attr)
                continue
            resolved = v.resolve(self.ctx, value)
            if attr == "samesite":
                if v.is_none(resolved) and (defaults is None or not defaults.samesite):
                    missing.append(attr)
            elif v.as_bool(resolved) is False:
                missing.append(attr)
        if not missing:
            return
        flags = ", ".join(f"`{a}`" for a in missing)
        why = "; ".join(_CONSEQUENCE[a] for a in missing)
        fixes = ", ".join({"secure": "`secure=True`", "httponly": "`httponly=True`",
                           "samesite": "`samesite=\"Lax\"`"}[a] for a in missing)
        default_note = ""
        if defaults is not None:
            pronoun = "it" if len(missing) == 1 else "them"
            default_note = f" ({defaults.framework} leaves {pronoun} off by default)"
        what = "CSRF cookie" if kind == "csrf" else "cookie"
        self.report(
            node,
            f"The `{name}` {what} is set without {flags}{default_note}: {why}; pass {fixes}.",
        )

    @staticmethod
    def _constant_name(key: cst.BaseExpression) -> Optional[str]:
        """An imported or settings constant names the cookie (``COOKIE_NAME_JWT_TOKEN``,
        ``settings.SESSION_COOKIE_NAME``, ``app.config["SESSION_COOKIE_NAME"]``); a lower-case
        variable (``token``, ``cookie_key``) says nothing reliable about the cookie."""
        written = v.last_name(key)
        if written and written.isupper() and ("COOKIE" in written or type(key) is cst.Name):
            return written
        return None

    @staticmethod
    def _positional(node: cst.Call, position: int) -> Optional[cst.BaseExpression]:
        positional = [a for a in node.args if a.keyword is None]
        return positional[position].value if len(positional) > position else None

    # -- settings -------------------------------------------------------------------------------
    def _is_flask_config(self, node: cst.BaseExpression) -> bool:
        return type(node) is cst.Attribute and node.attr.value == "config"

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if type(target) is cst.Name:
            if self.ctx.enclosing_function() is not None:
                return
            classes = [a for a in self.ctx.ancestors if type(a) is cst.ClassDef]
            if any(class_is_non_production(c.name.value) for c in classes):
                return
            if not is_production_settings(self.ctx.roles) or v.in_if_branch(self.ctx):
                return
            self._check_setting(target.value, node.value, node.value, flask=False)
        elif type(target) is cst.Subscript and self._is_flask_config(target.value):
            key = v.last_name(target)
            if key:
                self._check_setting(key, node.value, node.value, flask=True)

    def _check_setting(self, name: str, value: cst.BaseExpression, at: cst.CSTNode, flask: bool) -> None:
        table = ck.FLASK_COOKIE_SETTINGS if flask else {**ck.DJANGO_COOKIE_SETTINGS, **ck.FLASK_COOKIE_SETTINGS}
        why = table.get(name)
        if not why or v.as_bool(v.resolve(self.ctx, value)) is not False:
            return
        if "HTTPONLY" in name:
            advice = "set it to `True` (scripts that need data should get it from an API)"
        else:
            advice = ("set it to `True` and serve the site over HTTPS, or read it from the "
                      "environment if local development needs plain HTTP")
        self.report(at, f"`{name} = False`: {why}; {advice}.")
