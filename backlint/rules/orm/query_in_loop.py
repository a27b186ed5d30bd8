from __future__ import annotations

from ...findings import Severity
from ...frameworks import roles
from ._nplusone import NPlusOneRule

MARKERS = (
    "objects", "session", "query", "select", "execute", "cursor", "scalars", "Session", "db.",
    "def ", "models", "relationship", "Relationship", "ForeignKey", "ManyToMany", "OneToOne",
)


class QueryInLoop(NPlusOneRule):
    """A database query runs on every iteration of a loop (N+1).

    ## What it does
    Finds calls that hit the database inside `for`/`async for`/`while` bodies, comprehensions and
    DRF `SerializerMethodField` getters (which run once per serialized object):

    - Django: `Model.objects.get()/first()/count()/exists()/aggregate()/get_or_create()/...`
      (and their `a...` async twins), indexing or iterating a queryset built inside the loop,
      and related-manager calls that always build a new query (`post.comments.filter(...)`);
    - SQLAlchemy: `session.get()`, `session.execute()/scalars()/scalar()/exec()` (awaited or
      not), `session.query(...).first()/all()/one()/count()/...`, `Model.query.get(...)`;
    - raw DB-API cursors and connections: `cursor.execute(...)`;
    - calls to project functions that run a query themselves or through the functions they call
      (followed across modules, up to four calls deep).

    Only loops that go through data count. Not reported: loops over literals (`for k in ("a",
    "b")`), module constants, ALL_CAPS names and `range(CONST)`; retry and batching iterators
    (`for attempt in Retrying(...)`, `batched(ids, 1000)`); `while` loops that do not drain a
    collection (traversals, `while Model.objects.filter(token=t).exists()`, polling, paging);
    loops that always `break`/`return` after their first iteration, paginated batches
    (`limit`/slices inside `range()` loops); and a query whose
    model the loop itself chooses (`for model in apps.get_models(): model.objects.count()`,
    `registry[kind].objects...`): each iteration reads a *different* table, so no single query
    could replace the iterations. Bulk operations (`bulk_create`, `in_bulk`,
    `filter(id__in=...)` outside the loop) are what the rule recommends.

    A project function counts as querying when it runs a read on every call (not only in an
    `if`/`except` branch) and does not write: the reads a writing function does itself (a lookup
    before `save()`, the `refresh()` after a commit, a `select_for_update()` lock) serve its
    write. Read-only functions it calls still count.

    ## Why is this bad?
    One query for the list plus one query per item is the N+1 pattern: the page or job does
    N round trips to the database where one would do. It looks fine with ten rows in
    development and falls over with ten thousand in production, and it shows up in no unit
    test, only in query logs and APM traces.

    ## Example
    ```python
    from django.db import models


    class Customer(models.Model):
        name = models.CharField(max_length=100)


    def customer_names(customer_ids):
        names = []
        for customer_id in customer_ids:
            names.append(Customer.objects.get(id=customer_id).name)
        return names
    ```

    ## Use instead
    ```python
    from django.db import models


    class Customer(models.Model):
        name = models.CharField(max_length=100)


    def customer_names(customer_ids):
        customers = Customer.objects.in_bulk(customer_ids)
        return [customers[customer_id].name for customer_id in customer_ids]
    ```

    ## Known problems
    Per-row writes are not reported: `create()`, `save()`, `update()`, `delete()`,
    `get_or_create()`/`update_or_create()` (upserts), SQLAlchemy `insert()/update()/delete()`
    statements, and what the receiver and arguments of such a call read. A query whose
    receiver cannot be recognised (a session or queryset passed in without annotation and with
    an unusual name) is not seen. A query that runs only in one branch of a called function is
    not counted, even when that branch is the common one.

    Measured on 13 real applications (docs/precision/orm.md): 13 of a random 20 findings were
    right (0.65). The rest were per-row write jobs calling a read-only helper, re-reads right
    after a write, DDL held in a variable and per-row lock functions. Because that is below the
    0.90 every default rule must reach on real code, BL201 is **off by default**: turn it on with
    `extend-select = ["BL201"]` (or `--extend-select BL201`). BL202 (a lazy relation read in a
    loop, 0.95 on the same corpus) stays on.

    ## References
    - Django: https://docs.djangoproject.com/en/stable/topics/db/optimization/
    - SQLAlchemy: https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL201"
    name = "query-in-loop"
    category = "n-plus-one"
    severity = Severity.WARNING
    precision = "medium"  # measured 0.65 on a real-code sample (docs/precision/orm.md)
    # off by default until its real-code precision reaches 0.90
    default_enabled = False
    tags = ("performance", "database")
    text_markers = MARKERS
