from __future__ import annotations

from ...findings import Severity
from ...frameworks import roles
from ._nplusone import NPlusOneRule
from .query_in_loop import MARKERS


class CallQueriesInLoop(NPlusOneRule):
    """A loop calls a project function, named for work rather than a lookup, that queries the database.

    ## What it does
    Reports the calls that BL201 (query-in-loop) leaves to this rule: inside a `for`/`async for`/
    `while` body or a comprehension, a call to a function of the project that runs a database
    query on every call, itself or through the functions it calls (followed across modules, up
    to four calls deep), where the function's name does not say it looks something up
    (`verify_integrity(run)`, `check_username(user)`, `handle_upload(answer)`,
    `build_preview(form)`). Functions named for a lookup (`get_...`, `find_...`, `read_...`,
    `fetch_...`, `lookup_...`, `retrieve_...`, `query_...`, `search_...`, `select_...`,
    `count_...`, `list_...`, `exists`, `..._of`, and camelCase `getUser`, `priceOf`) are BL201's:
    one lookup per item is the N+1 that a batched query replaces. Which calls count as querying,
    and which loops and writes are left out, is the same as for BL201 (see `backlint explain
    BL201`).

    ## Why is this bad?
    Each iteration pays at least one database round trip that the loop does not show. When the
    function reads the same kind of row for every item (a lookup by the item's key), N items
    cost N queries where one would do, and the cost grows with the data, not with the code.

    ## Example
    ```python
    from django.db import models


    class Invoice(models.Model):
        number = models.CharField(max_length=20)
        paid = models.BooleanField(default=False)


    def is_settled(number):
        return Invoice.objects.filter(number=number, paid=True).exists()


    def settled_numbers(numbers):
        return [n for n in numbers if is_settled(n)]
    ```

    ## Use instead
    ```python
    from django.db import models


    class Invoice(models.Model):
        number = models.CharField(max_length=20)
        paid = models.BooleanField(default=False)


    def settled_numbers(numbers):
        paid = set(
            Invoice.objects.filter(number__in=numbers, paid=True).values_list("number", flat=True)
        )
        return [n for n in numbers if n in paid]
    ```

    ## Known problems
    The rule cannot tell per-item work that must query from a lookup that could be batched: a
    validation that rejects each item with its own error, a job run per entity (one
    transaction each), a guard that must see what earlier iterations changed, a helper that
    skips its query when the caller passes a value. On the 23-application corpus of
    `bench/precision.py`, 10 of the 20 such calls earlier waves had judged were batchable, and
    15 of a fresh sample of 20 (seed 94; docs/precision/lead8.md): below the 0.90 a default rule
    needs, so the rule is **off by default**: turn it on (`extend-select = ["BL205"]`) to review
    the loops of a code base by hand, and suppress the per-item work it finds.

    ## References
    - Django: https://docs.djangoproject.com/en/stable/topics/db/optimization/
    - SQLAlchemy: https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL205"
    name = "call-queries-in-loop"
    category = "n-plus-one"
    severity = Severity.WARNING
    precision = "low"  # 0.75 on a fresh real-code sample of 20, 0.50 on the 20 judged before (docs/precision/lead8.md)
    default_enabled = False
    tags = ("performance", "database")
    text_markers = MARKERS
