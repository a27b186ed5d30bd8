"""`--since REF`: only findings on lines added or changed since a git revision."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.cli import main
from backlint.gitdiff import ChangedLines, parse_diff

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD = """\
import requests


def rates(url):
    return requests.get(url).json()
"""


def invoke(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def check(*args: str):
    return invoke("check", "--isolated", "--no-cache", "-j", "1", *args)


def findings(output: str):
    return [line.split(" [")[0] for line in output.splitlines() if ": BL" in line]


def git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1", HOME=str(repo.parent),
    )
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE).stdout.decode()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "app.py").write_text(OLD, encoding="utf-8")
    git(root, "add", "app.py")
    git(root, "commit", "-q", "-m", "one")
    monkeypatch.chdir(root)
    return root


def test_only_changed_lines_are_reported(repo: Path):
    (repo / "app.py").write_text(
        "import os\n\n" + OLD + "\n\ndef ping(url):\n    return requests.head(url)\n", encoding="utf-8"
    )
    result = check("--since", "HEAD", ".")
    assert result.exit_code == 1
    assert findings(result.stdout) == ["app.py:11:12: BL401"], "the old call only moved"
    assert "1 finding on unchanged lines not shown" in result.stderr
    assert len(findings(check(".").stdout)) == 2


def test_an_edited_line_counts(repo: Path):
    (repo / "app.py").write_text(OLD.replace("get(url)", "get(url + '/x')"), encoding="utf-8")
    assert findings(check("--since", "HEAD", ".").stdout) == ["app.py:5:12: BL401"]


def test_multi_line_finding_touched_in_its_middle(repo: Path):
    body = "import requests\n\nrequests.post(\n    URL,\n    json={},\n)\n"
    (repo / "app.py").write_text(body, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "two")
    assert findings(check("--since", "HEAD", ".").stdout) == []
    (repo / "app.py").write_text(body.replace("json={}", "json={'a': 1}"), encoding="utf-8")
    assert findings(check("--since", "HEAD", ".").stdout) == ["app.py:3:1: BL401"]


def test_untracked_files_and_committed_changes(repo: Path):
    (repo / "new.py").write_text(OLD, encoding="utf-8")
    assert findings(check("--since", "HEAD", ".").stdout) == ["new.py:5:12: BL401"]
    git(repo, "add", "new.py")
    git(repo, "commit", "-q", "-m", "two")
    assert check("--since", "HEAD", ".").exit_code == 0
    assert findings(check("--since", "HEAD~1", ".").stdout) == ["new.py:5:12: BL401"]


def test_renamed_file_keeps_only_its_edits(repo: Path):
    (repo / "app.py").write_text(OLD + "\n\ndef other(url):\n    return requests.get(url).text\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "two")
    git(repo, "mv", "app.py", "service.py")
    text = (repo / "service.py").read_text(encoding="utf-8")
    (repo / "service.py").write_text(text.replace(".text", ".content"), encoding="utf-8")
    assert findings(check("--since", "HEAD", ".").stdout) == ["service.py:9:12: BL401"]


def test_paths_with_space_and_non_ascii(repo: Path):
    odd = repo / "dir with space"
    odd.mkdir()
    (odd / "café.py").write_text(OLD, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two")
    (odd / "café.py").write_text(OLD + "requests.get(URL)\n", encoding="utf-8")
    assert findings(check("--since", "HEAD", ".").stdout) == ["dir with space/café.py:6:1: BL401"]


def test_from_a_subdirectory(repo: Path, monkeypatch):
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod.py").write_text(OLD, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two")
    (repo / "pkg" / "mod.py").write_text(OLD + "requests.get(URL)\n", encoding="utf-8")
    monkeypatch.chdir(repo / "pkg")
    assert findings(check("--since", "HEAD", ".").stdout) == ["mod.py:6:1: BL401"]


def test_parse_error_in_a_changed_file_is_reported(repo: Path):
    (repo / "app.py").write_text(OLD + "def broken(:\n", encoding="utf-8")
    assert [f.split(": ")[1] for f in findings(check("--since", "HEAD", ".").stdout)] == ["BL000"]


def test_with_a_baseline(repo: Path):
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    (repo / "app.py").write_text(OLD + "requests.get(URL)\n", encoding="utf-8")
    result = check("--since", "HEAD", "--baseline", "bl.json", ".")
    assert findings(result.stdout) == ["app.py:6:1: BL401"]


def test_not_a_repository(tmp_path: Path, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "app.py").write_text(OLD, encoding="utf-8")
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = check("--since", "HEAD", ".")
    assert result.exit_code == 2
    assert "not inside a git work tree" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5", "--output=x"])
def test_bad_revision(repo: Path, ref: str):
    result = check(f"--since={ref}", ".")
    assert result.exit_code == 2
    assert ref in result.stderr and ("unknown revision" in result.stderr or "invalid revision" in result.stderr)
    assert not (repo / "x").exists()


def test_parse_diff_is_not_fooled_by_content():
    out = (
        b"diff --git a/x.py b/x.py\n"
        b"--- a/x.py\n"
        b"+++ b/x.py\n"
        b"@@ -3 +3,2 @@ def f():\n"
        b"-old\n"
        b"+++ b/evil.py\n"
        b"+@@ -1 +1 @@\n"
        b"\\ No newline at end of file\n"
        b"@@ -10,2 +11,0 @@\n"
        b"-gone\n"
        b"-gone\n"
        b'diff --git "a/t\\tb.py" "b/t\\tb.py"\n'
        b'--- "a/t\\tb.py"\n'
        b'+++ "b/t\\tb.py"\n'
        b"@@ -1 +1 @@\n"
        b"-a\n"
        b"+b\n"
        b'diff --git a/\xc3\xa9 s.py b/\xc3\xa9 s.py\n'
        b'--- a/\xc3\xa9 s.py\t\n'
        b'+++ b/\xc3\xa9 s.py\t\n'
        b"@@ -0,0 +1,3 @@\n"
        b"+a\n+b\n+c\n"
        b"diff --git a/gone.py b/gone.py\n"
        b"--- a/gone.py\n"
        b"+++ /dev/null\n"
        b"@@ -1 +0,0 @@\n"
        b"-x\n"
    )
    assert parse_diff(out) == {"x.py": [(3, 4)], "t\tb.py": [(1, 1)], "é s.py": [(1, 3)]}


def test_changed_lines_overlap(tmp_path: Path):
    changed = ChangedLines(str(tmp_path), {"a.py": [(3, 4), (10, 10)]}, {"a.py", "b.py"})
    a = str(tmp_path / "a.py")
    assert [changed.overlaps(a, n, n) for n in (2, 3, 4, 5, 9, 10, 11)] == [False, True, True, False, False, True, False]
    assert changed.overlaps(a, 5, 12) and changed.overlaps(a, 1, 3) and not changed.overlaps(a, 5, 9)
    assert changed.status(str(tmp_path / "b.py")) == "unchanged"
    assert changed.status(str(tmp_path / "c.py")) == "untracked"
    assert changed.status(str(tmp_path.parent / "elsewhere.py")) == "outside"
