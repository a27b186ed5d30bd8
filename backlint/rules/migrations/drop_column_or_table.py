from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class DropColumnOrTable(MigrationRule):
    """Migration drops a column or a table that the running release may still use.

    ## What it does
    Finds migrations that drop a column or a table of an existing table: Django `RemoveField` and
    `DeleteModel`, Alembic `op.drop_column` (also in `batch_alter_table`) and `op.drop_table`, and
    `DROP TABLE` / `ALTER TABLE ... DROP [COLUMN]` in raw SQL (`RunSQL`, `op.execute`). Tables
    created earlier in the same migration, the initial migration of an app (Django `initial = True`,
    Alembic `down_revision = None`), squashed migrations, Alembic `downgrade()` and the
    `database_operations` of a `SeparateDatabaseAndState` (the deliberate second step of a
    two-step removal) are not reported.

    ## Why is this bad?
    Migrations run while the previous release is still serving requests (rolling deploys, several
    workers, a deploy that fails half-way). That release still selects, inserts and updates the
    dropped column: Django and SQLAlchemy name every mapped column in their queries, so each of
    those queries fails until the last old process is gone, and a rollback of the code is no longer
    possible. Drops must come last: expand, migrate the code, then contract.

    ## Example
    ```python
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0007_order_status")]

        operations = [
            migrations.RemoveField(model_name="order", name="notes"),
        ]
    ```

    ## Use instead
    ```python
    from django.db import migrations


    class Migration(migrations.Migration):
        # Release 1: the code no longer uses Order.notes (and the column is nullable).
        # Django forgets the field; a migration in a later release drops the column.
        dependencies = [("shop", "0007_order_status")]

        operations = [
            migrations.SeparateDatabaseAndState(
                state_operations=[migrations.RemoveField(model_name="order", name="notes")],
            ),
        ]
    ```

    ## Options
    `database` (`postgresql`, `mysql`, `sqlite`), `migrations-start-after` (skip the applied
    history: set once at the top level, by `backlint init`) and the superseded `migrations-since`.
    The BL5xx rules share these option names; see docs/migrations.md.

    ## Known problems
    A linter cannot know whether the code that used the column was already removed in an earlier
    release; when it was, this is the contract step and a suppression comment records that
    decision: `# backlint: ignore[BL501]`.
    """

    code = "BL501"
    name = "drop-column-or-table"
    severity = Severity.WARNING
    precision = "high"
