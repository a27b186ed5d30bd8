from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class ConcurrentIndexInTransaction(MigrationRule):
    """Concurrent index operation inside the migration's transaction.

    ## What it does
    Finds `CONCURRENTLY` index operations that run inside a transaction: Django
    `AddIndexConcurrently` / `RemoveIndexConcurrently`, or `CREATE INDEX CONCURRENTLY` /
    `DROP INDEX CONCURRENTLY` in `RunSQL`, in a migration that is atomic on PostgreSQL (no
    `atomic = False`; `atomic = IS_SQLITE` is false there, and an `atomic` expression that cannot be
    read is not judged); Alembic
    `op.create_index(..., postgresql_concurrently=True)`, `op.drop_index(..., postgresql_concurrently=True)`
    or such SQL in `op.execute` outside `with op.get_context().autocommit_block():` (a preceding
    `op.execute("COMMIT")` also ends the transaction).

    ## Why is this bad?
    PostgreSQL refuses `CREATE INDEX CONCURRENTLY` inside a transaction block, and both Django
    (atomic migrations) and Alembic (on PostgreSQL) run a migration in one transaction: the
    migration fails when it is deployed, not when it is written.

    ## Example
    ```python
    from django.contrib.postgres.operations import AddIndexConcurrently
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0011_order_status")]

        operations = [
            AddIndexConcurrently(
                model_name="order",
                index=models.Index(fields=["status"], name="order_status_idx"),
            ),
        ]
    ```

    ## Use instead
    ```python
    from django.contrib.postgres.operations import AddIndexConcurrently
    from django.db import migrations, models


    class Migration(migrations.Migration):
        atomic = False

        dependencies = [("shop", "0011_order_status")]

        operations = [
            AddIndexConcurrently(
                model_name="order",
                index=models.Index(fields=["status"], name="order_status_idx"),
            ),
        ]
    ```

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md. Only
    `database = "postgresql"` is checked.

    ## Known problems
    An Alembic `env.py` can configure migrations to run without a transaction
    (`transactional_ddl=False`, an AUTOCOMMIT connection); that is not visible from the revision
    file, so `autocommit_block()` is what this rule looks for.
    """

    code = "BL506"
    name = "concurrent-index-in-transaction"
    severity = Severity.ERROR
    precision = "high"
