"""Unit tests for the migration rules (BL5xx): the SQL scanner, options, history, examples."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint import config as config_mod
from backlint.cli import main
from backlint.frameworks import migrations as fw
from backlint.frameworks.sql_ddl import scan
from backlint.rules.migrations import _toml_edit

from conftest import lint_source, make_settings

BL5 = ["BL501", "BL502", "BL503", "BL504", "BL505", "BL506", "BL507", "BL508"]
REPO = Path(__file__).resolve().parent.parent


def codes(result):
    return sorted((f.start_line, f.code) for f in result.findings)


def lint(source, select=BL5, path="example.py", **options):
    rule_options = {code: dict(options) for code in select} if options else {}
    return lint_source(textwrap.dedent(source), select, path=path, rule_options=rule_options)


# -- the SQL scanner ----------------------------------------------------------------------------

@pytest.mark.parametrize("sql,expected", [
    ("ALTER TABLE a DROP COLUMN b", [("drop-column", "a", "b")]),
    ("alter table public.a drop b cascade", [("drop-column", "a", "b")]),
    ("ALTER TABLE a DROP CONSTRAINT a_b_fk", [("drop-constraint", "a", None)]),
    ("ALTER TABLE a RENAME COLUMN b TO c", [("rename-column", "a", "b")]),
    ("ALTER TABLE a RENAME TO z", [("rename-table", "a", None)]),
    ("ALTER TABLE a RENAME CONSTRAINT x TO y", []),
    ('ALTER TABLE "A" ADD COLUMN "b" int NOT NULL', [("add-column", "a", "b")]),
    ("ALTER TABLE a ALTER COLUMN b TYPE bigint USING b::bigint", [("alter-type", "a", "b")]),
    ("ALTER TABLE a ALTER b SET NOT NULL, ALTER c DROP NOT NULL", [("set-not-null", "a", "b")]),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY a (b)", [("create-index", "a", None)]),
    ("DROP TABLE IF EXISTS a, b", [("drop-table", "a", None), ("drop-table", "b", None)]),
    ("-- DROP TABLE a\n/* DROP TABLE b */ SELECT 'DROP TABLE c'", []),
    ("UPDATE a SET b = 'x; DROP TABLE c'", [("data-write", "a", None)]),
    ("CREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE a; END $$ LANGUAGE plpgsql", []),
    ("DO $$ BEGIN IF true THEN ALTER TABLE a DROP COLUMN b; END IF; END $$", [("drop-column", "a", "b")]),
    ("ALTER TABLE a ADD CONSTRAINT c FOREIGN KEY (x) REFERENCES b (id) NOT VALID", [("add-constraint", "a", None)]),
    ("COMMIT; CREATE INDEX CONCURRENTLY i ON a (b)", [("commit", None, None), ("create-index", "a", None)]),
])
def test_sql_scanner(sql, expected):
    assert [(e.kind, e.table, e.column) for e in scan(sql)] == expected


def test_sql_scanner_details():
    add = scan("ALTER TABLE a ADD COLUMN b int NOT NULL DEFAULT 0, ADD c text NOT NULL, ADD d serial")
    assert [(e.column, e.not_null, e.has_default) for e in add] == [("b", True, True), ("c", True, False),
                                                                    ("d", False, True)]
    (fk,) = scan("ALTER TABLE a ADD CONSTRAINT a_fk FOREIGN KEY (x) REFERENCES b (id) NOT VALID")
    assert (fk.constraint, fk.name, fk.not_valid) == ("foreign key", "a_fk", True)
    (uq,) = scan("ALTER TABLE a ADD CONSTRAINT a_uq UNIQUE USING INDEX a_tmp")
    assert (uq.constraint, uq.using_index) == ("unique", True)
    (idx,) = scan("CREATE UNIQUE INDEX CONCURRENTLY i ON a (b)")
    assert idx.concurrently and idx.unique
    assert scan("ALTER TABLE a ALTER COLUMN b TYPE text")[0].to_text
    assert not scan("ALTER TABLE a ALTER COLUMN b TYPE varchar(20)")[0].to_text
    # placeholders and unterminated text never raise
    assert scan("UPDATE a SET b = %s WHERE c = %(c)s")[0].table == "a"
    assert scan("ALTER TABLE 'unterminated") == []
    assert scan("") == []


# -- options ------------------------------------------------------------------------------------

INDEX_AND_FK = """
    import sqlalchemy as sa
    from alembic import op

    revision = "r2"
    down_revision = "r1"


    def upgrade():
        op.create_index("ix_a_b", "a", ["b"])
        op.create_foreign_key("fk_a_c", "a", "c", ["c_id"], ["id"])
        op.create_unique_constraint("uq_a_d", "a", ["d"])
        op.alter_column("a", "e", nullable=False)
        op.create_index("ix_a_f", "a", ["f"], postgresql_concurrently=True)
        op.drop_column("a", "g")
        op.add_column("a", sa.Column("h", sa.Integer()))
        op.execute("UPDATE a SET h = 1")


    def downgrade():
        pass
