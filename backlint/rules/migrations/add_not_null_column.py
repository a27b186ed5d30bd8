from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class AddNotNullColumn(MigrationRule):
    """Migration adds a NOT NULL column without a database default.

    ## What it does
    Finds columns added to existing tables as NOT NULL with no default kept by the database:
    Django `AddField` whose field is not `null=True` and has no `db_default` (a Python `default=` is
    not enough), Alembic `op.add_column(sa.Column(..., nullable=False))` (or `primary_key=True`)
    without `server_default`, an Alembic `op.alter_column(server_default=None)` that drops the
    default of a NOT NULL column the same revision added with one, Django `AlterOrderWithRespectTo`
    (which adds `_order`), and `ADD COLUMN ... NOT NULL` without `DEFAULT` in raw SQL. Many-to-many
    fields, generated and identity columns, tables created in the same migration and initial
    migrations are not reported.

    ## Why is this bad?
    Without a default the statement fails on any table that already has rows. With Django's
    `default=` (and for a `blank=True` string field, which Django fills with `''`, or an
    `auto_now` field, filled with the current time), Django fills the existing rows and then drops
    the default from the column, so the release still running, which does not know the field,
    fails on every INSERT until it is replaced. A database default set later in the same migration
    (`ALTER COLUMN ... SET DEFAULT`, django-add-default-value's `AddDefaultValue`) avoids that and
    is not reported.

    ## Example
    ```python
    import sqlalchemy as sa
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade():
        op.add_column("orders", sa.Column("status", sa.String(20), nullable=False))


    def downgrade():
        op.drop_column("orders", "status")
    ```

    ## Use instead
    ```python
    import sqlalchemy as sa
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade():
        op.add_column("orders", sa.Column("status", sa.String(20), nullable=False, server_default="new"))


    def downgrade():
        op.drop_column("orders", "status")
    ```
    In Django: `models.CharField(max_length=20, db_default="new")` (Django 5.0+), or add the field with
    `null=True`, backfill it, and make it NOT NULL in a later migration.

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md.
    """

    code = "BL503"
    name = "add-not-null-column"
    severity = Severity.WARNING
    precision = "high"
