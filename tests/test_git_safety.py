"""`--since` never runs a command configured by the repository (issue #24 item 7).

An untrusted checkout controls its `.git/config` and `.gitattributes`: fsmonitor hooks, clean and
smudge filters, external diff drivers and textconv commands are each set to a command that would
leave a marker file; a `--since` run must leave none.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"


def git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid", GIT_CONFIG_NOSYSTEM="1", HOME=str(repo.parent))
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def hostile(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "app.py").write_text("x = 1\n")
    (repo / "other.py").write_text("y = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    markers = tmp_path / "markers"
    markers.mkdir()

    def command(name: str) -> str:
        return f"sh -c 'touch {markers}/{name}; cat' #"

    # configured only after the commit, so setting the repository up ran none of it
    git(repo, "config", "core.fsmonitor", f"sh -c 'touch {markers}/fsmonitor' #")
    git(repo, "config", "filter.evil.clean", command("clean"))
    git(repo, "config", "filter.evil.smudge", command("smudge"))
    git(repo, "config", "filter.evil.process", f"sh -c 'touch {markers}/process' #")
    git(repo, "config", "diff.evil.textconv", command("textconv"))
    git(repo, "config", "diff.evil.command", command("diff-driver"))
    git(repo, "config", "diff.external", f"sh -c 'touch {markers}/external' #")
    git(repo, "config", "core.pager", f"sh -c 'touch {markers}/pager' #")
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil\n")
    (repo / "app.py").write_text(BAD)  # an edit: git has to look at the working tree
    os.utime(repo / "other.py", (1, 1))  # stat changed, content not: git re-hashes it (the filter)
    return repo, markers


def test_since_runs_nothing_the_repository_configured(hostile):
    repo, markers = hostile
    env = dict(os.environ)
    env.pop("GIT_CONFIG_NOSYSTEM", None)
    proc = subprocess.run(
        [sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "-j", "1", "--since", "HEAD", "."],
        cwd=repo, capture_output=True, text=True, env=env,
    )
    assert sorted(os.listdir(markers)) == [], proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "app.py:5:12: BL401" in proc.stdout  # the edited line is still reported


def test_the_hostile_repository_would_run_its_commands_under_plain_git(hostile):
    """The fixture is live: without backlint's guards git runs the configured commands."""
    repo, markers = hostile
    subprocess.run(["git", "diff", "HEAD", "--"], cwd=repo, capture_output=True)
    assert os.listdir(markers)  # fsmonitor and/or the clean filter ran
