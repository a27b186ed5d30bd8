from __future__ import annotations

from typing import List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import creates, responses, route_kinds
from ...frameworks import values as v
from ._handlers import HandlerRule, HandlerScan, describe_handler
from ...walker import source_children

_FRAMEWORKS = frozenset({"fastapi", "drf", "drf-viewset", "flask", "quart", "django"})


class CreateWithout201(HandlerRule):
    """A POST handler creates a resource and answers with the default 200 instead of 201 Created.

    ## What it does
    Finds POST-only handlers (FastAPI, DRF views and viewset methods, Flask, Django function views
    answering JSON) that create a row themselves (`Model.objects.create(...)`, `bulk_create`,
    `session.add(...)`, `insert_one`, `serializer.save()` of a serializer built with `data=` and no
    instance, `obj.save()` of an `obj = Model(...)` built in the handler) and answer with the
    framework's default status, 200: FastAPI without `status_code=` on the route decorator (nor
    `response.status_code = ...`), DRF `Response(...)` without `status=`, Flask without a status
    in the returned tuple, Django `JsonResponse` without `status=`. Every return must lack a
    status for a finding.

    Not reported: Litestar `@post` (201 by default); DRF's own `CreateModelMixin.create` (201);
    POST actions that do not create, judged by the handler's name and path (search, token, login,
    preview, webhook, validate, import, upload, copy, run, approve, ... see
    `frameworks/creates.py`); writes made by a called service (not seen here); handlers that
    redirect or render (form posts of server-rendered pages).

    ## Default
    Off by default, as the issue asks until its precision on real code is 0.90: on the
    13-application corpus (2.1 M lines) the first version reported one handler, a false positive
    (a serializer given the existing instance: an update); after that fix it reports none, so
    its precision is not measured (see docs/precision/apisem.md).

    ## Why is this bad?
    201 Created tells clients, caches and generated SDKs that a new resource exists (and, with a
    `Location` header, where). A 200 says "done", so clients cannot tell a create from an update
    or an idempotent no-op, and API docs generated from the code show the wrong status.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter()

    @router.post("/orders")
    def create_order(order: OrderIn, session: Session):
        session.add(Order(**order.model_dump()))
        session.commit()
        return {"ok": True}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter

    router = APIRouter()

    @router.post("/orders", status_code=201)
    def create_order(order: OrderIn, session: Session):
        session.add(Order(**order.model_dump()))
        session.commit()
        return {"ok": True}
    ```
    """

    code = "BL109"
    name = "create-without-201"
    category = "status-code"
    severity = Severity.NOTE
    precision = "medium"
    tags = ("api-design",)
    default_enabled = False

    def finish_handler(self, scan: HandlerScan) -> None:
        handler = scan.handler
        if handler.methods != ("POST",) or handler.framework not in _FRAMEWORKS or handler.websocket:
            return
        if creates.not_a_create(handler.name, *handler.paths):
            return
        created = [(n, s, a) for n, s, a in scan.accesses if a.kind == "write" and (
            creates.creating_write(a.what) or a.what.endswith(".save()")
            and creates.new_instance_saved(n, handler.node))]
        if not created:
            return
        if handler.framework != "fastapi":
            kind, _ = route_kinds.body_kind(handler.node, self.ctx.qualified_name)
            if kind != route_kinds.API:
                return
        status = self._declared(handler.node)
        if status is not False:
            return
        node, stmt, access = created[0]
        fix = {
            "fastapi": "declare it on the route: `status_code=201`",
            "flask": "return it with the body: `return ..., 201`",
            "quart": "return it with the body: `return ..., 201`",
            "django": "pass `status=201` to the response",
        }.get(handler.framework, "pass `status=status.HTTP_201_CREATED` to the `Response`")
        self.report_at(node, stmt, f"{describe_handler(handler)} creates a resource ({access.what}) but answers "
                                   f"with the default status 200; answer 201 Created: {fix}.")

    def _declared(self, func: cst.FunctionDef):
        """False when every return leaves the framework's default status; True otherwise."""
        for decorator in func.decorators:
            call = decorator.decorator
            if type(call) is cst.Call and v.keyword(call, "status_code") is not None:
                return True
        returns: List[cst.Return] = []
        stack = [func.body]
        while stack:
            current = stack.pop()
            if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
                continue
            if type(current) is cst.Return:
                returns.append(current)
            if type(current) in (cst.Assign, cst.AugAssign):
                targets = [t.target for t in current.targets] if type(current) is cst.Assign else [current.target]
                if any(type(t) is cst.Attribute and t.attr.value in ("status_code", "status") for t in targets):
                    return True
            stack.extend(source_children(current))
        if not returns:
            return True  # raises or falls through: nothing answered here
        for ret in returns:
            if self._return_status(ret.value):
                return True
        return False

    def _return_status(self, value: Optional[cst.BaseExpression]) -> bool:
        if value is None:
            return False
        if type(value) is cst.Tuple:
            return len(value.elements) >= 2
        if type(value) is cst.Call:
            qual = self.ctx.qualified_name(value.func) or ""
            spec = responses.BUILDERS.get(qual)
            if spec is None:
                # a helper or another response class: its status is not known here
                return not (type(value.func) is cst.Name and value.func.value == "dict")
            return responses.status_arg(value, spec)[0]
        return type(value) is cst.Name and not isinstance(v.resolve(self.ctx, value), (cst.Dict, cst.List))
