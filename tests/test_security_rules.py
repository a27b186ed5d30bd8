"""BL301 unparameterized-sql and BL302 hardcoded-secret beyond the fixtures: messages,
redaction in every output, test-file severity and its option, the unsafe fix, knowledge tables."""
# backlint: ignore-file[BL302]  (fake secrets are this file's test data)
from __future__ import annotations

import json
import shutil
import textwrap

import pytest
from click.testing import CliRunner

from backlint.cli import main
from backlint.engine import Linter
from backlint.findings import Severity
from backlint.frameworks import secrets as sk
from backlint.frameworks import sql as sqlk

from conftest import FIXTURES, lint_source, make_settings


def _findings(source: str, code: str, path: str = "example.py", **overrides):
    result = lint_source(textwrap.dedent(source), [code], path=path, **overrides)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


# -- BL301: messages name the sink, the interpolated value and the driver's placeholders ---------

@pytest.mark.parametrize(
    "source,placeholder,sink",
    [
        (
            """
            import sqlite3
            def f(name):
                sqlite3.connect("db").execute(f"SELECT * FROM t WHERE name = '{name}'")
            """,
            "`?`", "`connection.execute`",
        ),
        (
            """
            import psycopg2
            def f(name):
                with psycopg2.connect("") as conn, conn.cursor() as cur:
                    cur.execute("SELECT * FROM t WHERE name = '%s'" % name)
            """,
            "`%s`", "cur.execute()",
        ),
        (
            """
            from sqlalchemy import text
            def f(session, name):
                session.execute(text("SELECT * FROM t WHERE name = '" + name + "'"))
            """,
            "`:name`", "text()",
        ),
        (
            """
            import asyncpg
            async def f(name):
                conn = await asyncpg.connect()
                await conn.fetch("SELECT * FROM t WHERE name = '{}'".format(name))
            """,
            "`$1`", "conn.fetch()",
        ),
    ],
)
def test_sql_message_names_sink_value_and_placeholder(source, placeholder, sink):
    (finding,) = _findings(source, "BL301")
    assert "`name`" in finding.message
    assert placeholder in finding.message
    assert sink in finding.message
    assert finding.severity == Severity.ERROR


def test_sql_reports_each_sink_call_once():
    found = _findings(
        """
        from sqlalchemy import text
        def f(session, name):
            session.execute(text(f"SELECT * FROM t WHERE name = '{name}'"))
        """,
        "BL301",
    )
    assert len(found) == 1 and "text()" in found[0].message


def test_sql_taint_through_helper_function_is_not_followed():
    # documented limitation: SQL built in another function is not followed
    assert not _findings(
        """
        import sqlite3
        def build(name):
            return f"SELECT * FROM t WHERE name = '{name}'"
        def run(name):
            sqlite3.connect("db").execute(build(name))
        """,
        "BL301",
    )


def test_sql_knowledge_tables():
    assert sqlk.looks_like_sql("SELECT * FROM t WHERE x = " + sqlk.HOLE)
    assert sqlk.looks_like_sql("  (select 1)")
    assert not sqlk.looks_like_sql("rebuild-index " + sqlk.HOLE)
    assert not sqlk.looks_like_sql(sqlk.HOLE + " LIMIT 10")
    assert sqlk.is_cursor("sqlite3.connect().cursor()")
    assert sqlk.is_cursor("psycopg2.extensions.cursor()")
    assert not sqlk.is_cursor("requests.Session()")
    assert sqlk.SQL_TEXT_NAME.match("base_sql") and not sqlk.SQL_TEXT_NAME.match("query")


# -- BL302: redaction ------------------------------------------------------------------------------

