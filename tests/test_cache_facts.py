"""Cross-file facts are stored content-addressed, one file per distinct facts value (issue #22
item 1): a run writes only the facts that changed, reads only those it needs, and the pruner
removes only facts files that no kept index names."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from backlint.runner import check

from conftest import make_settings

MODELS = (
    "from django.db import models\n\n\nclass A(models.Model):\n    pass\n\n\n"
    "class B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n"
)
VIEWS = "from models import B\n\n\ndef f():\n    return 1\n"
VIEWS_LOOP = "from models import B\n\n\ndef f():\n    for b in B.objects.all():\n        print(b.a)\n"
OLD = time.time() - 7200  # older than the pruner's grace period


def facts_dir(root: Path) -> Path:
    return root / ".backlint_cache" / "backlint-facts"


def run(paths=(".",), **kw):
    return check(list(paths), make_settings(["BL202", "BL401"], **kw), jobs=1, cache=True)


def clean(paths=(".",), **kw):
    return check(list(paths), make_settings(["BL202", "BL401"], **kw), jobs=1, cache=False)


def rows(result):
    return [(f.path, f.start_line, f.code, f.message) for f in result.findings]


def test_each_facts_file_is_named_by_the_sha256_of_its_content_and_shared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "a.py").write_text("X = 1\n")
    (tmp_path / "b.py").write_text("Y = 2\n")  # the same (empty) facts as a.py: stored once
    run()
    files = sorted(facts_dir(tmp_path).glob("*.json"))
    assert len(files) == 2
    for path in files:
        header, payload = path.read_bytes().split(b"\n", 1)
        digest = hashlib.sha256(payload).hexdigest()
        assert path.name == digest + ".json" and header == b"backlint-cache-v2 sha256=" + digest.encode()


def test_an_edit_writes_only_its_own_facts_and_reads_only_those_needed(tmp_path, monkeypatch):
    from backlint import cache as cache_mod

    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS)
    (tmp_path / "net.py").write_text("import requests\nrequests.get('u')\n")
    run()
    before = {p.name: p for p in facts_dir(tmp_path).glob("*.json")}
    for path in before.values():
        os.utime(path, (OLD, OLD))
    read = []
    real = cache_mod.Cache._read_blob
    monkeypatch.setattr(cache_mod.Cache, "_read_blob", lambda self, name: read.append(name) or real(self, name))
    (tmp_path / "views.py").write_text(VIEWS_LOOP)  # new facts: the project pass runs again
    result = run()
    assert rows(result) == rows(clean()) and [f.code for f in result.findings].count("BL202") == 1
    after = {p.name: p for p in facts_dir(tmp_path).glob("*.json")}
    assert len(set(after) - set(before)) == 1  # views.py's new facts, nothing else written
    assert all(after[name].stat().st_mtime == OLD for name in before)  # the others were not rewritten
    # the facts of the two unchanged files were read (they are one file each), views.py's not
    assert len(read) == 2 and set(read) <= set(before)


def test_a_run_naming_one_file_sees_the_facts_of_the_others(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS)
    run()
    (tmp_path / "views.py").write_text(VIEWS_LOOP)
    assert [f.code for f in run(["views.py"]).findings] == ["BL202"]


def test_the_pruner_deletes_only_old_unnamed_facts_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS_LOOP)
    run(rule_options={"BL401": {"default": 3}})  # another configuration: its index names its facts
    (tmp_path / "views.py").write_text(VIEWS)
    run()
    named = {p.name for p in facts_dir(tmp_path).glob("*.json")}
    assert len(named) == 3  # models.py, views.py with and without the loop
    for path in facts_dir(tmp_path).glob("*.json"):
        os.utime(path, (OLD, OLD))
    garbage = [facts_dir(tmp_path) / f"{n:064x}.json" for n in range(100)]
    for path in garbage:
        path.write_text("stale")
        os.utime(path, (OLD, OLD))
    young = facts_dir(tmp_path) / f"{'f' * 64}.json"
    young.write_text("a concurrent run may name this one")
    mine = facts_dir(tmp_path) / "notes.json"
    mine.write_text("not a facts file name")
    os.utime(mine, (OLD, OLD))
    (tmp_path / "net.py").write_text("import requests\nrequests.get('u')\n")  # a run that writes facts
    assert rows(run()) == rows(clean())
    left = {p.name for p in facts_dir(tmp_path).glob("*.json")}
    assert not any(p.exists() for p in garbage)
    assert named <= left and young.exists() and mine.exists()
    # the other configuration still finds every facts file it names
    (tmp_path / "views.py").write_text(VIEWS_LOOP)
    again = run(rule_options={"BL401": {"default": 3}})
    assert again.cache_hits == 2 and again.warnings == [] and rows(again) == rows(clean(rule_options={"BL401": {"default": 3}}))


def test_the_pruner_keeps_unnamed_facts_while_they_do_not_outnumber_the_live_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS)
    run()
    garbage = [facts_dir(tmp_path) / f"{n:064x}.json" for n in range(10)]
    for path in garbage:
        path.write_text("stale")
        os.utime(path, (OLD, OLD))
    (tmp_path / "views.py").write_text(VIEWS_LOOP)
    run()
    assert all(p.exists() for p in garbage)  # few: not worth reading the other indexes for


def test_a_facts_directory_that_is_a_link_is_never_written_through(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS_LOOP)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / ".backlint_cache").mkdir()
    (tmp_path / ".backlint_cache" / ".backlint-cache-dir").write_text("marker")
    facts_dir(tmp_path).symlink_to(outside)
    result = run()
    assert rows(result) == rows(clean())
    assert list(outside.iterdir()) == []
    assert len(result.warnings) == 1 and "not saved" in result.warnings[0]
