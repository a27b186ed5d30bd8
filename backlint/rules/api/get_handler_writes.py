from __future__ import annotations

import functools
import re

from ...findings import Severity
from ...frameworks import persistence
from ._deliberate_writes import audit_helper, audit_write, protocol_callback, tracking_save
from ._handlers import HandlerRule, HandlerScan, describe_handler


class GetHandlerWrites(HandlerRule):
    """A GET or HEAD handler creates, updates or deletes data.

    ## What it does
    Finds handlers that only serve safe methods (GET, HEAD, OPTIONS: `@app.get`, `@bp.route`
    without `methods=`, class-based `get()`, DRF `list`/`retrieve`, `@require_GET`,
    `@api_view(["GET"])`, ...) and write to the database: SQLAlchemy/SQLModel
    `session.add/delete/merge/commit/flush`, `session.execute(insert(...)/update(...)/delete(...))`,
    Django `Model.objects.create/update/delete/get_or_create/...`, `obj.save()`, `obj.delete()`,
    `serializer.save()`, Mongo `insert_one/update_many/...`, and raw `INSERT`/`UPDATE`/`DELETE`
    SQL through `execute`. One finding per handler, at its first write, listing them all.
    Handlers that accept several methods (`methods=["GET", "POST"]`) are not reported: the write
    usually belongs to the unsafe method.

    ## Why is this bad?
    GET and HEAD are *safe* methods (RFC 9110 section 9.2.1): clients, proxies, crawlers, link
    prefetchers and monitoring retry or prefetch them freely and caches may serve or replay
    them. A GET that changes state gets executed when nobody meant it to (a crawler "visiting"
    `/orders/1/delete`), cannot be protected by CSRF defences that only cover unsafe methods,
    and returns cached answers that hide the write.

    ## Example
    ```python
    from flask import Flask
    from app.db import db
    from app.models import Visit

    app = Flask(__name__)

    @app.get("/pages/<int:page_id>")
    def show_page(page_id):
        db.session.add(Visit(page_id=page_id))
        db.session.commit()
        return {"id": page_id}
    ```

    ## Use instead
    ```python
    from flask import Flask
    from app.db import db
    from app.models import Visit

    app = Flask(__name__)

    @app.get("/pages/<int:page_id>")
    def show_page(page_id):
        return {"id": page_id}

    @app.post("/pages/<int:page_id>/visits")
    def record_visit(page_id):
        db.session.add(Visit(page_id=page_id))
        db.session.commit()
        return {"id": page_id}, 201
    ```

    Not reported: protocol callbacks, which a protocol makes GET requests (OAuth/OIDC/SAML/SSO
    and payment-provider returns, e-mail confirmation and unsubscribe links: a handler or path
    named with `return`, `callback`, `confirm`, `verify`, `sso`, ..., or a handler that checks a
    confirmation secret), audit records (`AuditLog.objects.create(...)`, `*Log.objects.create`),
    idempotent read marks (`notification.read = now(); notification.save()`,
    `save(update_fields=["downloaded"])`), a commit that only persists the audit record a helper
    staged (`audit_events.record_export(session, ...)` then `session.commit()`, and no other
    write) and `form.save(commit=False)`, which writes nothing.

    ## Known problems
    Writes made by a called service function are not followed. Counters (`article.views += 1`)
    are reported: every repeated or prefetched GET changes them; where that is intended,
    suppress with `# backlint: ignore[BL102]` and a reason.

    ## References
    - RFC 9110, 9.2.1 Safe Methods: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
    """

    code = "BL102"
    name = "get-handler-writes"
    category = "safe-method"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design", "correctness")

    @classmethod
    def text_filter(cls, text: str) -> bool:
        # the rule reports only a handler with a write or commit, and every one is a method call
        # (`x.save()`, `session.commit()`, `cursor.execute("INSERT ...")`) named in `persistence`'s
        # tables: a file without `.<one of them>` has none, and is not walked for this rule
        return _write_method().search(text) is not None

    def wants(self, handler) -> bool:
        return handler.safe_only and not handler.websocket

    def finish_handler(self, scan: HandlerScan) -> None:
        all_writes = [(n, s, a) for n, s, a in scan.accesses if a.kind in (persistence.WRITE, persistence.COMMIT)]
        deliberate = [a for n, _, a in all_writes if a.kind == persistence.WRITE and (
            audit_write(a.what) or tracking_save(n, scan.handler.node))]
        writes = [(n, s, a) for n, s, a in all_writes if not any(a is d for d in deliberate)]
        if deliberate and not any(a.kind == persistence.WRITE for _, _, a in writes):
            return  # only audit records or read/seen marks (and their commit)
        if not writes or protocol_callback(scan.handler):
            return  # an OAuth/SSO/payment return or an e-mail link: the protocol makes it a GET
        if not any(a.kind == persistence.WRITE for _, _, a in writes) and audit_helper(scan.handler.node):
            return  # only a commit, of the audit record a helper staged in the session
        node, stmt, _ = writes[0]
        methods = "/".join(scan.handler.methods or ())
        what = persistence.describe([a for _, _, a in writes])
        self.report_at(
            node, stmt,
            f"{describe_handler(scan.handler)} changes data ({what}) although {methods} must be safe: clients, "
            "caches and crawlers repeat it freely; move the write to a POST/PUT/PATCH/DELETE endpoint.",
        )


# every method name `persistence.classify` or `related_write` can return a write or a commit for:
# the session, manager, Mongo and related-manager writes, commits, `save`/`delete` on an instance,
# and the `execute` family (a write when its statement is INSERT/UPDATE/... or `insert(...)`)
WRITE_METHOD_NAMES = frozenset(
    persistence.SESSION_WRITES | persistence.SESSION_COMMITS | persistence.MANAGER_WRITES
    | persistence.MONGO_WRITES | persistence.RELATED_QUERYSET_WRITES | persistence.RELATED_MANAGER_WRITES
    | persistence.ASYNC_DRIVER_EXECUTES
    | {"save", "asave", "delete", "adelete", "execute", "exec", "executemany", "executescript"}
)
# `.` then the name as a whole word; the attribute's dot may be followed by blanks, a backslash
# continuation, or (inside brackets) newlines and comments; a comment runs to its line's end, so
# that `.#####` cannot be split in many ways (exponential backtracking)
@functools.lru_cache(maxsize=None)
def _write_method() -> "re.Pattern[str]":
    # compiled on first use, not at import: every run imports every rule (about 10 M instructions)
    return re.compile(
        r"\.(?:[ \t\f]|\\\r?\n|\r?\n|#[^\r\n]*\r?\n)*(?:"
        + "|".join(sorted(WRITE_METHOD_NAMES, key=len, reverse=True)) + r")\b"
    )