SECRETS = {
    "named": "Wq8nV2pLz5x7Kd3",
    "token": "ghp_MFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNh",
    "url": "Hq4zR8wTq1Lm",
    "dsn": "Tz8vQ1nLp4Xw",
    "jwt_key": "my-jwt-signing-key-77",
    "fallback": "9f2c7a41e8d35b06c1a4f7e29d83b5c0",
    "pem": "MIIEowIBAAKCAQEAtFI3OyV2dZAkg05rK+gqv81RKMGHZEM9YpvujA/C5Q52ryFlwRlOEVHzc0X0AWIR",
}
SECRETS_SOURCE = f'''\
import os
import jwt
import psycopg2

DB_PASSWORD = "{SECRETS["named"]}"
GITHUB = "{SECRETS["token"]}"
ENGINE_URL = "postgresql://app:{SECRETS["url"]}@db.internal/app"
pg = psycopg2.connect("host=db dbname=app user=app password={SECRETS["dsn"]}")
token = jwt.encode({{"sub": 1}}, "{SECRETS["jwt_key"]}", algorithm="HS256")
SECRET_KEY = os.environ.get("SECRET_KEY", "{SECRETS["fallback"]}")
KEY = ("-----BEGIN RSA PRIVATE KEY-----\\n"
       "{SECRETS["pem"]}\\n"
       "-----END RSA PRIVATE KEY-----\\n")
'''


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_appears_in_full_in_any_output(tmp_path, monkeypatch, fmt):
    (tmp_path / "settings.py").write_text(SECRETS_SOURCE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", "--isolated", "--no-cache", "--select", "BL302", "--format", fmt, "settings.py"]
    )
    assert result.exit_code == 1, result.output
    output = result.output
    if fmt == "json":
        data = json.loads(output)
        assert len(data["findings"]) == len(SECRETS)
    else:
        assert output.count("BL302") == len(SECRETS)
    for kind, secret in SECRETS.items():
        assert secret not in output, f"{kind} secret printed in full"
        assert secret[: len(secret) // 2] not in output, f"{kind} secret: more than a short prefix printed"
    assert "…" in output


def test_redact_shows_at_most_a_short_prefix():
    assert sk.redact("hunter2") == "hu…"
    assert sk.redact("abc") == "a…"
    assert sk.redact("x") == "…"
    assert sk.redact("9f2c7a41e8d35b06c1a4f7e29d83b5c0") == "9f2c…"
    assert sk.redact("sk_live_A064GiIjHGb3CXlMaXZjljEN", 8) == "sk_live_…"
    assert sk.redact("sk_live_1234", 8) == "sk_l…"  # never most of a short value


# -- BL302: test, seed and example code (file roles), weak defaults, options ---------------------------

SIMPLE = 'DB_PASSWORD = "Wq8nV2pLz5x7"\n'
LIVE = 'STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'


@pytest.mark.parametrize(
    "path",
    ["tests/test_db.py", "app/tests.py", "app/test.py", "app/test/helpers.py", "pkg/testing/db.py",
     "conftest.py", "app/factories.py", "examples/db.py"],
)
def test_test_seed_and_example_code_report_only_live_provider_credentials(path):
    assert _findings(SIMPLE, "BL302", path=path) == []
    (finding,) = _findings(LIVE, "BL302", path=path)
    assert finding.severity == Severity.ERROR and "Stripe secret key" in finding.message


def test_application_code_reports_everything():
    (finding,) = _findings(SIMPLE, "BL302", path="app/db.py")
    assert finding.severity == Severity.ERROR


@pytest.mark.parametrize(
    "mode,severities",
    [("tokens", [Severity.ERROR]), ("report", [Severity.ERROR, Severity.ERROR]),
     ("note", [Severity.NOTE, Severity.NOTE]), ("skip", [])],
)
def test_test_files_option(mode, severities):
    linter = Linter(make_settings(["BL302"], rule_options={"BL302": {"test-files": mode}}))
    result = linter.check_source("tests/test_db.py", (SIMPLE + LIVE).encode())
    found = [f for f in result.findings if f.code == "BL302"]
    assert [f.severity for f in found] == severities


def test_test_files_option_is_validated(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.hardcoded-secret]\ntest-files = "sometimes"\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "a.py"])
    assert result.exit_code == 2
    assert "test-files" in result.output


def test_weak_defaults_are_notes():
    found = _findings('SECRET_KEY = "changeme"\nJWT_SECRET = "dev-secret"\nAPI_KEY = "Xq8vLz2Nw5"\n', "BL302")
    assert [f.severity for f in found] == [Severity.NOTE, Severity.NOTE, Severity.ERROR]


# -- BL302: the unsafe fix -----------------------------------------------------------------------------------

