"""Run in a subprocess by tests/test_graphql_runtime.py: prints {schema: [queries for 3, 6 authors]}."""
import json
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=True,
    INSTALLED_APPS=["graphql_apps.gqlshop"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
)
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from graphql_apps.gqlshop import models, schema  # noqa: E402

with connection.schema_editor() as editor:
    editor.create_model(models.Author)
    editor.create_model(models.Book)

out = {}
for n in (3, 6):
    models.Book.objects.all().delete()
    models.Author.objects.all().delete()
    for i in range(n):
        author = models.Author.objects.create(name=f"a{i}")
        models.Book.objects.create(author=author, title=f"t{i}", published=True)
        models.Book.objects.create(author=author, title=f"d{i}", published=False)
    for name in ("slow", "fast"):
        with CaptureQueriesContext(connection) as ctx:
            result = getattr(schema, name).execute("{ authors { name publishedBooks { title } } }")
        if result.errors:
            sys.exit(f"{name}: {result.errors}")
        assert len(result.data["authors"]) == n and all(len(a["publishedBooks"]) == 1 for a in result.data["authors"])
        out.setdefault(name, []).append(len(ctx.captured_queries))
print(json.dumps(out))
