"""BL311: a password, token, key or credentials object is written to a log."""
from __future__ import annotations

import re

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import origin_secret as osec
from ...frameworks import origin_sinks as sinks
from ...frameworks import roles
from ...frameworks.origin_values import first_flow
from ...textscan import has_word
from ._origin_walk import OriginRule


# an attribute named like a log method (`logger.info`, `log\n    .warning`) or the word `print`:
# the shapes `origin_sinks.log_arguments` accepts (the regex starts with a literal `.`, so `re`
# looks for it with a fast substring search; `print` is found by `textscan.has_word`)
_LOG_CALL = re.compile(r"\.[\s\\]*(?:" + "|".join(sorted(sinks.LOG_METHODS)) + r")\b")


class SecretInLog(OriginRule):
    """A secret-bearing value is passed to a logging call.

    ## What it does
    Finds logging calls (`logging.*`, `logger.*`, `log.*`, `app.logger.*`, structlog and loguru
    loggers) whose message, format arguments or `extra` carry a secret: a variable, parameter,
    attribute or key named as a password, token, API key, private key or client secret
    (`password`, `api_key`, `access_token`, `creds`, `request.POST["password"]`,
    `data.get("client_secret")`), the `Authorization` header or cookies of a request, a setting
    named as a secret (`settings.SECRET_KEY`) or the `DATABASES` settings dict. In request
    handler modules, `print()` counts too (its output ends up in the server log).

    Not reported: the user name or e-mail; a token's length, prefix (`token[:6]`), hash or
    fingerprint; a value passed through a masking or redacting function (`mask(token)`,
    `redact(...)`); the *name* of a secret setting (a string); "password" in the message text
    itself; names that only mention a secret (`password_field`, `token_url`, `next_page_token`,
    `max_tokens`, `csrf_token`); a `token` without a credential qualifier (`token`,
    `reservation_token`, unlike `access_token` or `session_token`) unless the module or function
    is named for authentication, sessions, users or API keys, and never in code named for
    ACME/DNS challenges, lexers, templates, paging or CSRF (`lemur_acme/dyn.py`: an ACME
    challenge token is published in DNS; a concurrency limiter's slot token is no credential);
    tests, migrations, scripts and tool fixtures.

    ## Why is this bad?
    "Do not log passwords, session IDs or access tokens" (OWASP Logging Cheat Sheet). Logs are
    copied to aggregators, tickets and backups and read by many more people than the
    credentials' owner; a logged secret is a leaked secret that must be rotated.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)

    def login(username, password):
        logger.info("login attempt %s with %s", username, password)
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)

    def login(username, password):
        logger.info("login attempt %s", username)
    ```

    ## References
    - OWASP Logging Cheat Sheet, "Data to exclude"
    - CWE-532: Insertion of Sensitive Information into Log File
    """

    code = "BL311"
    name = "secret-in-log"
    category = "secret-in-log"
    severity = Severity.WARNING
    precision = "high"
    tags = ("security", "external/cwe/cwe-532")
    security_severity = "5.5"
    text_markers = ("log", "print(")
    requires = (
        ("log", "print("),
        ("password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey", "apiKey",
         "cred", "Authorization", "AUTHORIZATION", "DATABASES", "private_key", "access_key",
         "signing_key", "Token", "Secret", "PASSWORD", "SECRET", "TOKEN", "API_KEY", "ACCESS_KEY",
         "cookie", "COOKIE", "Cookie", "Password"),
    )
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.MIGRATION, roles.SCRIPT, roles.SEED, roles.EXAMPLE}

    sink_names = sinks.LOG_METHODS | {"print"}

    @classmethod
    def text_filter(cls, text: str) -> bool:
        # a sink is `print(...)` or a call of a log method (`sinks.log_arguments`): no such name in
        # the text, nothing to report
        return cls.required_words(text) and (has_word(text, "print") or _LOG_CALL.search(text) is not None)

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not type(func) in (cst.Name, cst.Attribute):
            return
        args = sinks.log_arguments(node, self.ctx.qualified_name(func), self.ctx.roles.has("handler"))
        if not args:
            return
        for arg in args:
            value = self.values.ev(arg)
            origin = first_flow(value, "secret")
            if origin is None or value.safe:
                continue
            if osec.token_only(origin.name) and self._token_context_is_not_auth():
                continue  # an ACME challenge, lexer, paging or slot token: not a credential
            written = self.values.code(func)

            def build(lines, origin=origin, written=written, node=node):
                return (f"Secret written to a log: {self.source(origin, lines)} \u2192 `{written}()`"
                        f"{self.at(node, lines)}; logs are read and kept far more widely than the secret "
                        "should be. Log something that identifies it without revealing it (the user, "
                        "a length, the last 4 characters, a hash), or leave it out.")
            self.flow(node, build, [origin.node])
            return

    def _token_context_is_not_auth(self) -> bool:
        function = self.ctx.enclosing_function()
        return osec.token_is_not_credential(self.ctx.path, function.name.value if function else "")
