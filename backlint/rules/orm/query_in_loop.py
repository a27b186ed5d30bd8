from __future__ import annotations

from ...findings import Severity
from ...frameworks import roles
from ._nplusone import NPlusOneRule

MARKERS = (
    "objects", "session", "query", "select", "execute", "cursor", "scalars", "Session", "db.",
    "def ", "models", "relationship", "Relationship", "ForeignKey", "ManyToMany", "OneToOne",
    "peewee", "playhouse", "tortoise",
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
    - SQLAlchemy `lazy="dynamic"` relationships (own or a backref's): `order.lines.count()`,
      `.filter(...)`, `.all()` on one is a new query for every row, whatever the loop's query loads;
    - Peewee: `Model.get()/get_or_none()/get_by_id()`, `select(...)` iterated or run with
      `.get()/.first()/.count()/.exists()` inside the loop, backref queries (`user.tweets.count()`,
      `.where(...)`); Tortoise ORM: awaited `Model.get()/get_or_none()/first()/count()/exists()`
      and querysets, a query on a relation (`await event.participants.all()`, `await
      tournament.events`), `await row.fetch_related(...)` per row. Only on classes whose bases
      reach `peewee.Model` / `tortoise.models.Model` (any module), so `Config.get(key)` on a
      plain class is no query;
    - raw DB-API cursors and connections: `cursor.execute(...)`;
    - calls to project functions named for a lookup (`get_...`, `find_...`, `read_...`,
      `fetch_...`, `lookup_...`, `retrieve_...`, `query_...`, `search_...`, `select_...`,
      `count_...`, `list_...`, `exists`, `..._of`, `..._count`, `execute`, `run_query`, and their
      camelCase spellings, `getUser`, `priceOf`) that run a
      query themselves or through the functions they call (followed across modules, up to four
      calls deep), including helpers that return the rows of a query they build (`return
      list(qs)`). A call to a function named for other work that queries (`verify_integrity(run)`,
      `check_username(name)`) is BL205's (call-queries-in-loop, off by default): whether such
      per-item work can be batched is what this rule cannot see.

    A query (or call) in which nothing was bound by the loop (neither its variable nor a name the
    body assigns) is the same query on every iteration: its message says so and advises running
    it once before the loop, instead of batching it over the items.

    Only loops that go through data count. Not reported: loops over literals (`for k in ("a",
    "b")`), module constants, ALL_CAPS names and `range(CONST)`; retry and batching iterators
    (`for attempt in Retrying(...)`, `batched(ids, 1000)`); `while` loops that do not drain a
    collection (traversals, `while Model.objects.filter(token=t).exists()`, polling, paging);
    loops that always `break`/`return` after their first iteration, paginated batches
    (`limit`/slices inside `range()` loops); and a query whose
    model the loop itself chooses (`for model in apps.get_models(): model.objects.count()`,
    `registry[kind].objects...`): each iteration reads a *different* table, so no single query
    could replace the iterations; the same holds for a helper whose model is looked up at run
    time (`ct.model_class().objects...`, `apps.get_model(label)`), and for the outer loops of a
    model-choosing loop that goes through what they chose (`for f in fields: for ot in
    f.object_types.all(): ot.model_class().objects...`). Also not reported: a function calling itself
    per child (a recursive tree walk), and a query in the branch that one item of the loop
    takes (`for k in fields: if k == "items": ...`). Nor: a loop over a dict or list the
    function writes out and only reads (`sources = {"ecb": ..., "cnb": ...}`), `itertools.count()`;
    a lookup memoized per key (`if key not in cache: cache[key] = ...`) or recomputed only when
    the key changes (`if current != row.event_id: current = ...`); a query in an `except`
    handler (retries, fallbacks); raw SQL that calls a stored function or lock with no `FROM`
    (counted as a write) or a server command (`SHOW`, `SET`); SQL text whose table the loop
    chooses (`f'SELECT count(*) FROM "{table.name}"'` in `for table in tables`);
    `session.refresh()` after the function's own write; a read of the table the iteration has
    just written (`update(M)...` then `select(M)...`: reading back what it wrote; a read of
    *another* table after the write still counts); the `get(pk=...)` of the row a creating call
    of the same iteration returned (`pk = generate_ticket(pos)`). Nor: an endless listener
    (`async for payload in pg_listen(conn, channel)`, `pubsub.listen()`), the walk down the
    segments of one path (`path.split("/")`, `.parts`), and one `IN` query per group key
    (`for ct, pks in by_type.items(): filter(type=ct, id__in=pks)`; a query over the groups
    that does not filter on the key still counts). Nor per-item units of work: a hand-written
    upsert (`row = <lookup>; if row is None: <insert>`, `n = q.count(); if n: ... else:
    <insert>`, `if not q.exists(): create(...)`, `try: get() except DoesNotExist: create()`
    with an insert that always runs, the same work as `update_or_create()`); a query inside
    the transaction each iteration opens (`with transaction.atomic():`, `session.begin()`,
    `session_scope()`); a claim loop, from the statement that locks the item's row on
    (`.with_for_update()`, `.select_for_update()`, `await _lock_trigger(...)`, `claim_job()`:
    what is read under the lock cannot be read before the loop); a loop that inserts into the table it
    reads (parents created by earlier iterations, which a read before the loop could not find;
    an insert only in an `except` handler does not count); a fallback chain that stops at the
    first success (the body ends with `if found: ...; break`/`return`, or with an `if found:`
    on what the iteration read, under which some path breaks or returns, an `else:` trying the
    next source). Nor loops bounded by
    the code or by what a user typed: the statements of one parsed SQL script
    (`script.statements`, `parsed_statement.tables`), a management command's option values
    (`options["component"]` of `**options`), the keys of a constant registry (`check =
    CHECKS[name]`), a choices enumeration (`FeedLegChoices`, `field.choices`); and `PRAGMA`
    statements (connection settings). Nor a related queryset handed to another query's lookup
    (`filter(item__in=row.tags.values_list("id"))`, `Exists(row.logs.filter(...))`, `Q(...)`):
    it is compiled into that query as a subquery (the outer query still counts where it runs).
    Files with the migration role (`migrations/`, and the helpers data migrations import:
    `migrations.py`, `migration_helpers.py` outside those folders) are not checked. Bulk operations (`bulk_create`, `in_bulk`,
    `filter(id__in=...)` outside the loop) are what the rule recommends.

    A project function counts as querying when it runs a read on every call (not only in an
    `if`/`except` branch). The reads a writing function does itself (a lookup before `save()`,
    the `refresh()` after a commit, a `select_for_update()` lock) serve its write, and so does
    what it calls after its first write (re-reading what it wrote); the read-only functions it
    calls *before* writing decide the write, once per call, and still count. A writer named for
    its write (`update_pool`, `create_schema`, `delete_tagged_object`) called per row is a per-row
    write job, unless the read-only helper it calls first reads a table it does not write (the
    tag looked up by name before each tagged row is deleted): that lookup repeats per call. So is
    a function named for a write whose statement the analysis does not see (`set_task_run_state`,
    `register_block_type`) or for a job it runs on the item (`run_`, `do_`, `submit_`, `fail_`,
    `process_`, `perform_`, `send_`, `notify_`, `emit_`, `init_`; not `execute()`/`run_query()`,
    which run the statement they are handed), and what such a function reads from the row it is
    handed (`mark_order_expired(order)` reading `order.invoices`).

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
    not counted, even when that branch is the common one. A call to a project function after
    the iteration's own write is not counted either (what the callee reads is not compared with
    the table written), and a writer whose name does not say it writes (`submit_failure`) is
    still reported for the reads that serve its write.

    Measured on real applications (docs/precision/orm2.md ... orm5.md, lead7.md, lead8.md): 0.55
    and 0.45 on two random 20 of the orm2 release (13 applications); on the 23-application corpus,
    fresh 20s of 0.80 and 0.65 (orm3), 0.65 and 0.80 (orm4), 0.55 (seed 63, wave 6 code), 0.65
    and 0.70 (seeds 72, 73, wave 7), and, after the calls named for work moved to BL205, 0.85 and
    0.65 (seeds 90, 91) and 0.75 and 0.85 (seeds 92, 93, after the wave 15 fixes). What remains
    wrong is many small classes: loops bounded by configuration or by the code in ways the rule
    cannot see (a realm's resolvers, a product's aliases, the files shipped in a package), a
    handful of items of one request, per-entity jobs, guards that must see what earlier
    iterations changed, helpers only data migrations call. Because that is below the 0.90 every
    default rule must reach on real code, BL201 is **off by default**: turn it on with
    `extend-select = ["BL201"]` (or `--extend-select BL201`) to review loops by hand. BL202 (a
    lazy relation read in a loop) stays on.

    ## References
    - Django: https://docs.djangoproject.com/en/stable/topics/db/optimization/
    - SQLAlchemy: https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL201"
    name = "query-in-loop"
    category = "n-plus-one"
    severity = Severity.WARNING
    precision = "low"  # measured 0.45-0.85 on real-code samples (docs/precision/orm2.md ... lead8.md)
    # off by default until its real-code precision reaches 0.90
    default_enabled = False
    tags = ("performance", "database")
    text_markers = MARKERS