def test_unsafe_fix_fixture(tmp_path):
    source = FIXTURES / "BL302" / "fix_unsafe_environ.py"
    expected = source.with_name(source.name + ".fixed").read_bytes()
    target = tmp_path / source.name
    shutil.copy(source, target)
    # not applied by --fix alone
    Linter(make_settings(["BL302"], root=str(tmp_path))).check_path(str(target), fix=True)
    assert target.read_bytes() == source.read_bytes()
    result = Linter(make_settings(["BL302"], root=str(tmp_path), unsafe_fixes=True)).check_path(str(target), fix=True)
    assert not result.errors
    assert result.fixes_applied == 5
    assert target.read_bytes() == expected


def test_fix_is_unsafe_and_needs_os_imported():
    with_os = _findings('import os\nSECRET_KEY = "Zq8vL2mXw5Np7c"\n', "BL302")
    assert with_os[0].fix is not None and with_os[0].fix.applicability == "unsafe"
    assert with_os[0].fix.edits[0].text == 'os.environ["SECRET_KEY"]'
    aliased = _findings('from os import environ\napp.secret_key = "Zq8vL2mXw5Np7c"\n', "BL302")
    assert aliased[0].fix.edits[0].text == 'environ["SECRET_KEY"]'
    without = _findings('SECRET_KEY = "Zq8vL2mXw5Np7c"\n', "BL302")
    assert without[0].fix is None


# -- BL302: knowledge tables -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name,kind",
    [
        ("password", "strong"), ("DB_PASSWORD", "strong"), ("SECRET_KEY", "strong"),
        ("aws_secret_access_key", "strong"), ("clientSecret", "strong"), ("X-API-Key", "strong"),
        ("api_token", "weak"), ("DEPLOY_KEY", "weak"), ("salt", None), ("SECURITY_PASSWORD_SALT", "strong"),
        ("_SESSION_FERNET_SALT", None), ("SUPPORT_STATUS_CACHE_KEY", "weak"),
        ("PASSWORD_FIELD", None), ("TOKEN_URL", None), ("PASSWORD_RESET_TIMEOUT", None),
        ("password_hash", None), ("token_type", None), ("aws_access_key_id", None),
        ("STRIPE_PUBLISHABLE_KEY", None), ("tokenizer", None), ("username", None),
    ],
)
def test_name_kind(name, kind):
    assert sk.name_kind(name) == kind


@pytest.mark.parametrize(
    "value,expected",
    [
        ("hunter2x", "secret"), ("Wq8#nV2p!Lz5", "secret"), ("changeme", "weak"), ("dev", "weak"),
        ("", None), ("<your-key>", None), ("${TOKEN}", None), ("xxxxxxxx", None), ("password", None),
        ("access_token", None), ("https://auth.example.com/token", None), ("/run/secrets/key", None),
        ("Enter your password", None), ("DJANGO_SECRET_KEY", None), ("sk_live_...", None),
        (":****", None), ("pk_live_H4487q7J58m1CiAhzCueQpBe", None),
    ],
)
def test_classify_value(value, expected):
    assert sk.classify_value(value, "password") == expected


def test_token_formats_skip_documentation_examples():
    assert sk.find_token("AKIAIOSFODNN7EXAMPLE") is None
    assert sk.find_token("ghp_" + "x" * 36) is None
    assert sk.find_token("AC7196b50ac2f86702824c1c099724caf4") is None  # Twilio account SID: an id
    label, token, shown = sk.find_token("key=AKIAUJZDE8GXD6NCF10E;")
    assert label == "AWS access key id" and token == "AKIAUJZDE8GXD6NCF10E" and shown == 4


def test_url_credentials():
    cred = sk.find_url_credential("postgresql://shop:s3cr3t-pass@db/shop")
    assert (cred.user, cred.password, cred.host, cred.severity) == ("shop", "s3cr3t-pass", "db", "secret")
    assert sk.find_url_credential("postgresql://postgres:postgres@localhost/app").severity == "weak"
    assert sk.find_url_credential("postgresql://user:password@host/db") is None
    assert sk.find_url_credential("redis://localhost:6379/0") is None
    assert sk.find_url_credential("postgresql://app:{password}@db/app") is None
