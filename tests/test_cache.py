"""The results cache is hit when nothing changed and invalidated by anything that matters.
(Whether it is fast is the benchmark's business, never a unit test's.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backlint.runner import check

from conftest import make_settings

BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"
GOOD = "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=5)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(BAD if i != 1 else GOOD)
    return tmp_path


def cache_format():
    from backlint.cache import FORMAT

    return FORMAT


def run(select=("ALL",), **settings):
    return check(["."], make_settings(select, **settings), jobs=1, cache=True)


def summary(result):
    return [(f.path, f.start_line, f.code, f.message) for f in result.findings]


def test_second_run_is_answered_from_the_cache_with_identical_results(project):
    first = run()
    assert first.cache_hits == 0 and len(first.findings) == 2
    second = run()
    assert second.cache_hits == 3
    assert summary(second) == summary(first)
    assert second.findings[0].fix == first.findings[0].fix
    assert (project / ".backlint_cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_changed_file_is_checked_again(project):
    run()
    (project / "m0.py").write_text(GOOD)
    again = run()
    assert again.cache_hits == 2
    assert [f.path for f in again.findings] == ["m2.py"]


def test_touched_but_unchanged_file_is_still_a_hit(project):
    run()
    later = time.time() + 5
    os.utime(project / "m0.py", (later, later))
    assert run().cache_hits == 3


def test_configuration_changes_invalidate(project):
    run()
    assert run(select=("BL0",)).cache_hits == 0  # other rules enabled
    run()
    other = make_settings(["ALL"], rule_options={"BL401": {"default": 3}})
    result = check(["."], other, jobs=1, cache=True)
    assert result.cache_hits == 0 and "timeout=3" in result.findings[0].message
    ignoring = make_settings(["ALL"], per_file_ignores=(("m0.py", ("BL401",)),))
    result = check(["."], ignoring, jobs=1, cache=True)
    assert [f.path for f in result.findings] == ["m2.py"]


def test_corrupt_cache_is_ignored_and_rewritten(project):
    run()
    (index,) = (project / ".backlint_cache").glob("backlint-results-*.json")
    index.write_text("{not json")
    result = run()
    assert result.cache_hits == 0 and len(result.findings) == 2
    header, payload = index.read_text().split("\n", 1)
    assert header.startswith("backlint-cache-v2 sha256=") and json.loads(payload)["format"] == cache_format()


def test_no_cache_writes_nothing(project):
    check(["."], make_settings(["ALL"]), jobs=1, cache=False)
    assert not (project / ".backlint_cache").exists()


def test_cache_dir_option(project):
    from click.testing import CliRunner

    from backlint.cli import main

    CliRunner().invoke(main, ["check", "--cache-dir", "elsewhere", "."])
    assert list((project / "elsewhere").glob("backlint-results-*.json"))
    CliRunner().invoke(main, ["check", "--no-cache", "m0.py"])
    assert not (project / ".backlint_cache").exists()


def test_fix_never_trusts_the_cache(project):
    run()
    from click.testing import CliRunner

    from backlint.cli import main

    result = CliRunner().invoke(main, ["check", "--fix", "."])
    assert result.exit_code == 0, result.output
    assert "timeout=10" in (project / "m0.py").read_text()
    assert run().findings == []


WARM_SCRIPT = """
import sys
from backlint.cli import main
try:
    main(["check", "--exit-zero", "-q", "-j", "1", "."])
except SystemExit:
    pass