"""


def test_database_postgresql_is_the_default():
    assert codes(lint(INDEX_AND_FK)) == [
        (10, "BL505"), (11, "BL504"), (12, "BL504"), (13, "BL504"), (14, "BL506"), (15, "BL501"), (17, "BL508"),
        (20, "BL507"),
    ]


def test_database_mysql():
    # InnoDB builds indexes and unique constraints online and has no CONCURRENTLY; its DDL
    # commits at once; foreign keys still copy the table
    assert codes(lint(INDEX_AND_FK, database="mysql")) == [(11, "BL504"), (15, "BL501"), (20, "BL507")]


def test_database_sqlite():
    assert codes(lint(INDEX_AND_FK, database="sqlite")) == [(15, "BL501"), (17, "BL508"), (20, "BL507")]


def test_mysql_messages_do_not_suggest_not_valid():
    (finding,) = [f for f in lint(INDEX_AND_FK, database="mysql").findings if f.code == "BL504"]
    assert "NOT VALID" in finding.message and "postgresql_not_valid" not in finding.message
    assert "MySQL" in finding.message


DJANGO_DROP = """
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0040_previous")]

        operations = [migrations.RemoveField(model_name="order", name="notes")]
"""


@pytest.mark.parametrize("since,fires", [
    ("", True),
    ("0041_remove_notes", True),
    ("0041", True),
    ("0040_previous", True),
    ("0042_later", False),
    ({"shop": "0042_later"}, False),
    ({"shop": "0041_remove_notes"}, True),
    ({"blog": "0099_x"}, True),  # another app's cut-off does not apply
    ({"alembic": "abc123"}, True),
])
def test_migrations_since_django(since, fires):
    result = lint(DJANGO_DROP, ["BL501"], path="shop/migrations/0041_remove_notes.py", **{"migrations-since": since})
    assert bool(result.findings) == fires


def test_migrations_since_django_without_numbers_compares_names():
    result = lint(DJANGO_DROP, ["BL501"], path="shop/migrations/beta.py", **{"migrations-since": "alpha"})
    assert result.findings
    result = lint(DJANGO_DROP, ["BL501"], path="shop/migrations/alpha.py", **{"migrations-since": "beta"})
    assert not result.findings


def _revision(directory: Path, name: str, revision: str, down) -> Path:
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(f"""
        from alembic import op

        revision = {revision!r}
        down_revision = {down!r}


        def upgrade():
            op.drop_column("orders", "notes_{revision}")


        def downgrade():
            pass
    """))
    return path


@pytest.fixture
def versions(tmp_path):
    directory = tmp_path / "versions"
    directory.mkdir()
    _revision(directory, "a1_initial", "a1", None)
    _revision(directory, "b2_second", "b2", "a1")
    _revision(directory, "c3_third", "c3", "b2")
    _revision(directory, "d4_branch", "d4", "b2")
    _revision(directory, "e5_merge", "e5", ("c3", "d4"))
    _revision(directory, "f6_orphan", "f6", "zz")  # its parent is not in the directory
    return directory


@pytest.mark.parametrize("target,since,fires", [
    ("b2_second", "", True),
    ("b2_second", "b2", True),      # the cut-off itself is checked
    ("c3_third", "b2", True),       # a descendant
    ("b2_second", "c3", False),     # an ancestor of the cut-off
    ("d4_branch", "c3", False),     # another branch
    ("e5_merge", "c3", True),       # a merge that includes the cut-off
    ("f6_orphan", "c3", True),      # broken chain: checked
    ("c3_third", "nope", True),     # unknown cut-off: everything is checked
    ("c3_third", {"alembic": "c3"}, True),
    ("b2_second", {"alembic": "c3"}, False),
])
def test_migrations_since_alembic(versions, target, since, fires):
    path = versions / f"{target}.py"
    result = lint(path.read_text(), ["BL501"], path=str(path), **{"migrations-since": since})
    assert bool(result.findings) == fires


def _write_config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.backlint]\n" + textwrap.dedent(body))
    return str(path)


def test_options_load_from_config(tmp_path):
    config = _write_config(tmp_path, """
        [tool.backlint.non-concurrent-index]
        database = "mysql"
        migrations-since = {shop = "0042_x", alembic = "ae1027a6acf"}
    """)
    settings = config_mod.load([str(tmp_path)], config=config)
    assert settings.options_for("BL505") == {"database": "mysql",
                                             "migrations-since": {"shop": "0042_x", "alembic": "ae1027a6acf"},
                                             "migrations-start-after": ""}
    assert settings.options_for("BL501") == {"database": "postgresql", "migrations-since": "",
                                             "migrations-start-after": ""}


def test_top_level_start_after_fills_every_bl5_rule(tmp_path):
    config = _write_config(tmp_path, """
        migrations-start-after = {shop = "0042_x"}

        [tool.backlint.non-concurrent-index]
        migrations-start-after = "0007_y"
    """)
    settings = config_mod.load([str(tmp_path)], config=config)
    assert settings.options_for("BL505")["migrations-start-after"] == "0007_y"  # the rule table wins
    for code in BL5[:4] + BL5[5:]:
        assert settings.options_for(code)["migrations-start-after"] == {"shop": "0042_x"}
    assert "migrations-start-after" not in settings.options_for("BL401")


@pytest.mark.parametrize("body,needle", [
    ('database = "oracle"', "must be one of postgresql, mysql, sqlite"),
    ("migrations-since = 42", "must be string or dict"),
    ('migrations-since = {shop = 42}', "app label = migration name"),
    ('databse = "mysql"', "did you mean 'database'"),
])
def test_option_errors(tmp_path, body, needle):
    config = _write_config(tmp_path, f"[tool.backlint.drop-column-or-table]\n{body}\n")
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.load([str(tmp_path)], config=config)
    assert needle in str(info.value)


def test_every_bl5_rule_has_the_same_options():
    from backlint import registry

    rules = [r for c, r in registry.all_rules().items() if c.startswith("BL5")]
    assert len(rules) == 8
    for rule in rules:
        assert set(rule.options) == {"database", "migrations-since", "migrations-start-after"}
        assert rule.category == "unsafe-migration"


# -- detection by content, skips, suppressions ---------------------------------------------------

def test_detection_by_content_not_path():
    assert lint(DJANGO_DROP, ["BL501"], path="somewhere/else/anything.py").findings
    not_a_migration = """
        class Migration:
            operations = []

        def upgrade(op):
            op.drop_column("a", "b")
    """
    assert not lint(not_a_migration, ["BL501"], path="app/migrations/0002_x.py").findings


def test_alembic_with_annotated_module_attributes():
    source = """
        from typing import Sequence, Union

        from alembic import op

        revision: str = "b2"
        down_revision: Union[str, None] = "a1"
        branch_labels: Union[str, Sequence[str], None] = None


        def upgrade() -> None:
            op.drop_table("legacy")


        def downgrade() -> None:
            op.create_table("legacy")
    """
    assert codes(lint(source)) == [(12, "BL501")]
    initial = source.replace('down_revision: Union[str, None] = "a1"', "down_revision: Union[str, None] = None")
    assert codes(lint(initial)) == []


def test_suppression_on_a_multi_line_operation():
    source = """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("shop", "0040_previous")]

            operations = [
                # backlint: ignore[BL501] -- the code stopped reading `notes` in release 7
                migrations.RemoveField(
                    model_name="order",
                    name="notes",
                ),
                migrations.RemoveField(model_name="order", name="memo"),
            ]
    """
    assert codes(lint(source, ["BL501", "BL001"])) == [(14, "BL501")]


def test_odd_migrations_do_not_crash():
    source = """
        from django.db import migrations, models

        SQL = get_sql()


        class Migration(migrations.Migration):
            dependencies = []
            operations = [
                *make_ops(),
                migrations.AddField("m", "f", FIELD),
                migrations.AddField(),
                migrations.RunSQL(SQL),
                migrations.RunSQL(sql=[("UPDATE x SET y = %s", [1]), None], reverse_sql=""),
                migrations.RunSQL(f"ALTER TABLE {TABLE} DROP COLUMN {name}", migrations.RunSQL.noop),
                migrations.RunPython(lambda apps, se: None),
                migrations.SeparateDatabaseAndState(),
                migrations.AlterField("m", "f", models.IntegerField()),
            ]
    """
    result = lint(source)
    assert not result.errors
    assert codes(result) == [(13, "BL507"), (15, "BL501"), (16, "BL507")]
    drop = [f for f in result.findings if f.code == "BL501"][0]
    assert "__expr__" not in drop.message and "ALTER TABLE … DROP COLUMN …" in drop.message


def test_operations_built_by_expressions_are_not_read():
    source = """
        from django.db import migrations


        class Migration(migrations.Migration):
            operations = make_ops() + [migrations.RemoveField("m", "f")]
    """
    assert codes(lint(source)) == []


def test_message_says_it_came_from_sql():
    source = DJANGO_DROP.replace(
        'migrations.RemoveField(model_name="order", name="notes")',
        'migrations.RunSQL("ALTER TABLE shop_order DROP COLUMN notes", migrations.RunSQL.noop)',
    )
    (finding,) = lint(source, ["BL501"]).findings
    assert finding.message.startswith("SQL in `RunSQL` (`ALTER TABLE shop_order DROP COLUMN notes`)")


# -- history ------------------------------------------------------------------------------------

def test_alter_field_uses_the_earlier_migrations(tmp_path, monkeypatch):
    migrations_dir = tmp_path / "shop" / "migrations"
    migrations_dir.mkdir(parents=True)
    (migrations_dir / "__init__.py").write_text("")
    (migrations_dir / "0001_initial.py").write_text(textwrap.dedent("""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(name="Order", fields=[("note", models.CharField(max_length=10, null=True))]),
            ]
    """))
    later = textwrap.dedent("""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [
                migrations.AlterField(model_name="order", name="note", field=models.CharField(max_length=10)),
            ]
    """)
    path = migrations_dir / "0002_note_required.py"
    path.write_text(later)
    monkeypatch.chdir(tmp_path)
    assert codes(lint_source(later, ["BL504"], path="shop/migrations/0002_note_required.py")) == [(8, "BL504")]
    # the same file alone (no readable history) is not judged
    assert codes(lint_source(later, ["BL504"], path="0002_note_required.py")) == []


def test_field_changes():
    def field(code):
        from backlint.rules.migrations._history import field_from_code

        return field_from_code(code)

    kinds = lambda old, new: [k for k, _ in fw.field_changes(field(old), field(new))]  # noqa: E731
    assert kinds("models.CharField(max_length=10)", "models.CharField(max_length=20)") == []
    assert kinds("models.CharField(max_length=10)", "models.TextField()") == []
    assert kinds("models.TextField()", "models.CharField(max_length=10)") == ["alter-type"]
    assert kinds("models.IntegerField()", "models.BigIntegerField()") == ["alter-type"]
    assert kinds("models.DecimalField(max_digits=5, decimal_places=2)",
                 "models.DecimalField(max_digits=9, decimal_places=2)") == []
    assert kinds("models.DecimalField(max_digits=5, decimal_places=2)",
                 "models.DecimalField(max_digits=9, decimal_places=3)") == ["alter-type"]
    assert kinds("models.IntegerField(null=True)", "models.IntegerField()") == ["set-not-null"]
    assert kinds("models.IntegerField()", "models.IntegerField(null=True)") == []
    assert kinds("models.IntegerField()", "models.PositiveIntegerField()") == ["check"]
    assert kinds("models.CharField(max_length=5)", "models.CharField(max_length=5, unique=True)") == ["unique"]
    assert kinds("models.CharField(max_length=5)", "models.CharField(max_length=5, db_index=True)") == ["index"]
    assert kinds("models.IntegerField()", "models.ForeignKey('a.B', on_delete=models.CASCADE)") == [
        "foreign-key", "index"]
    assert kinds("models.ForeignKey('a.B', on_delete=models.CASCADE)",
                 "models.ForeignKey('a.B', on_delete=models.PROTECT, related_name='x')") == []
    assert kinds("models.ForeignKey('a.B', on_delete=models.CASCADE, db_constraint=False)",
                 "models.ForeignKey('a.B', on_delete=models.CASCADE)") == ["foreign-key"]
    assert kinds("models.IntegerField(null=True)", "models.IntegerField(**kw)") == []
    assert kinds("my.CustomField()", "other.Field()") == []


# -- the example apps ------------------------------------------------------------------------------

def test_examples_report_the_unsafe_migrations_only(monkeypatch):
    from backlint.runner import check

    monkeypatch.chdir(REPO)
    settings = make_settings(BL5, root=str(REPO))
    run = check(["examples"], settings, jobs=1)
    found = sorted((f.path, f.start_line, f.code) for f in run.findings)
    assert found == [
        ("examples/blog/blog/migrations/0002_rename.py", 16, "BL502"),
        ("examples/blog/blog/migrations/0002_rename.py", 21, "BL503"),
        ("examples/blog/blog/migrations/0002_rename.py", 21, "BL505"),
        ("examples/shop/alembic/versions/0002_add_status.py", 20, "BL503"),
        ("examples/shop/alembic/versions/0002_add_status.py", 22, "BL505"),
        ("examples/shop/alembic/versions/0002_add_status.py", 23, "BL501"),
    ]


# -- precision wave (issue 13 item 5, issue 24 item 3) ----------------------------------------

@pytest.mark.parametrize("sql,expected", [
    ("ALTER TABLE produkt ADD COLUMN größe integer NULL", [("add-column", "produkt", "größe")]),
    ('ALTER TABLE "Maße²" ALTER COLUMN "fläche²" SET NOT NULL', [("set-not-null", "maße²", "fläche²")]),
    ("ALTER TABLE produkt DROP COLUMN breite²", [("drop-column", "produkt", "breite²")]),
    ("CREATE INDEX idx_größe ON 產品 (größe)", [("create-index", "產品", None)]),
    ("ALTER TABLE a ALTER COLUMN b SET DEFAULT 0", [("set-default", "a", "b")]),
])
def test_sql_scanner_unicode_identifiers(sql, expected):
    assert [(e.kind, e.table, e.column) for e in scan(sql)] == expected


def test_non_ascii_sql_does_not_crash_the_rules():
    result = lint("""
        import sqlalchemy as sa
        from alembic import op
        from django.db import migrations

        revision = "1a"
        down_revision = "0a"


        def upgrade():
            op.execute("ALTER TABLE produkt ADD COLUMN größe integer NOT NULL")
            op.execute("UPDATE produkt SET größe² = 1")


        def downgrade():
            op.execute("ALTER TABLE produkt DROP COLUMN größe")
    """)
    assert not result.errors, result.errors
    assert (11, "BL503") in codes(result)


def _messages(result, code):
    return [f.message for f in result.findings if f.code == code]


def test_bl503_wording_follows_the_field_kind():
    result = lint("""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0011_order_status")]
            operations = [
                migrations.AddField("order", "comment", models.TextField(blank=True)),
                migrations.AddField("order", "touched", models.DateTimeField(auto_now_add=True)),
                migrations.AddField("order", "code", models.CharField(max_length=9)),
            ]
    """, select=["BL503"])
    blank, touched, code = _messages(result, "BL503")
    assert "fills the existing rows with `''`" in blank and "fails on a table that has rows" not in blank
    assert "the current time" in touched and "fails on a table that has rows" not in touched
    assert "fails on a table that has rows" in code


def test_dialect_directory_decides_the_database(tmp_path, monkeypatch):
    source = textwrap.dedent("""
        from alembic import op

        revision = "2b"
        down_revision = "1b"


        def upgrade():
            op.create_index("ix_flow_run_state", "flow_run", ["state"])


        def downgrade():
            op.drop_index("ix_flow_run_state", table_name="flow_run")
    """)
    sqlite = lint_source(source, ["BL505"], path="app/_migrations/versions/sqlite/2b_index.py")
    postgresql = lint_source(source, ["BL505"], path="app/_migrations/versions/postgresql/2b_index.py")
    assert codes(sqlite) == [] and codes(postgresql) == [(9, "BL505")]
    # a directory named sqlite outside a migrations tree says nothing
    assert codes(lint_source(source, ["BL505"], path="sqlite/versions_2b.py")) == [(9, "BL505")]


def test_rename_uses_the_model_history(tmp_path, monkeypatch):
    migrations_dir = tmp_path / "tasks" / "migrations"
    migrations_dir.mkdir(parents=True)
    (migrations_dir / "0001_initial.py").write_text(textwrap.dedent("""
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(name="Completion", fields=[("id", models.AutoField(primary_key=True))],
                                       options={"db_table": "task_completion"}),
                migrations.CreateModel(name="Field", fields=[("types", models.ManyToManyField(to="x.Type"))]),
            ]
    """))
    later = textwrap.dedent("""
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("tasks", "0001_initial")]
            operations = [
                migrations.RenameModel(old_name="Completion", new_name="Annotation"),
                migrations.RenameField(model_name="field", old_name="types", new_name="kinds"),
                migrations.AlterModelTable(name="annotation", table=None),
            ]
    """)
    (migrations_dir / "0002_renames.py").write_text(later)
    monkeypatch.chdir(tmp_path)
    result = lint_source(later, ["BL502"], path="tasks/migrations/0002_renames.py")
    assert codes(result) == [(9, "BL502"), (10, "BL502")]  # the model with db_table renames nothing
    m2m, default_name = _messages(result, "BL502")
    assert "join table" in m2m and "column" not in m2m.split(":")[0]
    assert "Django's default name `tasks_annotation`" in default_name


# -- legacy history: migrations-start-after and `backlint init` -------------------------------


PROJECT = Path(__file__).resolve().parent / "fixtures" / "migrations_project"
NEW_DJANGO = '''from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_drop_note")]

    operations = [
        migrations.RenameField(model_name="order", old_name="code", new_name="reference"),
    ]
'''
NEW_ALEMBIC = '''from alembic import op

revision = "4d"
down_revision = "3c"


def upgrade():
    op.create_index("ix_invoice_id", "invoice", ["id"])


def downgrade():
    op.drop_index("ix_invoice_id", table_name="invoice")
'''


def _cli(*args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def _found(output):
    return sorted(line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in output.splitlines()
                  if " BL5" in line and line.split(":")[0].endswith(".py"))




@pytest.fixture
def project(tmp_path):
    shutil.copytree(PROJECT, tmp_path / "p")
    return tmp_path / "p"


def test_init_then_only_new_migrations_are_reported(project):
    before = _cli("check", ".", "--no-cache", cwd=project)
    assert len(_found(before.output)) == 7
    assert "run `backlint init`" in before.output  # the one-line hint (stderr is mixed in here)

    original = (project / "pyproject.toml").read_text()
    result = _cli("init", ".", "--no-baseline", cwd=project)
    assert result.exit_code == 0, result.output
    text = (project / "pyproject.toml").read_text()
    assert text.startswith(original)  # nothing of the user's config changed, the table is appended
    assert '[tool.backlint.migrations-start-after]\n"alembic/versions" = "3c"\nshop = "0003_drop_note"\n' in text

    after = _cli("check", ".", "--no-cache", cwd=project)
    assert after.exit_code == 0 and _found(after.output) == [] and "backlint init" not in after.output

    (project / "shop" / "migrations" / "0004_rename_code.py").write_text(NEW_DJANGO)
    (project / "alembic" / "versions" / "4d_index.py").write_text(NEW_ALEMBIC)
    new = _cli("check", ".", "--no-cache", cwd=project)
    assert _found(new.output) == ["alembic/versions/4d_index.py:8:5: BL505",
                                  "shop/migrations/0004_rename_code.py:8:9: BL502"]


def test_init_baseline_flag_records_the_other_findings(project):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace('["BL5"]', '["ALL"]'))
    (project / "shop" / "views.py").write_text("import requests\n\n\ndef f():\n    return requests.get('https://x')\n")
    result = _cli("init", ".", "--baseline", cwd=project)
    assert result.exit_code == 0, result.output
    assert 'baseline = "backlint-baseline.json"' in (project / "pyproject.toml").read_text()
    assert "BL401" in (project / "backlint-baseline.json").read_text()
    assert _cli("check", ".", "--no-cache", cwd=project).exit_code == 0


def test_init_on_a_project_without_config_writes_backlint_toml(project):
    (project / "pyproject.toml").unlink()
    assert _cli("init", ".", "--no-baseline", cwd=project).exit_code == 0
    text = (project / "backlint.toml").read_text()
    assert text == '[migrations-start-after]\n"alembic/versions" = "3c"\nshop = "0003_drop_note"\n'


def test_start_after_semantics(project):
    (project / "pyproject.toml").write_text(
        '[tool.backlint]\nselect = ["BL5"]\n\n[tool.backlint.migrations-start-after]\n'
        'shop = "0002_order_status"\n"alembic/versions" = "2b"\n'
        '\n[tool.backlint.drop-column-or-table]\nmigrations-start-after = { shop = "0003_drop_note" }\n'
    )
    found = _found(_cli("check", ".", "--no-cache", cwd=project).output)
    # after 0002 / 2b only 0003 and 3c remain; BL501's own value (shop only) replaces the top-level
    # one for BL501: 0003's RemoveField is history for it, 3c's drop_column is not
    assert found == ["alembic/versions/3c_drop_ref.py:11:5: BL507", "alembic/versions/3c_drop_ref.py:8:5: BL501"]


def test_start_after_errors(project):
    (project / "pyproject.toml").write_text('[tool.backlint]\nmigrations-start-after = 42\n')
    result = _cli("check", ".", cwd=project)
    assert result.exit_code == 2 and "'migrations-start-after' must be string" in result.output


@pytest.mark.parametrize("text,expected", [
    ("", "[tool.backlint.migrations-start-after]\nshop = \"0003_x\"\n"),
    ('[tool.poetry]\nname = "x"\n# trailing comment\n',
     '[tool.poetry]\nname = "x"\n# trailing comment\n\n[tool.backlint.migrations-start-after]\nshop = "0003_x"\n'),
    ('[tool.backlint]\nmigrations-start-after = { shop = "0001_a" }\nselect = ["BL5"]\n',
     '[tool.backlint]\nselect = ["BL5"]\n\n[tool.backlint.migrations-start-after]\nshop = "0003_x"\n'),
    ('[tool.backlint.migrations-start-after]\nshop = "0001_a"  # old\nold_app = "0009"\n\n# next\n[tool.x]\na = 1\n',
     '[tool.backlint.migrations-start-after]\nshop = "0003_x"\n\n# next\n[tool.x]\na = 1\n'),
])
def test_toml_edit_keeps_everything_else(text, expected):
    assert _toml_edit.set_table(text, True, "migrations-start-after", {"shop": "0003_x"}) == expected


def test_toml_edit_refuses_what_it_cannot_do_safely():
    with pytest.raises(_toml_edit.EditError):
        _toml_edit.set_table('[tool.backlint]\nmigrations-start-after = {\n  shop = "1" }\n', True,
                             "migrations-start-after", {"shop": "2"})
    assert _toml_edit.set_key('[tool.backlint]\nselect = ["BL5"]\n\n[tool.backlint.x]\na = 1\n', True,
                              "baseline", "b.json") == (
        '[tool.backlint]\nselect = ["BL5"]\nbaseline = "b.json"\n\n[tool.backlint.x]\na = 1\n')


def test_tables_created_after_the_cut_off_are_new(project):
    assert _cli("init", ".", "--no-baseline", cwd=project).exit_code == 0
    (project / "shop" / "migrations" / "0004_refund.py").write_text(
        'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n'
        '    dependencies = [("shop", "0003_drop_note")]\n\n    operations = [\n'
        '        migrations.CreateModel(name="Refund", fields=[("id", models.AutoField(primary_key=True))]),\n    ]\n')
    (project / "shop" / "migrations" / "0005_refund_reason.py").write_text(
        'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n'
        '    dependencies = [("shop", "0004_refund")]\n\n    operations = [\n'
        '        migrations.AddField("refund", "reason", models.CharField(max_length=9, default="x")),\n'
        '        migrations.AddField("order", "reason", models.CharField(max_length=9, default="x")),\n    ]\n')
    (project / "alembic" / "versions" / "4d_payment.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "4d"\ndown_revision = "3c"\n\n\n'
        'def upgrade():\n    op.create_table("payment", sa.Column("id", sa.Integer, primary_key=True))\n\n\n'
        'def downgrade():\n    op.drop_table("payment")\n')
    (project / "alembic" / "versions" / "5e_payment_index.py").write_text(
        'from alembic import op\n\nrevision = "5e"\ndown_revision = "4d"\n\n\n'
        'def upgrade():\n    op.create_index("ix_payment_id", "payment", ["id"])\n'
        '    op.create_index("ix_invoice_id", "invoice", ["id"])\n\n\n'
        'def downgrade():\n    op.drop_index("ix_invoice_id", table_name="invoice")\n'
        '    op.drop_index("ix_payment_id", table_name="payment")\n')
    found = _found(_cli("check", ".", "--no-cache", cwd=project).output)
    # the unreleased tables (refund, payment) are new; the released ones (order, invoice) are not
    assert found == ["alembic/versions/5e_payment_index.py:9:5: BL505",
                     "shop/migrations/0005_refund_reason.py:9:9: BL503"]


def test_project_wrapper_around_create_table(tmp_path, monkeypatch):
    versions = tmp_path / "proj" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "proj" / "migrations" / "utils.py").write_text(
        "from alembic import op\n\n\ndef create_table(table_name, *columns, **kwargs):\n"
        "    if table_name in ('skip',):\n        return\n    op.create_table(table_name, *columns, **kwargs)\n\n\n"
        "def create_index(name, table_name, columns):\n    op.create_index(name, 'audit', columns)\n")
    source = textwrap.dedent("""
        import sqlalchemy as sa
        from alembic import op

        from proj.migrations.utils import create_index, create_table

        revision = "b"
        down_revision = "a"


        def upgrade():
            create_table("favorite", sa.Column("id", sa.Integer, primary_key=True))
            op.create_index("ix_favorite_id", "favorite", ["id"])
            op.create_index("ix_orders_id", "orders", ["id"])


        def downgrade():
            op.drop_table("favorite")
    """)
    path = versions / "b_favorite.py"
    path.write_text(source)
    monkeypatch.chdir(tmp_path)
    assert codes(lint_source(source, ["BL505"], path="proj/migrations/versions/b_favorite.py")) == [(14, "BL505")]


def test_foreign_key_message_names_the_lock_it_takes():
    result = lint("""
        from alembic import op

        revision = "2b"
        down_revision = "1b"


        def upgrade():
            op.create_foreign_key("fk_slices_user", "slices", "ab_user", ["user_id"], ["id"])
            op.execute("ALTER TABLE slices ADD CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES ab_user (id)")
            op.create_check_constraint("ck_slices_size", "slices", "size > 0")


        def downgrade():
            op.drop_constraint("ck_slices_size", "slices")
    """, select=["BL504"])
    fk, fk_sql, check = _messages(result, "BL504")
    for message in (fk, fk_sql):
        assert "SHARE ROW EXCLUSIVE" in message and "ACCESS EXCLUSIVE" not in message and "read" not in message
    assert "ACCESS EXCLUSIVE" in check
