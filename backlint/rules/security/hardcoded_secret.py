from __future__ import annotations

from typing import Optional, Set, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles
from ...frameworks import secrets as sk
from ...rule import FixSpec, Option, Rule
from ...semantics import dotted_name, keyword_arg, positional_args
from . import secret_context as where
from .secret_literals import cannot_hold_a_finding, literal as _literal, target_name

_TEST_FILE_MODES = ("tokens", "note", "report", "skip")
# Code that never runs in production: its values are inputs, seed and example data.
NOT_PRODUCTION = frozenset({roles.TEST, roles.SEED, roles.EXAMPLE})


def _test_files_mode(value) -> str:
    return "" if value in _TEST_FILE_MODES else "must be one of " + ", ".join(_TEST_FILE_MODES)


class HardcodedSecret(Rule):
    """A password, key or token is written in the source.

    ## What it does
    Finds literal secrets:
    - a string assigned or passed to a secret-bearing name: assignments, class attributes,
      keyword arguments, dict literal keys, parameter defaults, comparisons
      (`password`, `passwd`, `secret`, `api_key`, `token`, `private_key`, `client_secret`,
      `SECRET_KEY`, `aws_secret_access_key`, ...), including `app.secret_key = ...`,
      `app.config["SECRET_KEY"] = ...` and Django's `SECRET_KEY = ...` (values with spaces in
      them count: a key is not a sentence), and literal passwords compared in code
      (`if password == "letmein"`, chained comparisons too);
    - keys passed to `jwt.encode`/`jwt.decode`, `hmac.new`, itsdangerous serializers and
      `Fernet`, passwords passed to `HTTPBasicAuth`/`auth=("user", "pw")` and `smtp.login`;
    - credentials inside connection URLs (`postgresql://user:pass@host/db`) and key-value
      connection strings (`"host=db password=..."`);
    - provider token formats wherever they appear: AWS access key ids, GitHub (`ghp_`,
      `github_pat_`), GitLab, Slack (`xox?-`, webhook URLs), Stripe (`sk_live_`, `rk_live_`),
      Google (`AIza`), SendGrid, Twilio API keys, npm, PyPI, OpenAI, Anthropic, Mailgun and PEM
      private key blocks;
    - high-entropy strings under names that may hold a secret (`key`, `auth`, `salt`,
      `signature`, ...), and high-entropy fallbacks of `os.environ.get("SECRET_KEY", "...")`.

    Names are judged by their value: these are not reported: empty strings and placeholders (`"<your-key>"`, `"${TOKEN}"`,
    `"xxxx"`, `"your-api-key-here"`, AWS's `...EXAMPLE` ids); values read from `os.environ`,
    `os.getenv`, settings or a vault; names about secrets that hold no secret (`PASSWORD_FIELD`,
    `TOKEN_URL`, `PASSWORD_RESET_TIMEOUT`, `password_hash`, `token_type`); values that are field
    or header names (`"password"`, `"access_token"`, `"X-API-Key"`), URLs, file paths, sentences
    and templates; setting and cache key paths (`"rag.openai.api_key"`, `"app:status:v4"`);
    display labels (`"Passwords"`); sentinels that say no secret is configured
    (`"secret-key-missing!"`); enum members; type annotations; public keys (SSH host keys,
    `-----BEGIN PUBLIC KEY-----`, certificates) and salts (`salt=`, `..._SALT`; Flask-Security's
    `SECURITY_PASSWORD_SALT` is an HMAC key and counts); values inside something named as an
    example, sample, demo or preview (`"connection_examples": [...]`, `Field(examples=[...])`);
    route parameters of a URL builder (`reverse(..., kwargs={"secret": ...})`); publishable keys
    (`pk_live_`) and Twilio account SIDs, which are not secrets. The message shows at most a
    short prefix of the value.

    ## Why is this bad?
    "Secrets management: use environment variables, never commit secrets." A secret in the
    source is in every clone, fork, backup, CI log and container image of the repository, and
    stays in its history after it is deleted. Rotating it needs a code change and a deploy, so it
    rarely happens. Read secrets from the environment or a secrets manager at startup.

    ## Example
    ```python
    import stripe

    stripe.api_key = "k8Jq2vX9mL4pW7zNc3Rt"
    DATABASE_URL = "postgresql://app:Tr0ub4dor-77@db.internal/app"
    ```

    ## Use instead
    ```python
    import os

    import stripe

    stripe.api_key = os.environ["STRIPE_API_KEY"]
    DATABASE_URL = os.environ["DATABASE_URL"]
    PASSWORD_FIELD = "password"
    ```

    ## Severity
    Findings are errors, except: values that announce they are development defaults
    (`"changeme"`, `"dev-secret"`, `"insecure-key"`, Django's `django-insecure-...`, a URL
    password equal to its user name, in a URL or beside it as `login=`/`user=`, a simple password
    on `localhost`, runs of consecutive characters such as `"12345678"`) are notes: still a
    finding, since such defaults reach production more often than anyone plans, but not a
    leaked credential.

    Test, seed and example code (the file roles `test`, `seed` and `example`: `test_*.py`,
    `tests.py`, `tests/`, `testing/`, `conftest.py`, factories, fixtures, `examples/`...; see
    `backlint check --show-roles`) holds test inputs, not secrets: by default only provider
    credentials in a live format (`sk_live_...`, `AKIA...`, `ghp_...`, a private key block) are
    reported there, since such a token works wherever it is written. See Options.

    ## Fix
    Replaces the literal with `os.environ["NAME"]` (`NAME` from the variable, attribute, key or
    keyword, e.g. `SECRET_KEY`) when the secret is the whole literal of an assignment, a
    keyword argument or a dict value. The fix is unsafe (applied only with `--unsafe-fixes`):
    it changes behaviour, the variable must be set wherever the code runs, and the secret must
    be rotated anyway since it is in the history. Because a fix replaces one node, it does not
    add `import os`: it is offered only when the module already imports `os` (under any alias)
    or `from os import environ`. No fix is offered for parameter defaults (they are evaluated at
    import time), comparisons, URLs or tokens embedded in a larger string.

    ## Options
    - `test-files` (`"tokens"`): what is reported in test, seed and example code. `"tokens"`:
      only provider credentials in a live format; `"note"`: everything, as notes; `"report"`:
      everything at its normal severity; `"skip"`: nothing.

    ## References
    - The Twelve-Factor App, "Config": https://12factor.net/config
    - OWASP Secrets Management Cheat Sheet
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "BL302"
    name = "hardcoded-secret"
    category = "hardcoded-secret"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-798")
    security_severity = "7.5"
    fixable = True  # unsafe: applied only with --unsafe-fixes
    options = {
        "test-files": Option(
            (str,), "tokens",
            "What is reported in test, seed and example code: \"tokens\" (only provider credentials in a "
            "live format), \"note\" (everything, as notes), \"report\" (everything) or \"skip\" (nothing).",
            _test_files_mode,
        ),
    }

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._handled: Set[int] = set()
        self._users: Set[str] = set()  # literal user names assigned so far in this module
        self._in_tests = bool(ctx.roles.roles & NOT_PRODUCTION)
        self._mode = self.settings.get("test-files", "tokens") if self._in_tests else "report"
        self._environ: Optional[str] = None
        self._environ_known = False

    # -- reporting ----------------------------------------------------------------------------
    def _emit(self, node: cst.CSTNode, message: str, weak: bool = False, fix: Optional[FixSpec] = None,
              provider: bool = False) -> None:
        """``provider``: a provider credential in a live format, reported wherever it is."""
        if self._mode == "skip" or (self._mode == "tokens" and not provider):
            return
        severity = Severity.NOTE if weak or self._mode == "note" else None
        self.report(node, message, fix=fix, severity=severity)

    def _quiet_here(self) -> bool:
        """Example, sample or preview data: only provider credentials are reported in it."""
        return where.in_example(self.ctx.ancestors)

    def _mark(self, node: cst.CSTNode) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            self._handled.add(id(current))
            if type(current) is cst.ConcatenatedString:
                stack.append(current.left)
                stack.append(current.right)

    def _environ_expr(self) -> Optional[str]:
        """How this module spells ``os.environ`` (``os.environ``, ``_os.environ``, ``environ``)."""
        if not self._environ_known:
            self._environ_known = True
            self._environ = where.environ_spelling(self.ctx.module)
        return self._environ

    def _fix(self, value: cst.BaseExpression, name: str, is_bytes: bool) -> Optional[FixSpec]:
        environ = self._environ_expr()
        if environ is None or type(value) not in (cst.SimpleString, cst.ConcatenatedString):
            return None
        var = sk.env_name(name)
        code = f'{environ}["{var}"]' + (".encode()" if is_bytes else "")
        new = cst.parse_expression(code)
        if type(value) is cst.SimpleString or type(value) is cst.ConcatenatedString:
            new = new.with_changes(lpar=value.lpar, rpar=value.rpar)
        return FixSpec(value, new, f"Read `{var}` from the environment", applicability="unsafe")

    # -- the checks ------------------------------------------------------------------------------
    def _check_named(self, name: str, value: cst.BaseExpression, how: str = "assign",
                     users: Tuple[str, ...] = ()) -> None:
        """``how``: "assign" | "keyword" | "dict" | "default" | "compare"; ``users``: literal user
        names beside the value (a password equal to its user name is a development default)."""
        if type(value) is cst.BooleanOperation and type(value.operator) is cst.Or:
            # `client_secret or "fallback"`: the literal is used whenever the other side is empty
            self._check_named(name, value.right, "fallback")
            return
        lit = _literal(value)
        if lit is None or id(value) in self._handled:
            return
        text, is_bytes = lit
        # `app.secret_key`, `self.api_key`: the attribute names the value, not its owner
        kind = sk.name_kind(name.rsplit(".", 1)[-1])
        token = sk.find_token(text)
        fixable = how in ("assign", "keyword", "dict")
        if token is not None:
            self._mark(value)
            label, found, shown = token
            whole = found.strip() == text.strip()
            fix = self._fix(value, name, is_bytes) if fixable and whole and kind else None
            self._emit_token(value, label, found, shown, fix=fix)
            return
        if kind is None or self._quiet_here():
            return
        words = sk.words(name)
        candidate = text
        if any(w in ("authorization", "bearer", "auth") for w in words):
            candidate = sk.strip_auth_scheme(text)
        if how == "compare" and (kind != "strong" or not sk.looks_like_password(candidate)):
            return
        if kind == "strong":
            cls = sk.classify_value(candidate, name)
        else:
            generated = sk.high_entropy(candidate) or sk.short_credential_token(name, candidate)
            cls = sk.classify_value(candidate, name) if generated else None
        if cls is None:
            return
        if candidate.strip().lower() in users:
            cls = "weak"  # login="airflow", password="airflow"
        self._mark(value)
        weak = cls == "weak"
        shown = sk.redact(candidate)
        if how == "compare":
            message = (
                f"`{name}` is compared with a hardcoded value (`{shown}`): anyone who reads the "
                "source can pass this check; compare with a value from the environment or a "
                "secrets manager, using `hmac.compare_digest`."
            )
        elif weak:
            message = (
                f"`{name}` has a hardcoded development default (`{shown}`): if it is ever used "
                f"outside local development anyone can use it; read it from the environment "
                f"(`os.environ[\"{sk.env_name(name)}\"]`) and fail when it is missing."
            )
        else:
            where = {
                "default": "as the default of parameter", "keyword": "passed as",
                "fallback": "as the fallback of",
            }.get(how, "in")
            message = (
                f"Hardcoded secret {where} `{name}` (`{shown}`): everyone with the source has it "
                f"and rotating it needs a deploy; read it from the environment or a secrets "
                f"manager, e.g. `os.environ[\"{sk.env_name(name)}\"]`."
            )
        fix = self._fix(value, name, is_bytes) if fixable and candidate == text else None
        self._emit(value, message, weak=weak, fix=fix)

    def _emit_token(self, node: cst.CSTNode, label: str, found: str, shown: int,
                    fix: Optional[FixSpec] = None) -> None:
        """A provider credential. In test code only live formats count (not JSON Web Tokens or
        Stripe test-mode keys), and a private key block there is a note: it may sign test data."""
        if self._mode == "tokens":
            if not sk.live_in_tests(label, found):
                return
            if label == sk.PRIVATE_KEY_LABEL:
                self.report(node, where.test_key_message(found), severity=Severity.NOTE)
                return
        self._emit(node, where.token_message(label, found, shown), fix=fix, provider=True)

    def _check_anywhere(self, node: cst.BaseExpression, text: str, docstring: bool) -> None:
        token = sk.find_token(text)
        if token is not None:
            label, found, shown = token
            self._mark(node)
            self._emit_token(node, label, found, shown)
            return
        if docstring:
            return
        # what follows is not reported in example data; asking where the literal sits costs
        # more than the two searches, so it is asked only when one of them finds something
        cred = sk.find_url_credential(text)
        if cred is not None:
            if self._quiet_here():
                return
            self._mark(node)
            self._emit(node, where.url_message(cred, "read the URL, or at least the password, from the environment"),
                       weak=cred.severity == "weak")
            return
        dsn = sk.find_dsn_password(text)
        if dsn is not None:
            if self._quiet_here():
                return
            password, kind = dsn
            self._mark(node)
            self._emit(
                node,
                f"Password in a connection string (`password={sk.redact(password)}`): read it "
                "from the environment.",
                weak=kind == "weak",
            )

    # -- handlers ------------------------------------------------------------------------------------
    def _in_enum_body(self) -> bool:
        for node in reversed(self.ctx.ancestors):
            if type(node) in (cst.FunctionDef, cst.Lambda):
                return False
            if type(node) is cst.ClassDef:
                for base in node.bases:
                    if (dotted_name(base.value) or "").split(".")[-1] in sk.ENUM_BASES:
                        return True
                return False
        return False

    _target_name = staticmethod(target_name)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._in_enum_body():
            return
        names = [self._target_name(target.target) for target in node.targets]
        # SMTP_USER = "shop" ... SMTP_PASSWORD = "shop": a password equal to a user name seen before
        self._users.update(where.user_values((n, node.value) for n in names))
        for name in names:
            if name is not None:
                self._check_named(name, node.value, users=tuple(self._users))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None or self._in_enum_body():
            return
        name = self._target_name(node.target)
        if name is not None:
            self._check_named(name, node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        if where.is_route_kwargs(node, self.ctx.ancestors):
            return  # reverse("order", kwargs={"secret": ...}): URL parameters
        pairs = where.dict_pairs(node)
        users = tuple(where.user_values(pairs))
        for key, value in pairs:
            if key is not None:
                self._check_named(key, value, "dict", users)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            if param.default is not None:
                self._check_named(param.name.value, param.default, "default")

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # chained comparisons too: `"a" == password == "b"` compares each neighbouring pair
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if type(target.operator) in (cst.Equal, cst.NotEqual):
                for named, value in ((left, right), (right, left)):
                    name = self._target_name(named)
                    if name is not None and _literal(value) is not None:
                        self._check_named(name, value, "compare")
                        break
            left = right

    def visit_Call(self, node: cst.Call) -> None:
        qual = self.ctx.qualified_name(node.func)
        users = tuple(where.user_values(where.keyword_pairs(node)))
        for arg in node.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if keyword in sk.AUTH_TUPLE_KEYWORDS and type(arg.value) in (cst.Tuple, cst.List):
                elements = arg.value.elements
                if len(elements) == 2:
                    self._check_strict(elements[1].value, f"{keyword}=(user, password)")
                continue
            self._check_named(keyword, arg.value, "keyword", users)
        if qual in sk.SECRET_ARGUMENTS:
            spec = sk.SECRET_ARGUMENTS[qual]
            value = self._argument(node, spec.position, spec.keyword)
            if value is not None:
                self._check_strict(value, f"{spec.display}()")
        elif (
            type(node.func) is cst.Attribute
            and node.func.attr.value in sk.LOGIN_METHODS
            and qual is not None
            and qual.startswith(sk.LOGIN_RECEIVERS)
        ):
            value = self._argument(node, 1, "password")
            if value is not None:
                self._check_strict(value, f"{node.func.attr.value}()")
        elif qual in sk.ENV_LOOKUPS:
            self._check_fallback(node, qual)

    @staticmethod
    def _argument(node: cst.Call, position: Optional[int], keyword: Optional[str]) -> Optional[cst.BaseExpression]:
        if keyword is not None:
            arg = keyword_arg(node, keyword)
            if arg is not None:
                return arg.value
        positional = positional_args(node)
        if position is not None and len(positional) > position:
            return positional[position].value
        return None

    def _check_strict(self, value: cst.BaseExpression, where: str) -> None:
        lit = _literal(value)
        if lit is None or id(value) in self._handled:
            return
        text = lit[0]
        token = sk.find_token(text)
        self._mark(value)
        if token is not None:
            label, found, shown = token
            self._emit_token(value, label, found, shown)
            return
        cls = sk.classify_value(text, strict=True)
        if cls is None:
            return
        self._emit(
            value,
            f"Hardcoded key or password passed to `{where}` (`{sk.redact(text)}`): anyone who "
            "reads the source can use it (and forge what it signs); load it from the environment "
            "or a secrets manager.",
            weak=cls == "weak",
        )

    def _check_fallback(self, node: cst.Call, qual: str) -> None:
        positional = positional_args(node)
        if not positional:
            return
        key = _literal(positional[0].value)
        default = positional[1].value if len(positional) > 1 else None
        if default is None:
            arg = keyword_arg(node, "default")
            default = arg.value if arg is not None else None
        if key is None or default is None:
            return
        lit = _literal(default)
        if lit is None or sk.name_kind(key[0]) is None:
            return
        text = lit[0]
        if sk.find_token(text) is not None:
            return  # reported where the literal is visited
        if sk.high_entropy(text) and sk.classify_value(text, key[0]) == "secret":
            self._mark(default)
            self._emit(
                default,
                f"`{qual}(\"{key[0]}\", ...)` falls back to a hardcoded secret "
                f"(`{sk.redact(text)}`), used whenever the variable is missing; fail instead "
                f"(`os.environ[\"{key[0]}\"]`).",
            )

    def _is_docstring(self) -> bool:
        parent = self.ctx.parent()
        return type(parent) is cst.Expr

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self._handled or cannot_hold_a_finding(node.value):
            return
        lit = _literal(node)
        if lit is not None:
            self._check_anywhere(node, lit[0], self._is_docstring())

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if id(node) in self._handled:
            self._mark(node)
            return
        if type(self.ctx.parent()) is cst.ConcatenatedString:
            return  # a tail of a longer literal: the outermost piece judged the whole of it
        lit = _literal(node)
        if lit is not None:
            before = len(self.ctx.reports)
            self._check_anywhere(node, lit[0], self._is_docstring())
            if len(self.ctx.reports) > before:
                self._mark(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if id(node) in self._handled:
            return
        text = "".join(
            p.value if type(p) is cst.FormattedStringText else "{}" for p in node.parts
        )
        token = sk.find_token(text)
        if token is not None:
            label, found, shown = token
            self._mark(node)
            self._emit_token(node, label, found, shown)
            return
        cred = sk.find_url_credential(text)
        if cred is not None and not self._quiet_here():
            self._mark(node)
            self._emit(node, where.url_message(cred, "read the password from the environment"),
                       weak=cred.severity == "weak")
