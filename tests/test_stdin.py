"""`backlint check - --stdin-filename PATH`: standard input checked as if it were the file at PATH."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

MODELS = textwrap.dedent(
    """
    from django.db import models

    class Author(models.Model):
        name = models.CharField(max_length=10)

    class Book(models.Model):
        author = models.ForeignKey(Author, on_delete=models.CASCADE)
    """
)
VIEWS = textwrap.dedent(
    """
    from shop.models import Book

    def titles(request):
        return [book.author.name for book in Book.objects.all()]
    """
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.backlint]\nselect = ["BL202", "BL401"]\n'
        '[tool.backlint.per-file-ignores]\n"legacy/**" = ["BL401"]\n')
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(MODELS)
    (tmp_path / "shop" / "views.py").write_text("def titles(request):\n    return []\n")
    return tmp_path


def _stdin(project, source: str, *args):
    return subprocess.run([sys.executable, "-m", "backlint", "check", "-", *args], input=source.encode(),
                          cwd=project, capture_output=True)


def test_cross_file_facts_as_if_the_file_were_at_that_path(project) -> None:
    result = _stdin(project, VIEWS, "--stdin-filename", "shop/views.py")
    out = result.stdout.decode()
    assert result.returncode == 1, out + result.stderr.decode()
    assert "shop/views.py:5:" in out and "BL202" in out, out
    # the file on disk is not read: it has no loop
    assert "return []" in (project / "shop" / "views.py").read_text()


def test_configuration_and_per_file_ignores_of_that_path(project) -> None:
    code = "import requests\nrequests.get('https://x.org')\n"
    assert _stdin(project, code, "--stdin-filename", "shop/client.py").returncode == 1
    ignored = _stdin(project, code, "--stdin-filename", "legacy/client.py")
    assert ignored.returncode == 0, ignored.stdout.decode()


def test_fix_writes_the_fixed_source_to_stdout(project) -> None:
    code = "import requests\nrequests.get('https://x.org')\n"
    result = _stdin(project, code, "--stdin-filename", "shop/client.py", "--fix")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "import requests\nrequests.get('https://x.org', timeout=10)\n"
    assert "1 fix applied" in result.stderr.decode()
    assert not (project / "shop" / "client.py").exists(), "nothing is written to disk"


def test_json_and_errors(project) -> None:
    result = _stdin(project, "def broken(:\n", "--stdin-filename", "shop/x.py", "--format", "json",
                    "--select", "BL000")
    assert result.returncode == 1 and b'"BL000"' in result.stdout
    both = subprocess.run([sys.executable, "-m", "backlint", "check", "-", "shop"], cwd=project,
                          capture_output=True, input=b"")
    assert both.returncode == 2 and b"cannot be combined" in both.stderr
    lonely = subprocess.run([sys.executable, "-m", "backlint", "check", "--stdin-filename", "x.py", "shop"],
                            cwd=project, capture_output=True)
    assert lonely.returncode == 2
