from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class DataAndSchemaMigration(MigrationRule):
    """Data migration in the same transaction as schema changes to the same table.

    ## What it does
    Finds a Django `RunPython` whose function writes a model (`apps.get_model(...)` plus `save`,
    `update`, `create`, `bulk_update`, ...) that other operations of the same atomic migration
    alter, and Alembic data writes (`op.execute` of UPDATE / INSERT / DELETE, `op.bulk_insert`,
    `table.update()` statements, `op.get_bind().execute`) on a table the same revision alters within
    the same transaction. SQL data writes beside SQL DDL on the same table are found in both.
    Tables created in the same migration are not reported.

    ## Why is this bad?
    ALTER TABLE takes an ACCESS EXCLUSIVE lock that is only released at COMMIT. When the backfill
    runs in the same transaction, the table is locked for the whole backfill, reads included, and
    a failure in the data step rolls the schema change back with it. Schema changes should be
    short transactions; backfills should run on their own, ideally in batches.

    ## Example
    ```python
    from django.db import migrations, models


    def set_status(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(shipped_at__isnull=False).update(status="shipped")


    class Migration(migrations.Migration):
        dependencies = [("shop", "0011_order_shipped_at")]

        operations = [
            migrations.AddField(model_name="order", name="status", field=models.CharField(max_length=20, null=True)),
            migrations.RunPython(set_status, migrations.RunPython.noop),
        ]
    ```

    ## Use instead
    ```python
    from django.db import migrations


    def set_status(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(shipped_at__isnull=False).update(status="shipped")


    class Migration(migrations.Migration):
        # the AddField is in 0012_order_status; this migration only moves data
        dependencies = [("shop", "0012_order_status")]

        operations = [
            migrations.RunPython(set_status, migrations.RunPython.noop),
        ]
    ```

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md. Not
    reported for `database = "mysql"`, whose DDL commits immediately.
    """

    code = "BL508"
    name = "data-and-schema-migration"
    severity = Severity.WARNING
    precision = "medium"
