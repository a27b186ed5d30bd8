"""The cache never makes results wrong, never hangs, never deletes a user's file (issues #23 item 5,
#24 items 4 and 11). Every case compares with a ``--no-cache`` run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backlint.runner import check

from conftest import make_settings

MODELS = (
    "from django.db import models\n\n\nclass A(models.Model):\n    pass\n\n\n"
    "class B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n"
)
VIEWS = "from models import B\n\n\ndef f():\n    return 1\n"
VIEWS_LOOP = "from models import B\n\n\ndef f():\n    for b in B.objects.all():\n        print(b.a)\n"
BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"
GOOD = "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=5)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "views.py").write_text(VIEWS)
    (tmp_path / "net.py").write_text(BAD)
    return tmp_path


def settings(**kw):
    return make_settings(["BL202", "BL401"], **kw)


def cached(paths=(".",), **kw):
    return check(list(paths), settings(**kw), jobs=1, cache=True)


def clean(paths=(".",), **kw):
    return check(list(paths), settings(**kw), jobs=1, cache=False)


def rows(run):
    return [(f.path, f.start_line, f.code, f.message, f.fix) for f in run.findings]


def cache_files(root: Path, kind: str):
    if kind == "facts":  # one file per distinct facts value, named by its SHA-256
        return sorted((root / ".backlint_cache" / "backlint-facts").glob("*.json"))
    return sorted((root / ".backlint_cache").glob(f"backlint-{kind}-*.json"))


def test_a_truncated_facts_file_and_an_edit_never_lose_cross_file_findings(project):
    cached()
    facts_files = cache_files(project, "facts")
    assert len(facts_files) == 3  # models.py, views.py, net.py: three different facts values
    for facts in facts_files:
        facts.write_bytes(facts.read_bytes()[: facts.stat().st_size // 2])
    (project / "views.py").write_text(VIEWS_LOOP)  # the project pass must run again
    run = cached()
    assert [(f.path, f.code) for f in run.findings if f.code == "BL202"] == [("views.py", "BL202")]
    assert rows(run) == rows(clean())
    assert any("damaged" in w for w in run.warnings)
    again = cached()  # and the rebuilt cache is trusted again
    assert rows(again) == rows(clean()) and again.warnings == []


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_index_is_detected_and_rebuilt(project, damage):
    first = cached()
    (index,) = cache_files(project, "results")
    data = bytearray(index.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 40]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x01  # still valid JSON, maybe: only the checksum can tell
    elif damage == "garbage":
        data = bytearray(b"\x00\xff" * 100)
    else:
        data = bytearray()
    index.write_bytes(bytes(data))
    run = cached()
    assert rows(run) == rows(first) == rows(clean())
    assert run.cache_hits == 0
    assert len(run.warnings) == 1 and "damaged" in run.warnings[0]  # an empty file too: ours have a header


def _rewrite_index(index: Path, change) -> None:
    import hashlib

    header, payload = index.read_bytes().split(b"\n", 1)
    data = json.loads(payload)
    change(data)
    payload = json.dumps(data).encode()
    index.write_bytes(b"backlint-cache-v2 sha256=" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


@pytest.mark.parametrize("bad_entry", [
    "not a dict", {"findings": [{"code": "BL401"}]}, {"findings": "nope"}, {"fh": 12},
])
def test_one_malformed_entry_is_discarded_with_one_warning(project, bad_entry):
    cached()
    (index,) = cache_files(project, "results")

    def change(data):
        for key in data["files"]:
            entry = data["files"][key]
            if isinstance(bad_entry, dict):
                entry.update(bad_entry)
                entry["rules"] = entry.get("rules")
            else:
                data["files"][key] = bad_entry

    _rewrite_index(index, change)
    run = cached()
    assert rows(run) == rows(clean()) and run.errors == []
    assert len(run.warnings) == 1 and "malformed" in run.warnings[0]


def test_a_fifo_in_the_cache_directory_never_hangs(project):
    # the cache is filled by the same command that reads it: the cache key includes a stamp of
    # backlint's own files, which differs between the source tree and an installed copy (CI)
    command = [sys.executable, "-m", "backlint", "check", "--format", "json", "--select", "BL202,BL401", "-j", "1", "."]
    subprocess.run(command, capture_output=True, text=True, timeout=60)
    files = cache_files(project, "results") + cache_files(project, "facts")
    assert files
    for path in files:
        path.unlink()
        os.mkfifo(path)
    (project / "views.py").write_text(VIEWS_LOOP)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["findings"] == 2
    assert "FIFO" in proc.stderr


def test_a_cache_path_that_is_a_file_and_a_read_only_cache_give_correct_results(project, monkeypatch):
    (project / "not-a-dir").write_text("mine")
    run = cached(cache_dir=str(project / "not-a-dir"))
    assert rows(run) == rows(clean()) and run.errors == []
    assert len(run.warnings) == 1 and "not saved" in run.warnings[0]
    assert (project / "not-a-dir").read_text() == "mine"

    import backlint.cache as cache_mod

    def read_only(path, data):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(cache_mod, "write_atomic", read_only)
    run = cached(cache_dir=str(project / "ro"))
    assert rows(run) == rows(clean()) and len(run.warnings) == 1


def test_the_pruner_never_deletes_files_it_did_not_write(project):
    reports = project / "reports"
    reports.mkdir()
    mine = [reports / f"results-2025-01-0{i}.json" for i in range(1, 10)]
    for path in mine:
        path.write_text("{}")
    (reports / "backlint-results-0000000000000000.json").write_text("{}")  # our name, not our directory
    for n in range(12):
        check(["."], make_settings(["BL401"], cache_dir=str(reports), rule_options={"BL401": {"default": n + 1}}),
              jobs=1, cache=True)
    assert all(p.exists() for p in mine)
    assert (reports / "backlint-results-0000000000000000.json").exists()
    assert not (reports / ".gitignore").exists()  # never hides a user's directory from git
    # in a directory it created, it keeps the newest few of its own files, and nothing else
    own = project / ".backlint_cache"
    for n in range(12):
        check(["."], make_settings(["BL401"], rule_options={"BL401": {"default": n + 1}}), jobs=1, cache=True)
    (own / "results-2025-01-01.json").write_text("{}")
    check(["."], make_settings(["BL401"], rule_options={"BL401": {"default": 99}}), jobs=1, cache=True)
    assert len(list(own.glob("backlint-results-*.json"))) == 8
    assert (own / "results-2025-01-01.json").exists()


def test_a_cache_directory_from_configuration_stays_inside_the_project(tmp_path, monkeypatch):
    from backlint import config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(GOOD)
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    outside.mkdir(exist_ok=True)
    (tmp_path / "escape").symlink_to(outside)
    for value in (str(outside), "../" + outside.name, "escape/cache"):
        (tmp_path / "backlint.toml").write_text(f"cache-dir = {json.dumps(value)}\n")
        with pytest.raises(config.ConfigError, match="inside the project"):
            config.load(["app.py"])
    (tmp_path / "backlint.toml").write_text('cache-dir = "build/lint-cache"\n')
    assert config.load(["app.py"]).cache_dir == str(tmp_path / "build/lint-cache")
    # absolute directories: from the command line or the environment
    env = dict(os.environ, BACKLINT_CACHE_DIR=str(outside / "env-cache"))
    (tmp_path / "backlint.toml").write_text("")
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", "app.py"], env=env, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert list((outside / "env-cache").glob("backlint-results-*.json"))
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", "--cache-dir", str(outside / "cli"), "app.py"],
                          capture_output=True)
    assert proc.returncode == 0 and list((outside / "cli").glob("backlint-results-*.json"))


def test_an_edit_within_the_same_second_with_the_same_size_is_seen(project):
    (project / "net.py").write_text(GOOD)
    st = os.stat(project / "net.py")
    assert cached().findings == []
    (project / "net.py").write_text(GOOD.replace("timeout=5", "timeout=7"))  # same size
    os.utime(project / "net.py", ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, to the nanosecond
    assert [f.code for f in cached().findings] == []
    (project / "net.py").write_text(BAD.rstrip("\n") + " " * (len(GOOD) - len(BAD)) + "\n")  # same size again
    os.utime(project / "net.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(project / "net.py").st_size == st.st_size
    assert rows(cached()) == rows(clean()) != []


KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    import backlint.fsutil as fsutil
    real_replace = os.replace

    def slow_replace(src, dst):
        if "backlint-results-" in dst:
            print("WRITING", flush=True)
            time.sleep(60)  # killed here: the new index is written but not in place
        real_replace(src, dst)

    fsutil.os.replace = slow_replace

    from backlint.cli import main
    main(["check", "--select", "BL202,BL401", "-j", "1", "--format", "json", "."])
""")


def test_sigkill_mid_write_leaves_a_cache_that_gives_clean_results(project):
    cached()
    (project / "views.py").write_text(VIEWS_LOOP)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "WRITING"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    run = cached()
    assert rows(run) == rows(clean()) and run.warnings == []
    assert [f.code for f in run.findings if f.path == "views.py"] == ["BL202"]


def test_a_cache_directory_of_an_earlier_backlint_is_adopted_but_a_lookalike_is_not(project):
    old = project / ".backlint_cache"
    old.mkdir()
    (old / ".gitignore").write_text("# Created by backlint: the cache is not for version control.\n*\n")
    cached()
    assert (old / ".backlint-cache-dir").is_file()
    fake = project / "fake"
    fake.mkdir()
    (fake / ".gitignore").write_text("*\n")
    cached(cache_dir=str(fake))
    assert not (fake / ".backlint-cache-dir").exists() and (fake / ".gitignore").read_text() == "*\n"
