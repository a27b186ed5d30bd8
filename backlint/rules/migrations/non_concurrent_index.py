from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class NonConcurrentIndex(MigrationRule):
    """Migration builds an index on an existing table without CONCURRENTLY.

    ## What it does
    Finds index builds on existing PostgreSQL tables that block writes: Django `AddIndex`,
    `AlterIndexTogether`, and `AddField` / `AlterField` whose field gets an index (`db_index=True`,
    `unique=True`, or a `ForeignKey` or `SlugField`, which are indexed by default); Alembic
    `op.create_index` without `postgresql_concurrently=True`; and `CREATE INDEX` without
    `CONCURRENTLY` in raw SQL. Indexes on tables created in the same migration and initial
    migrations are not reported. A unique
    constraint added to an existing column (`AlterField` to `unique=True`, `AddConstraint`,
    `op.create_unique_constraint`) is reported by BL504.

    ## Why is this bad?
    A plain `CREATE INDEX` holds a SHARE lock for the whole build: reads go on, but every INSERT,
    UPDATE and DELETE on the table waits, for minutes on a large table. `CREATE INDEX CONCURRENTLY`
    builds the same index while writes continue.

    ## Example
    ```python
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0011_order_status")]

        operations = [
            migrations.AddIndex(
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
    `database = "postgresql"` (the default) is checked: MySQL's InnoDB builds indexes online, and
    SQLite has no concurrent writers to protect.
    """

    code = "BL505"
    name = "non-concurrent-index"
    severity = Severity.WARNING
    precision = "high"
