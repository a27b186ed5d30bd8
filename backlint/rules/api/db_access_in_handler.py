from __future__ import annotations

from ...findings import Severity
from ...frameworks import persistence
from ...rule import Option
from ._handlers import HandlerRule, HandlerScan, describe_handler, suggested_service

DJANGO_FRAMEWORKS = ("django", "drf")
_KIND_NOTE = {persistence.READ: "database read", persistence.WRITE: "database write",
              persistence.COMMIT: "transaction commit"}


class DbAccessInHandler(HandlerRule):
    """A request handler queries or writes the database itself instead of calling a service.

    ## What it does
    Finds persistence calls made directly in an HTTP handler (any discovered route, class-based
    view method or viewset action): SQLAlchemy/SQLModel `session.query/execute/scalars/get/add/
    delete/commit/...` (also `db.session` from Flask-SQLAlchemy and `Model.query`), Django
    `Model.objects...` managers and querysets, `obj.save()`/`obj.delete()`, cursors and raw SQL
    (`connection.cursor()`, `cursor.execute`, `Model.objects.raw`), asyncpg connections and pools
    (`conn.fetch/fetchrow/fetchval/execute`), the `databases` library (`database.fetch_all(...)`),
    and Mongo collection calls.
    One finding per handler, at the first access, listing what was found; every access is
    attached as a related location (SARIF `relatedLocations`, `related` in JSON).

    Related-manager writes in Django/DRF handlers count as writes
    (`board.pins.all().delete()`, `board.pins.filter(...).update(...)`, `obj.tags.add(...)`,
    `device.token_set.create(...)`). The suggested service module sits beside the handler module;
    a function name is proposed only when the handler's name says what the use case is (never
    `post(...)` or `update(...)`).

    Not reported: a dependency-injected session that is only passed on to a service or
    repository call; DRF's own flow (`queryset = ...`, `get_queryset()`, `get_object()`,
    `self.filter_queryset(...)`, `serializer.save()`, `form.save()`); generic CRUD base views of
    the project's framework layer (a `generic/` package, `Base*`/`Generic*`/`*Mixin` classes),
    whose writes are the feature they provide to subclasses.

    **Django reads are allowed by default** (`allow-django-orm-reads = true`): Django's own
    architecture puts query logic on models and managers and has views read through them
    (`get_object_or_404`, `Post.objects.filter(...)` in a view is the documented idiom), so
    flagging every read would bury real projects in findings nobody will act on. Writes and raw
    SQL/cursors in Django views are still reported. Set the option to `false` for a strict
    handler → service → repository layout.

    ## Why is this bad?
    A handler should parse the request, call a service and format the response. Queries in the
    handler tie HTTP code to the schema, cannot be reused by other entry points (CLI, workers,
    other endpoints), are tested only through HTTP, and grow into the "fat controller" where
    transactions, authorisation and business rules are duplicated across endpoints.

    ## Example
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.models import User

    router = APIRouter()

    @router.get("/users/{user_id}")
    def read_user(user_id: int, session: Session = Depends(get_session)):
        return session.execute(select(User).where(User.id == user_id)).scalar_one()
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.services import users as user_service

    router = APIRouter()

    @router.get("/users/{user_id}")
    def read_user(user_id: int, session: Session = Depends(get_session)):
        return user_service.get_user(session, user_id)
    ```

    ## Known problems
    Receivers are recognised by type annotations and conventional names (`session`, `db`,
    `cursor`, `conn`); a session stored under another name is missed.
    """

    code = "BL103"
    name = "db-access-in-handler"
    category = "handler-logic"
    severity = Severity.WARNING
    precision = "high"
    tags = ("architecture",)
    skip_generic_views = True
    options = {
        "allow-django-orm-reads": Option((bool,), True,
                                         "Django/DRF views may read through the ORM (writes and raw SQL are still reported)."),
    }

    def finish_handler(self, scan: HandlerScan) -> None:
        django = scan.handler.framework in DJANGO_FRAMEWORKS
        found = []
        for node, stmt, access in scan.accesses:
            if access.sanctioned:
                continue
            if django and self.settings["allow-django-orm-reads"] and access.kind == persistence.READ \
                    and (".objects" in access.what or ".query" in access.what):
                continue
            found.append((node, stmt, access))
        if not found:
            return
        node, stmt, _ = found[0]
        what = persistence.describe([a for _, _, a in found])
        # one finding per handler; every database call is a related location, so a reviewer sees all
        related = [(n, f"{_KIND_NOTE.get(a.kind, 'database access')} `{a.what}`") for n, _, a in found]
        self.report_at(
            node, stmt,
            f"{describe_handler(scan.handler)} talks to the database directly ({what}); move the queries into a "
            f"repository or service, e.g. {suggested_service(self.ctx.path, scan.handler, self.ctx.roles.path)}, "
            "and call that from the handler.",
            related=related,
        )
