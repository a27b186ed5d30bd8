from __future__ import annotations

from typing import List, Set, Tuple

from ...findings import Severity
from ...frameworks import persistence
from ...rule import Option
from ._handlers import HandlerRule, HandlerScan, describe_handler, suggested_service
from ._branch_kinds import BranchKinds
from ._paths import most_on_one_path


def _non_negative(value) -> str:
    return "" if value >= 0 else "must be 0 or more"


class BusinessLogicInHandler(HandlerRule):
    """A request handler does business work: several writes, writes plus side effects, or many branches.

    ## What it does
    Looks at each HTTP handler (any discovered route, class-based view method or viewset action)
    and reports it when it does more than parse, delegate and respond:

    - more than `max-writes` persistence writes on one path through the handler
      (`session.add`, `Model.objects.create`, `obj.save()`, related-manager writes such as
      `order.lines.all().delete()`, `INSERT`/`UPDATE` SQL, ...; commits are not counted, and
      writes in mutually exclusive branches (`if`/`elif`/`else`, `match` cases, a branch that
      returns before the next write) are not added up);
    - persistence access *and* an outbound side effect on one path through the handler: an HTTP
      call (`requests`, `httpx`, `aiohttp`, `urllib`), an email (`send_mail`, `smtplib`, functions
      named `send_*email*`), a queue or task publish (`.delay()`, `.apply_async()`,
      `.publish()`, ...), a background task (`BackgroundTasks.add_task`), a webhook
      (`send_webhook(...)`, `emit_*webhook*`), a payment (`charge_card(...)`, `process_payment(...)`,
      Stripe/Braintree/PayPal SDK calls); aiohttp's server helpers (`web.json_response`,
      `web.HTTPConflict`) answer the request and are not outbound calls. A publish in a branch
      that returns before any database access is not paired with the accesses of other branches;
    - more than `max-branches` decisions of its own (`if`/`elif`, loops, conditional expressions;
      default 10, a common cyclomatic-complexity warning level). Only branches that decide or
      compute count. Not counted: branches whose arms only check the request and reject it
      (`raise`, `abort(400)`, any `return` of a response: field-by-field validation, permission
      checks, legacy-URL redirects, picking a template), report (`messages.error`, `flash`,
      logging), assemble the response or template context (`data["camera"] = {...}`,
      `context.update(...)`, `errors.append(...)`, loops that fill such a container), or parse
      request fields and build forms (`n = int(data["n"])`, `form = CommentForm(request.POST)`);
      conditional expressions inside a response or context literal, a render/response call or a
      `return`; `and`/`or`; anything inside `except`/`finally` blocks (translating failures into
      HTTP responses is the handler's job). A branch whose test, loop or arms touch the database or
      make a side effect always counts.

    The message names what was found and suggests the service module it belongs in.

    ## Why is this bad?
    Business rules in handlers cannot be reused by other entry points (workers, CLI, other
    endpoints), are only testable through HTTP, and mix transaction boundaries with request
    parsing: a payment charged before a failing commit, or an email sent for an order that was
    rolled back, is typical of logic spread over a handler. A service function owns the use case
    and its transaction; the handler maps HTTP to it and back.

    ## Example
    ```python
    import requests
    from fastapi import APIRouter, Depends
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.models import Order

    router = APIRouter()

    @router.post("/orders", status_code=201)
    def create_order(payload: dict, session: Session = Depends(get_session)):
        order = Order(**payload)
        session.add(order)
        session.commit()
        requests.post("https://payments.example.com/charges", json={"order": order.id}, timeout=5)
        return {"id": order.id}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.services import orders as order_service

    router = APIRouter()

    @router.post("/orders", status_code=201)
    def create_order(payload: dict, session: Session = Depends(get_session)):
        order = order_service.place_order(session, payload)
        return {"id": order.id}
    ```

    Not reported: the generic CRUD base views a project's framework layer provides for
    subclassing (classes in a `generic/` package or named `Base*`/`Generic*`/`*Mixin`), and
    functions of a views module that the module itself calls (helpers, not routed views).

    ## Known problems
    Work done by helpers defined in the same module is not followed into the helper.

    Measured on 23 real applications: 16 of a random 20 findings were right (0.80) twice in wave 4
    (docs/precision/audit.md), when every decision point counted; request validation, response and
    template assembly and legacy redirects were most of the false positives. With only the
    branches that decide or compute counted and a side effect paired with an access only on one
    path: **20 of a fresh random 20 right (1.00, seed 53), and 19 of a second random 20 (0.95,
    seed 54; 151 findings; docs/precision/api4.md)**, so BL104 is on by default again. The one
    wrong finding picks which UI plugin renders a page (view dispatch). The price is recall:
    handlers whose real work shows as 8-10 decisions once their guards are not counted
    (search-and-replace, a Stripe webhook, a message query builder) are below the limit now;
    lower `max-branches` to review them.
    """

    code = "BL104"
    name = "business-logic-in-handler"
    category = "handler-logic"
    severity = Severity.WARNING
    precision = "high"  # 20/20 and 19/20 on fresh real-code samples (seeds 53, 54; docs/precision/api4.md)
    default_enabled = True
    tags = ("architecture",)
    collect_effects = True
    collect_branches = True
    skip_generic_views = True
    options = {
        "max-writes": Option((int,), 1, "Persistence writes a handler may make before it counts as business logic.",
                             _non_negative),
        "max-branches": Option((int,), 10, "Decisions of its own a handler may make (if/elif, loops, conditional expressions that decide or compute; request checks, response building and except/finally blocks are not counted).",
                               _non_negative),
    }

    def finish_handler(self, scan: HandlerScan) -> None:
        reasons = []
        writes = scan.writes()
        if len(writes) > self.settings["max-writes"]:
            # writes in mutually exclusive branches are not made by the same request
            calls = [n for n, _, a in scan.accesses if a.kind == persistence.WRITE]
            on_one_path = most_on_one_path(scan.handler.node, calls)
            if on_one_path > self.settings["max-writes"]:
                if on_one_path < len(writes):
                    reasons.append(f"{on_one_path} database writes in one request (among "
                                   f"{persistence.describe(writes, 3)})")
                else:
                    reasons.append(f"{len(writes)} database writes ({persistence.describe(writes, 3)})")
        effects, paired = self._effects_with_access(scan)
        if effects:
            if not reasons:
                reasons.append(f"database access ({persistence.describe(paired, 2)})")
            reasons.append(" and ".join(effects[:3]))
        # classifying a handler's decisions only removes some from the count: a handler under the
        # limit before it is under it after, and is not classified (a walk of its whole body)
        bound = len(scan.branch_nodes) + max(scan.branches - len(scan.branch_nodes) - scan.shown_ifexps, 0)
        branches = self._business_branches(scan) if bound > self.settings["max-branches"] else 0
        if branches > self.settings["max-branches"]:
            reasons.append(f"{branches} branches that decide or compute (limit {self.settings['max-branches']}; "
                           "request checks and response building are not counted)")
        if not reasons or (len(reasons) == 1 and reasons[0].startswith("database access")):
            return
        func = scan.handler.node
        self.report_at(
            func.name, None,
            f"{describe_handler(scan.handler)} does business work in the handler: {'; '.join(reasons)}. "
            f"Move the use case into a service, e.g. "
            f"{suggested_service(self.ctx.path, scan.handler, self.ctx.roles.path)}, "
            "and keep the handler to parse, call and respond.",
        )

    @staticmethod
    def _effects_with_access(scan: HandlerScan) -> Tuple[List[str], List[persistence.Access]]:
        """The side effects one request makes together with database access (one of each kind),
        and those accesses: a publish in a branch that returns before any query is not paired."""
        func = scan.handler.node
        effects: List[str] = []
        kinds: Set[str] = set()
        paired: List[persistence.Access] = []
        seen: Set[int] = set()
        for effect_node, effect in scan.effects[:20]:
            together = next(((node, access) for node, _, access in scan.accesses[:40]
                             if most_on_one_path(func, [node, effect_node]) == 2), None)
            if together is None:
                continue
            if id(together[0]) not in seen:
                seen.add(id(together[0]))
                paired.append(together[1])
            kind = effect.split(" (", 1)[0]
            if kind not in kinds:
                kinds.add(kind)
                effects.append(effect)
        return effects, paired

    @staticmethod
    def _business_branches(scan: HandlerScan) -> int:
        """Decision points that are the handler's own decisions or computations, not request
        validation, response or template assembly, or redirects (``_branch_kinds``)."""
        nodes = scan.branch_nodes
        ifexps = scan.branches - len(nodes) - scan.shown_ifexps
        if scan.branches <= 0 or not nodes:
            return max(ifexps, 0)
        busy = {id(n) for n, _, _ in scan.accesses} | {id(n) for n, _ in scan.effects}
        return BranchKinds(scan.handler.node, busy).counted(nodes) + ifexps