print("LIBCST_IMPORTED" if "libcst" in sys.modules else "LIBCST_NOT_IMPORTED", file=sys.stderr)
"""


def test_a_fully_cached_run_never_imports_libcst(project):
    cold = subprocess.run([sys.executable, "-c", WARM_SCRIPT], capture_output=True, text=True)
    assert "LIBCST_IMPORTED" in cold.stderr
    warm = subprocess.run([sys.executable, "-c", WARM_SCRIPT], capture_output=True, text=True)
    assert "LIBCST_NOT_IMPORTED" in warm.stderr
    assert warm.stdout == cold.stdout and "m0.py:5:12: BL401" in warm.stdout


def test_rule_modules_do_not_touch_libcst_at_import_time():
    code = "import sys; from backlint import registry; registry.all_rules(); print('libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_concurrent_runs_share_the_cache(project):
    for i in range(3, 40):
        (project / f"m{i}.py").write_text(BAD if i % 3 else GOOD)
    command = [sys.executable, "-m", "backlint", "check", "--format", "json", "-j", "1", "."]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outputs
    assert outputs[0][0] == outputs[1][0]
    expected = len([i for i in range(40) if (i != 1 if i < 3 else i % 3)])
    assert json.loads(outputs[0][0])["summary"]["findings"] == expected
    third = subprocess.run(command, capture_output=True, text=True)
    assert third.stdout == outputs[0][0]


def test_a_change_to_backlint_itself_invalidates(project, monkeypatch):
    from backlint import cache

    run()
    assert run().cache_hits == 3
    monkeypatch.setattr(cache, "code_stamp", lambda: "a-new-rule-was-edited")
    assert run().cache_hits == 0


def test_old_indexes_are_pruned(project):
    for n in range(12):
        check(["."], make_settings(["ALL"], rule_options={"BL401": {"default": n + 1}}), jobs=1, cache=True)
    assert len(list((project / ".backlint_cache").glob("backlint-results-*.json"))) == 8


MIGRATION_0001 = '''from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key=True)),
                                                     ("note", models.CharField(max_length={n}, null=True))]),
    ]
'''
MIGRATION_0002 = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(model_name="order", name="note", field=models.CharField(max_length=200, null=True)),
    ]
'''


def test_results_that_read_other_files_are_invalidated_when_those_change(tmp_path, monkeypatch):
    """An AlterField is judged against the history in earlier migrations (sibling files)."""
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text(MIGRATION_0001.format(n=100))
    (migrations / "0002_widen.py").write_text(MIGRATION_0002)

    def bl504(result):
        return [f.path for f in result.findings if f.code == "BL504" and f.path.endswith("0002_widen.py")]

    settings = make_settings(["BL504"])
    widen = check(["shop/migrations/0002_widen.py"], settings, jobs=1, cache=True)
    # growing a varchar is a metadata-only change on PostgreSQL, shrinking rewrites and checks
    assert bl504(widen) == []
    (migrations / "0001_initial.py").write_text(MIGRATION_0001.format(n=500))
    shrink = check(["shop/migrations/0002_widen.py"], settings, jobs=1, cache=True)
    assert shrink.cache_hits == 0
    assert bl504(shrink) == ["shop/migrations/0002_widen.py"]


def test_the_cache_never_stores_a_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc9Xk2"
    (tmp_path / "settings.py").write_text(f'STRIPE_API_KEY = "{secret}"\n')
    first = run(select=("BL302",))
    assert [f.code for f in first.findings] == ["BL302"]
    (index,) = (tmp_path / ".backlint_cache").glob("backlint-results-*.json")
    assert secret not in index.read_text() and secret[8:20] not in index.read_text()
    second = run(select=("BL302",))
    assert second.cache_hits == 1
    from backlint.baseline import fingerprints

    # the fingerprint of a cached finding equals the fresh one (baselines keep matching)
    assert fingerprints(second.findings)[0] == fingerprints(first.findings)[0]


def test_a_file_over_the_size_limit_never_costs_a_warm_run_the_parser(project):
    """Such a file is never cached (a skip is re-tried); the parent answers it, with the reason
    the engine gives, so a run whose only miss is that file does not import libcst."""
    (project / "backlint.toml").write_text("max-file-size = 400\n")
    (project / "big.py").write_text("X = 1\n" * 100)  # 600 bytes
    cold = subprocess.run([sys.executable, "-c", WARM_SCRIPT], capture_output=True, text=True)
    assert "LIBCST_IMPORTED" in cold.stderr and "big.py: skipped: the file is" in cold.stderr
    warm = subprocess.run([sys.executable, "-c", WARM_SCRIPT], capture_output=True, text=True)
    assert "LIBCST_NOT_IMPORTED" in warm.stderr
    assert warm.stdout == cold.stdout and "m0.py:5:12: BL401" in warm.stdout
    skipped = [line for line in warm.stderr.splitlines() if "big.py: skipped" in line]
    assert skipped == [line for line in cold.stderr.splitlines() if "big.py: skipped" in line]
    # the engine's own answer for that file, without the cache
    from backlint.engine import Linter

    settings = make_settings(["ALL"], max_file_size=400)
    assert skipped[0].endswith(Linter(settings).check_path("big.py").skipped)
    (project / "big.py").write_text("X = 1\n")  # under the limit now: checked and cached
    again = subprocess.run([sys.executable, "-c", WARM_SCRIPT], capture_output=True, text=True)
    assert "LIBCST_IMPORTED" in again.stderr and "big.py: skipped" not in again.stderr


def test_a_warm_run_from_another_root_does_not_reuse_root_relative_messages(tmp_path, monkeypatch):
    """BL103's advice names a module relative to the project root (`shop/services.py`); with one
    cache directory shared by runs from two roots, each run must show its own root's path."""
    app = tmp_path / "outer" / "shop"
    app.mkdir(parents=True)
    (app / "views.py").write_text(
        "from fastapi import APIRouter, Depends\nfrom sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n\nfrom .db import get_session\nfrom .models import User\n\n"
        "router = APIRouter()\n\n\n@router.get('/users/{user_id}')\n"
        "def read_user(user_id: int, session: Session = Depends(get_session)):\n"
        "    return session.execute(select(User).where(User.id == user_id)).scalar_one()\n"
    )
    cache_dir = tmp_path / "shared-cache"

    def advice(cwd, target):
        proc = subprocess.run(
            [sys.executable, "-m", "backlint", "check", "--select", "BL103", "--format", "json",
             "--cache-dir", str(cache_dir), "-j", "1", target],
            cwd=cwd, capture_output=True, text=True,
        )
        found = json.loads(proc.stdout)["findings"]
        assert found, proc.stderr
        return found[0]["message"]

    outer = advice(tmp_path / "outer", "shop")
    inner = advice(app, ".")
    assert "shop/services.py" in outer
    assert "shop/services.py" not in inner and "services.py" in inner
