from __future__ import annotations

import re
from typing import Dict, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import responses, roles, routes, webhooks
from ...frameworks import values as v
from ...rule import Rule
from ...walker import source_children

# a quoted error-ish key or `jsonify(error=...)`: files without one are skipped after one regex
_ERROR_TEXT_RE = re.compile(r"""["'](?:error\w*|err|errmsg|success|ok|succeeded|status|result|state|detail)["']\s*:"""
                            r"""|\b(?:error\w*|success|ok)\s*=""", re.I)
_DICT_FRAMEWORKS = frozenset({"flask", "quart", "fastapi", "litestar"})


class ErrorResponseWithSuccessStatus(Rule):
    """A handler answers an error body with a success (2xx) status.

    ## What it does
    Looks at what HTTP handlers return (see `backlint routes`) and reports a JSON body that says
    the request failed, sent with a 2xx status: `JsonResponse({"error": ...})` with Django's
    default 200, Flask `return jsonify(error=...)` or `return {"success": False, ...}` without a
    4xx/5xx in the returned tuple, DRF `Response({"detail": "Not found."})` without `status=`,
    Starlette/FastAPI `JSONResponse({...})` without `status_code=`, aiohttp `web.json_response`,
    Sanic `json(...)`, and a FastAPI/Litestar/Flask handler returning an error dict. A body says it
    failed when it has an `error` (`err`, `error_message`, `error_code`, ...) key with a value,
    `success`/`ok` set to `False`, `status` set to `"error"`/`"fail"`/`"failed"`, or is only a DRF
    `detail` that reads as an error ("not found", "invalid", "denied", ...). A returned name is
    followed to the response it was assigned.

    Not reported: an explicit non-2xx status (a literal, a variable, a helper, `status.HTTP_404_NOT_FOUND`,
    `resp.status_code = 400` after building it, `**kwargs`), a FastAPI route declaring
    `status_code=` or setting `response.status_code`, `raise HTTPException(...)`, a per-row
    `errors: [...]` list (a partial success: the request itself worked), an `error` key that is
    `None`, `False` or empty, a body that also carries `data`/`result`/`items` (an envelope with
    one or the other), responses built outside a handler (a helper's status is not known here),
    webhook receivers (named or documented as webhooks, or verifying a webhook signature): their
    sender reads any 2xx as "received, do not retry", so answering an ignored event with 200 is right.

    ## Why is this bad?
    Clients, API gateways, monitoring, retries and caches read the status line, not the body. An
    error answered with 200 is counted as a success, may be cached, is not retried or alerted on,
    and every client has to parse the body to learn that the call failed: "never an error body
    with 200".

    ## Example
    ```python
    from django.http import JsonResponse

    def order_detail(request, order_id):
        order = find_order(order_id)
        if order is None:
            return JsonResponse({"error": "order not found"})
        return JsonResponse({"id": order.id})
    ```

    ## Use instead
    ```python
    from django.http import JsonResponse

    def order_detail(request, order_id):
        order = find_order(order_id)
        if order is None:
            return JsonResponse({"error": "order not found"}, status=404)
        return JsonResponse({"id": order.id})
    ```

    ## References
    - RFC 9110, section 15 (status codes): https://www.rfc-editor.org/rfc/rfc9110#section-15
    """

    code = "BL108"
    name = "error-response-with-success-status"
    category = "status-code"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design", "correctness")
    skip_roles = roles.NOT_REQUEST_PATH
    text_markers = ("JsonResponse", "jsonify", "Response", "json_response", "json(", "return {", "return dict(")

    def visit_Module(self, node: cst.Module) -> None:
        self._on = bool(_ERROR_TEXT_RE.search(self.ctx.text or ""))
        self._stack: List[Optional[routes.Handler]] = []
        self._webhook: Dict[int, bool] = {}  # handler node id -> receives webhooks (asked lazily)
        self._routes = routes.for_context(self.ctx) if self._on else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.append(self._routes.handler_for(node) if self._on else None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._stack:
            self._stack.pop()

    def visit_Return(self, node: cst.Return) -> None:
        handler = self._stack[-1] if self._stack else None
        if handler is None or node.value is None or handler.websocket:
            return
        value = node.value
        explicit = None
        if type(value) is cst.Tuple:
            if len(value.elements) < 2:
                return
            explicit = responses.literal_status(value.elements[1].value)
            if explicit is None or not 200 <= explicit < 300:
                return  # `return jsonify(...), 400` or a status this file computes
            value = value.elements[0].value
        if type(value) is cst.Name:
            if self._status_set_on(handler.node, value.value):
                return
            value = v.resolve(self.ctx, value)
        problem = self._problem(handler, value, explicit)
        if problem is not None and not self._receives_webhooks(handler):
            what, builder, status = problem
            self.report(node, self._message(handler, what, builder, status))

    def _problem(self, handler: routes.Handler, value, explicit: Optional[int]):
        if type(value) is cst.Call:
            qual = self.ctx.qualified_name(value.func) or ""
            spec = responses.BUILDERS.get(qual)
            if spec is None:
                return None
            given, status = responses.status_arg(value, spec)
            code = explicit
            if given:
                code = responses.literal_status(status)
                if code is None or not 200 <= code < 300:
                    return None
            body, kwargs = responses.body_of(value, qual)
            what = responses.error_body(body, kwargs)
            return (what, qual.rsplit(".", 1)[-1], code) if what else None
        if type(value) in (cst.Dict, cst.Call) and handler.framework in _DICT_FRAMEWORKS:
            if explicit is None and (self._declares_status(handler) or self._status_set_on(handler.node, None)):
                return None
            what = responses.error_body(value)
            return (what, None, explicit) if what else None
        if type(value) is cst.Dict and handler.framework in _DICT_FRAMEWORKS:
            pass
        return None

    def _receives_webhooks(self, handler: routes.Handler) -> bool:
        """A webhook's sender reads a 2xx as "received, do not retry": asked once per handler, and
        only when it has something to report."""
        key = id(handler.node)
        if key not in self._webhook:
            self._webhook[key] = webhooks.is_receiver(handler.node, [handler.name, handler.class_name, *handler.paths])
        return self._webhook[key]

    @staticmethod
    def _declares_status(handler: routes.Handler) -> bool:
        for decorator in handler.node.decorators:
            call = decorator.decorator
            if type(call) is cst.Call and v.keyword(call, "status_code") is not None:
                return True
        return False

    @staticmethod
    def _status_set_on(func: cst.FunctionDef, name: Optional[str]) -> bool:
        """`name.status_code = ...` (or any `x.status_code =` when ``name`` is None) in ``func``."""
        stack: list = [func.body]
        while stack:
            current = stack.pop()
            if type(current) in (cst.Assign, cst.AugAssign, cst.AnnAssign):
                targets = [t.target for t in current.targets] if type(current) is cst.Assign else [current.target]
                for target in targets:
                    if type(target) is cst.Attribute and target.attr.value in ("status_code", "status") and (
                            name is None or type(target.value) is cst.Name and target.value.value == name):
                        return True
            stack.extend(source_children(current))
        return False

    @staticmethod
    def _message(handler: routes.Handler, what: str, builder: Optional[str], status: Optional[int]) -> str:
        shown = f"status {status}" if status is not None else "the default status 200"
        head = f"`{handler.name}` answers an error body ({what}) with {shown}"
        if builder in ("jsonify", None) and handler.framework in ("flask", "quart"):
            fix = "return the error's status with it (`return jsonify(...), 400`; 404, 409, ... as fits)"
        elif builder is None:
            fix = ("raise `HTTPException(status_code=..., detail=...)` with the error's status (400, 404, 409, "
                   "... as fits)")
        elif builder == "Response" and handler.framework in ("drf", "drf-viewset", "django"):
            fix = "pass the error's status (`status=status.HTTP_400_BAD_REQUEST`, 404, 409, ... as fits)"
        else:
            keyword = responses.BUILDERS.get(_qual_for(builder), ("status", None))[0] or "status"
            fix = f"pass the error's status (`{keyword}=400`, 404, 409, ... as fits)"
        return (f"{head}: clients, gateways and monitoring read the status, not the body, so this failure "
                f"counts as a success; {fix}.")


def _qual_for(builder: Optional[str]) -> str:
    for qual in responses.BUILDERS:
        if qual.rsplit(".", 1)[-1] == builder:
            return qual
    return ""
