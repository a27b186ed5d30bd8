from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class RenameColumnOrTable(MigrationRule):
    """Migration renames a column or a table that the running release still uses.

    ## What it does
    Finds renames of existing columns and tables: Django `RenameField`, `RenameModel` and
    `AlterModelTable`, Alembic `op.alter_column(new_column_name=...)` and `op.rename_table`, and
    `ALTER TABLE ... RENAME [COLUMN] ... TO`, `ALTER TABLE ... RENAME TO` and MySQL's
    `RENAME TABLE` / `CHANGE COLUMN` in raw SQL. Tables created in the same migration, initial
    migrations, Alembic `downgrade()` and `SeparateDatabaseAndState(database_operations=...)` are not
    reported.

    ## Why is this bad?
    A rename is a drop and an add at once for every process that still runs the previous release:
    its queries name the old column or table and fail from the moment the migration commits until
    the last old process is replaced. There is no order of deploy and migrate that avoids it: the
    new code needs the new name, the old code the old one.

    ## Example
    ```python
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("blog", "0003_post_summary")]

        operations = [
            migrations.RenameField(model_name="post", old_name="body", new_name="content"),
        ]
    ```

    ## Use instead
    ```python
    from django.db import migrations, models


    class Migration(migrations.Migration):
        # Expand: add the new column; the code writes both, a data migration backfills,
        # reads switch to `content`, and a later release drops `body`.
        dependencies = [("blog", "0003_post_summary")]

        operations = [
            migrations.AddField(model_name="post", name="content", field=models.TextField(null=True)),
        ]
    ```
    To rename only the Python attribute, keep the column: `content = models.TextField(db_column="body")`.

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md.
    """

    code = "BL502"
    name = "rename-column-or-table"
    severity = Severity.WARNING
    precision = "high"
