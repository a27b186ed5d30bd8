from __future__ import annotations

from ...findings import Severity
from ._base import MigrationRule


class IrreversibleMigration(MigrationRule):
    """Migration cannot be reversed.

    ## What it does
    Finds Django `RunPython` without `reverse_code` and `RunSQL` without `reverse_sql` (an
    explicit `None` counts as missing; `migrations.RunPython.noop` / `migrations.RunSQL.noop` are
    fine), and Alembic revisions with no `downgrade()` or a `downgrade()` that only passes while
    `upgrade()` does something. A `downgrade()` that raises is a deliberate statement that the
    revision is irreversible and is not reported. Initial migrations are not reported. Findings
    have the severity `note`.

    ## Why is this bad?
    Rolling back a bad release often means unapplying its migrations. An irreversible Django
    migration stops `migrate app 00xx` with `IrreversibleError`; an Alembic downgrade that does
    nothing reports success and leaves the schema ahead of the code that is rolled back to.

    ## Example
    ```python
    from django.db import migrations


    def fill_slugs(apps, schema_editor):
        Post = apps.get_model("blog", "Post")
        for post in Post.objects.filter(slug=""):
            post.slug = str(post.pk)
            post.save(update_fields=["slug"])


    class Migration(migrations.Migration):
        dependencies = [("blog", "0004_post_slug")]

        operations = [migrations.RunPython(fill_slugs)]
    ```

    ## Use instead
    ```python
    from django.db import migrations


    def fill_slugs(apps, schema_editor):
        Post = apps.get_model("blog", "Post")
        for post in Post.objects.filter(slug=""):
            post.slug = str(post.pk)
            post.save(update_fields=["slug"])


    class Migration(migrations.Migration):
        dependencies = [("blog", "0004_post_slug")]

        operations = [migrations.RunPython(fill_slugs, reverse_code=migrations.RunPython.noop)]
    ```

    ## Options
    `database`, `migrations-start-after` (set once at the top level, by `backlint init`) and the
    superseded `migrations-since`, shared by every BL5xx rule; see docs/migrations.md.
    """

    code = "BL507"
    name = "irreversible-migration"
    severity = Severity.NOTE
    precision = "high"
