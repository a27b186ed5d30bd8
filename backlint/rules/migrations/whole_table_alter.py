from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class WholeTableAlter(MigrationRule):
    """Migration rewrites or scans a whole table while holding a blocking lock.

    ## What it does
    Finds changes to existing tables that rewrite every row or check every row under a lock that
    blocks the application:

    - making a column NOT NULL: Alembic `op.alter_column(nullable=False)`, Django `AlterField` from
      `null=True` to NOT NULL, SQL `SET NOT NULL`;
    - changing a column's type: Alembic `op.alter_column(type_=...)`, Django `AlterField` to another
      column type, SQL `ALTER COLUMN ... TYPE`, MySQL `MODIFY` / `CHANGE`; changes PostgreSQL makes
      without a rewrite (a longer varchar, varchar to text, more digits at the same scale) are not
      reported;
    - adding a constraint that validates the table: Django `AddConstraint` (check, unique, exclusion),
      `AlterField` adding `unique=True`, a foreign key or a `Positive*Field` check,
      `AlterUniqueTogether`; Alembic `op.create_unique_constraint`, `op.create_primary_key`,
      `op.create_exclude_constraint`, and `op.create_foreign_key` / `op.create_check_constraint`
      without `postgresql_not_valid=True`; SQL `ADD CONSTRAINT` without `NOT VALID` (or `USING INDEX`);
    - validating a constraint in the same transaction that added it `NOT VALID`.

    `AlterField` is judged against the field's previous definition, found by replaying the earlier
    migrations in the same `migrations` directory. `SET NOT NULL` is not reported when the same
    migration validates a constraint on the table or drops a helper check named after the column
    (the check-constraint recipe).

    ## Why is this bad?
    On PostgreSQL these statements take an ACCESS EXCLUSIVE lock and then read (or rewrite) the
    whole table before they release it: every query on the table, reads included, queues behind the
    migration for as long as the scan takes, minutes on a large table, and the queue itself can
    exhaust connections. Each has a form that does the slow part without blocking.

    ## Example
    ```python
    from alembic import op

    revision = "0007"
    down_revision = "0006"


    def upgrade():
        op.alter_column("orders", "status", nullable=False)


    def downgrade():
        op.alter_column("orders", "status", nullable=True)
    ```

    ## Use instead
    ```python
    from alembic import op

    revision = "0007"
    down_revision = "0006"


    def upgrade():
        # VALIDATE CONSTRAINT and SET NOT NULL follow in later revisions
        op.create_check_constraint(
            "ck_orders_status_not_null", "orders", "status IS NOT NULL", postgresql_not_valid=True
        )


    def downgrade():
        op.drop_constraint("ck_orders_status_not_null", "orders", type_="check")
    ```

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md. With
    `database = "sqlite"` this rule reports nothing (SQLite has no concurrent access to protect).

    ## Known problems
    Django `AlterField` history is read from the other files of the `migrations` directory; when
    they cannot be read (a migration checked from standard input, a custom `MIGRATION_MODULES`
    location with other names) the alteration is not reported.
    """

    code = "BL504"
    name = "whole-table-alter"
    severity = Severity.WARNING
    precision = "high"
