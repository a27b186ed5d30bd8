"""Which files get checked."""
from __future__ import annotations

import os
import subprocess

import pytest
from click.testing import CliRunner

from backlint.cli import main

BAD = "import requests\nrequests.get('https://x')\n"


def checked(*args):
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    import json

    data = json.loads(result.output)
    return sorted({f["path"] for f in data["findings"]}), data["summary"]["files_checked"]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for rel in [
        "app/a.py", "app/stub.pyi", "app/notes.txt", ".git/hooks/x.py", ".venv/lib/site.py",
        "myenv/lib/x.py", "node_modules/pkg/x.py", "build/lib/x.py", "dist/x.py", "app/__pycache__/x.py",
        ".tox/py/x.py", "generated/out.py", "app/generated_client.py",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BAD)
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("generated/\n*_client.py\n")
    return tmp_path


def test_default_excludes_virtualenvs_and_gitignore(tree):
    paths, count = checked(".")
    assert paths == ["app/a.py", "app/stub.pyi"]
    assert count == 2


def test_no_respect_gitignore(tree):
    paths, _ = checked("--no-respect-gitignore", ".")
    assert paths == ["app/a.py", "app/generated_client.py", "app/stub.pyi", "generated/out.py"]


def test_explicit_files_are_checked_unless_force_exclude(tree):
    paths, _ = checked("app/generated_client.py", "build/lib/x.py")
    assert paths == ["app/generated_client.py", "build/lib/x.py"]
    paths, _ = checked("--force-exclude", "app/generated_client.py", "build/lib/x.py", "app/a.py")
    assert paths == ["app/a.py"]


def test_explicit_directory_is_checked_even_if_excluded(tree):
    paths, _ = checked("build")
    assert paths == ["build/lib/x.py"]


def test_exclude_and_extend_exclude(tree):
    (tree / "pyproject.toml").write_text("[tool.backlint]\nextend-exclude = ['app/*.pyi']\n")
    paths, _ = checked(".")
    assert paths == ["app/a.py"]
    paths, _ = checked("--extend-exclude", "app", ".")
    assert paths == []
    (tree / "pyproject.toml").write_text("[tool.backlint]\nexclude = []\nrespect-gitignore = false\n")
    paths, _ = checked(".")
    assert "build/lib/x.py" in paths and ".venv/lib/site.py" in paths


def test_directories_named_like_python_files_and_symlinks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(BAD)
    (tmp_path / "loop").mkdir()
    os.symlink(str(tmp_path / "loop"), str(tmp_path / "loop" / "again"))
    os.symlink(str(tmp_path / "missing.py"), str(tmp_path / "dangling.py"))
    paths, count = checked(".")
    assert paths == ["pkg.py/inner.py"] and count == 1


def test_same_file_given_twice_is_checked_once(tree):
    paths, count = checked("app/a.py", "app/a.py", "app")
    assert count == 2


def test_git_global_excludes_file_is_respected(tmp_path, monkeypatch):
    """core.excludesFile (here via XDG_CONFIG_HOME, git's default location) ignores like .gitignore."""
    import backlint.discovery as discovery_mod
    from backlint.config import Settings
    from backlint.discovery import Discovery

    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "ignore").write_text("scratch_*.py\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setattr(discovery_mod, "_GLOBAL_EXCLUDES", None)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app.py").write_text("x = 1\n")
    (repo / "scratch_notes.py").write_text("x = 1\n")
    files, _ = Discovery(Settings(root=str(repo))).files([str(repo)])
    assert sorted(os.path.basename(f) for f in files) == ["app.py"]
    # a configured core.excludesFile wins over the XDG default
    other = tmp_path / "my-excludes"
    other.write_text("app.py\n")
    (home / ".gitconfig").write_text(f"[core]\n\texcludesFile = {other}\n")
    monkeypatch.setattr(discovery_mod, "_GLOBAL_EXCLUDES", None)
    files, _ = Discovery(Settings(root=str(repo))).files([str(repo)])
    assert sorted(os.path.basename(f) for f in files) == ["scratch_notes.py"]
    monkeypatch.setattr(discovery_mod, "_GLOBAL_EXCLUDES", None)
