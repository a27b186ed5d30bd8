"""BL312: exception text or a traceback is sent to the client."""
from __future__ import annotations

import re

from typing import Any, Dict, Iterable, Iterator, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import origin_exception as oe
from ...frameworks import origin_request as orq
from ...frameworks import origin_sinks as sinks
from ...frameworks import roles
from ...frameworks.origin_values import first_flow
from ...frameworks.value_guards import looks_like_handler
from ...project import ProjectReport
from ...textscan import search_after_boundary
from ._origin_walk import OriginRule


# where exception or traceback text can come from (`origin_values.on_except_handler`,
# `origin_exception.TRACEBACK_CALLS`): a handler that binds a name, `traceback.*`, `sys.exc_info`
# `except ... as name:` (a word boundary before `except` is checked by textscan)
_EXCEPT_AS = re.compile(r"except\b[^:]*?\bas[\s\\]+\w+[\s\\]*:")


class ExceptionDetailsInResponse(OriginRule):
    """Exception text or a traceback goes into a response body or a client-facing HTTP error.

    ## What it does
    Finds `str(e)`, `repr(e)`, `f"{e}"`, `e.args`, `e.message` of a caught exception, and
    `traceback.format_exc()` and friends, reaching a response: `JsonResponse`/`HttpResponse`,
    `jsonify`/`make_response`, DRF `Response` and `APIException(detail)`,
    Starlette/FastAPI responses, `HTTPException(detail=...)`, `abort(500, ...)`, aiohttp
    `web.json_response`/`web.Response(text=...)`, and what a FastAPI/Flask route function
    returns (`return {"error": str(e)}`, `return str(e), 500`). The message gives the flow
    from the `except` clause to the response.

    Not reported: logging the exception; validation errors' user-facing messages (pydantic
    `e.errors()`, DRF `e.detail`, marshmallow `e.messages`, Django `e.messages` and form
    errors), and any exception caught as a validation or HTTP error class (`ValidationError`,
    `HTTPException`, `PermissionDenied`, `Http404`...) or as `ValueError` (Python's
    invalid-value error, whose text describes the bad input); re-raising as DRF
    `ValidationError(str(e))`/`ParseError` (the framework's channel for telling the client what
    is wrong with its input, used by validators and serializers); exceptions of the project's own
    application-error classes, recognised as a class defined in the same file or imported
    from the project itself (a relative import or the file's own top-level package), or from a
    companion package of the project: one whose modules the project re-exports as its own
    (`langflow/schema/image.py` being `from lfx.schema.image import *` makes `lfx` langflow's);
    their messages are written by the project for its callers. Also not reported: a `TypeError`
    caught in one clause with a `ValueError` (`except (ValueError, TypeError)`, the idiom
    around converting a value) and a `*FormatError` class (`AddrFormatError`), whose text
    describes the value being parsed; the exception of a `try` whose body is one call of a
    validator (`validate_password(form.password)`, a function named `validate` or
    `validate_*`) with a single `except` clause: the validator's verdict on the input; a
    request handler whose name says it tests a setting and reports the outcome (`test` is a
    word of its name, as in `llm_test` or `send_notification_test`, or `verify`/`check` beside
    `connection`, as in `verify_connection`); a `try` (with one `except` clause) whose body is
    one statement that can only fail about the client's own input or a constant: a lookup of a
    local mapping by the caller's key (`found = sections[name]`: a `KeyError` is the key), an
    `except AttributeError` around `attrgetter(order_by)` / `getattr(obj, field)` of the
    client's name, one call of a `raise_*` helper with constant arguments only (the refusal it
    is given), a pydantic model of the same file built from the payload
    (`Form(**payload)`, `Form.model_validate(payload)`: its `ValidationError`), an assignment
    of a dotted attribute read and nothing else (`plist = self.plugins_list`: no code runs but
    a property's; at most an `AttributeError` naming it), and an `except OSError` /
    `ValueError` around one non-strict `os.path.realpath` / `abspath` / `normpath` of a plain
    value or `str()` of one (they swallow the file system's errors), and one read of the
    request's own body (`await request.body()`, `await request.json()`,
    `request.get_json()`: a disconnect, a consumed stream, or the parser's words about the
    body); a `try` whose body is one call of a parser of text (`json.loads`, `ast.parse`,
    `yaml.safe_load`, `black.format_str`, `uuid.UUID`, `int`, `float`...) on the handler's
    parameter or request input, optionally followed by a `return` of plain names and
    constants (any number of `except` clauses: nothing else in the body can fail, so each is
    about the client's text); PyJWT's refusals of a token (the `InvalidTokenError` family:
    `ExpiredSignatureError`, `DecodeError`, `InvalidAudienceError`...; not `PyJWTError`,
    whose key-set client errors name a URL, nor python-jose's `JWTError`, also raised for the
    server's own key); errors about
    the bytes or the archive being read: `zipfile.BadZipFile`, `UnicodeError` and
    `UnicodeDecodeError` (a codec, a byte and its position), and a `KeyError` caught in one
    clause with `zipfile`'s format error (a member or field the document lacks; alone or
    beside another class a `KeyError` is reported); a PDF reader's format error
    (`pypdf`/`PyPDF2` `PdfReadError`: the uploaded document is malformed); `anyio`'s stream
    errors (`BrokenResourceError`, `ClosedResourceError`, `EndOfStream`, `WouldBlock`), which
    it raises without a message, a cancellation (`asyncio.CancelledError`: no message unless
    the canceller gives one), and a peer's hang-up (`BrokenPipeError`,
    `ConnectionResetError`, `ConnectionAbortedError`: the system's errno text, no path or host); the text of an exception caught broadly but sent only inside
    `if isinstance(exc, C):` (also `(A, B)`, also beside other tests joined by `and`) where
    every `C` is such a class (the project's own conflict error, a validation error): there
    the exception is one of them; likewise inside `if "<a phrase of three words or more>" in
    str(exc):` (the exception is the one whose message the code knows); aiohttp's HTTP-status errors (`ClientResponseError`,
    `ContentTypeError`, `WSServerHandshakeError`, every caught class one of them) read as
    `e.message` / `e.status`: the upstream's reason phrase and status code (their `str(e)`
    also holds the URL requested, and is reported); code inside `if settings.DEBUG:` /
    `if app.debug:`; tests and scripts.

    Whether a package is a companion is decided in the project pass, from the project's files:
    a run that sees none of the re-exporting modules reports that package's error classes.

    ## Why is this bad?
    "Do not expose internal error details to clients" (OWASP Error Handling Cheat Sheet).
    Exception text carries SQL fragments, file paths, host names, library versions and
    sometimes data of other users; a traceback maps the code. It helps an attacker far more
    than it helps a legitimate client, who needs a stable error code and message.

    ## Example
    ```python
    from django.http import JsonResponse

    def report(request):
        try:
            data = build_report(request)
        except Exception as e:
            return JsonResponse({"error": str(e)}, status=500)
        return JsonResponse(data)
    ```

    ## Use instead
    ```python
    import logging

    from django.http import JsonResponse

    logger = logging.getLogger(__name__)

    def report(request):
        try:
            data = build_report(request)
        except Exception:
            logger.exception("report failed")
            return JsonResponse({"error": "internal error"}, status=500)
        return JsonResponse(data)
    ```

    ## Default
    On by default since wave 8 (docs/precision/sec11.md). On the 23-application corpus
    (192 findings after the wave-8 fixes) every finding has a verdict: 181 true, 11 false
    (0.94; 30 read for the first time in wave 8, the rest carried over from earlier waves, of
    which the 27 drawn again in wave 8 were re-read and none overturned); fresh random samples
    of the shipped code: 19/20 and 17/20 (seeds 78, 79: 36/40 = 0.90). Earlier waves measured
    0.80-0.90 per sample of 20 while the false-positive classes were being fixed. The false
    positives left: bodies that call a helper which cannot fail with the server's text (a
    copy of the arguments, a content-type table), a guard naming a companion package's class,
    airflow's XCom `TypeError`, `int()` of a list of ids under `except TypeError`, a settings
    page's model list, a `FileNotFoundError` whose text the project's storage writes, and a
    `PermissionError` the project raises with a fixed message. Turn it off with
    `ignore = ["BL312"]`, or per line with `# backlint: ignore[BL312]`.

    ## References
    - OWASP Error Handling Cheat Sheet
    - CWE-209: Generation of Error Message Containing Sensitive Information
    """

    code = "BL312"
    name = "exception-details-in-response"
    category = "exception-leak"
    severity = Severity.WARNING
    precision = "high"  # 181/192 = 0.94 over every finding on the 23-app corpus: see "## Default"
    default_enabled = True
    tags = ("security", "external/cwe/cwe-209", "external/cwe/cwe-497")
    security_severity = "5.3"
    # `import *`: the shims that re-export a companion package's modules (project pass)
    text_markers = ("except", "traceback", "import *")
    requires = (
        ("except", "traceback"),
        ("Response", "jsonify", "abort", "HTTPException", "json_response", "APIException",
         "NotFound", "PermissionDenied", ".route(", "api_route", "websocket",
         '.get("', ".get('", '.post("', ".post('", '.put("', ".put('", '.patch("', ".patch('",
         '.delete("', ".delete('", ".get(path", ".post(path"),
    )
    skip_roles = roles.NOT_REQUEST_PATH | roles.ALWAYS_SKIPPED

    @classmethod
    def text_filter(cls, text: str) -> bool:
        # exception text exists only where a handler binds the exception (`except ... as e:`) or a
        # traceback is formatted; idle files still export their re-export shim (`from lfx.schema
        # import *`) to the project pass
        return (cls.required_words(text) and ("traceback" in text or "exc_info" in text
                                               or search_after_boundary(_EXCEPT_AS, text))) or "import *" in text

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not type(func) in (cst.Name, cst.Attribute):
            return
        found = sinks.response_arguments(node, self.ctx.qualified_name(func))
        if found is None:
            return
        args, sink = found
        self._check(node, args, f"`{sink}`")

    def sink_return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        function = self.ctx.enclosing_function()
        if function is None or not orq.is_route_function(function, self.ctx):
            return
        value = node.value
        items = [e.value for e in value.elements] if type(value) is cst.Tuple else [value]
        if type(value) is cst.Tuple and len(items) > 1:
            items = items[:1]  # `return body, status`
        first = items[0]
        if type(first) is cst.Call and sinks.response_arguments(first, self.ctx.qualified_name(first.func)):
            return  # a response object: its constructor is checked as a call
        self._check(node, items, f"the return value of route `{function.name.value}`")

    def _check(self, node: cst.CSTNode, args: Iterable[cst.BaseExpression], sink: str) -> None:
        for arg in args:
            if type(arg) is cst.Name:
                bound = self.values.lookup(arg.value)
                if bound is not None and bound.obj == "#exception":
                    continue  # the exception object itself, not its text
            value = self.values.ev(arg)
            origin = first_flow(value, "exception", "traceback")
            if origin is None or oe.in_debug_branch(self.ctx) or self._connection_test():
                continue
            flows = [f for f in value.flows if f.kind in ("exception", "traceback") and not self._narrowed(f)]
            if not flows:
                continue  # sent only where an `isinstance` test names curated classes
            if not any(f is origin for f in flows):
                origin = flows[0]
            definite = [f for f in flows if not f.packages]
            # only classes of other packages: reported unless the project pass finds them to
            # be a companion package's (the project re-exports that package's modules)
            packages = () if definite else tuple(sorted({p for f in flows for p in f.packages}))
            origin = definite[0] if definite else origin
            what = self.values.code(arg)

            def build(lines, origin=origin, what=what, node=node, sink=sink):
                kind = "traceback" if origin.kind == "traceback" else "exception text"
                return (f"{kind.capitalize()} sent to the client: {self.source(origin, lines)} \u2192 `{what}` "
                        f"\u2192 {sink}{self.at(node, lines)}; it can reveal SQL, paths, hosts and library "
                        "details. Log the exception (`logger.exception(...)`) and return a fixed message "
                        "or an error code instead.")
            if packages:
                self._sites.append((node, build, [origin.node], packages))
            else:
                self.flow(node, build, [origin.node])
            return

    def _narrowed(self, flow) -> bool:
        """Inside ``if isinstance(e, C):`` where every ``C`` is a class whose text is written for
        the client (the project's own error class, a validation error...), or inside ``if
        "<a known phrase>" in str(e):`` (see ``origin_exception.narrowed``)."""
        return flow.kind == "exception" and oe.narrowed(self.ctx, flow.name, self.values.local_classes)

    def _connection_test(self) -> bool:
        """Inside a request handler that tests a connection or a notification setting and
        reports why it failed (see ``origin_exception.connection_test``)."""
        function = self.ctx.enclosing_function()
        return function is not None and oe.connection_test(function) and (
            orq.is_route_function(function, self.ctx) or looks_like_handler(function))

    # -- the project pass: exceptions of a companion package ------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._sites: List[tuple] = []  # (sink, build, nodes, packages)
        self._shim = oe.reexported_package(node, self.ctx.path)

    def facts(self) -> Optional[Dict[str, Any]]:
        sites = getattr(self, "_sites", [])
        shim = getattr(self, "_shim", None)
        if not sites and shim is None:
            return None
        out = []
        if sites:
            sinks = [sink for sink, _, _, _ in sites if sink is not None]
            others = [n for _, _, nodes, _ in sites for n in nodes if n is not None]  # named by line only
            positions = self.ctx.locate(sinks, (), others)
            lines = {key: pos[0] for key, pos in positions.items()}
            text = self.ctx.text.splitlines()
            for sink, build, _, packages in sites:
                if id(sink) in positions:
                    pos = positions[id(sink)]
                    out.append([list(pos), build(lines), list(packages), "\n".join(text[pos[0] - 1:pos[2]])])
        return {"reexports": shim, "sites": out}

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        """Report exception text of another package's classes unless every such package is a
        companion of the project: one whose modules the project re-exports as its own."""
        all_facts = list(index.facts(cls.code))
        companions = {fact["reexports"] for _, fact in all_facts if fact.get("reexports")}
        for path, fact in all_facts:
            for pos, message, packages, snippet in fact.get("sites", ()):
                if not all(p in companions for p in packages):
                    yield ProjectReport(path, pos[0], pos[1], pos[2], pos[3], message, snippet)
