"""Rename body -> content and add slug/summary.

Unsafe: RenameField breaks code still reading the old column during a
rolling deploy, and slug is added NOT NULL without a default.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="post",
            old_name="body",
            new_name="content",
        ),
        migrations.AddField(
            model_name="post",
            name="slug",
            field=models.SlugField(max_length=200),
        ),
        migrations.AddField(
            model_name="post",
            name="summary",
            field=models.CharField(blank=True, max_length=300, null=True),
        ),
    ]
