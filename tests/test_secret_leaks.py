"""No output, cache or baseline file holds more of a secret than the message prefix, whichever
rule's finding carries it (issue #24 item 2)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "hunter2pass"
KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc9Xk2"
SOURCE = f'''import requests


def fetch():
    return requests.get("https://admin:{PASSWORD}@db.example.com/x")


def pay():
    return requests.post(
        "https://api.example.com",
        headers={{"Authorization": "Bearer {KEY}"}},
    )


def plain(url):
    return requests.get(url)
'''


def backlint(cwd: Path, *args: str):
    return subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "-j", "1", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_no_secret(text: str) -> None:
    assert PASSWORD not in text and PASSWORD[3:] not in text
    assert KEY not in text and KEY[8:] not in text


@pytest.fixture
def project(tmp_path):
    (tmp_path / "client.py").write_text(SOURCE)
    return tmp_path


def test_no_format_and_no_cache_file_holds_the_secrets(project):
    outputs = {}
    for fmt in ("json", "sarif", "text", "github"):
        for run in ("cold", "warm"):
            proc = backlint(project, "--format", fmt, ".")
            assert proc.returncode == 1, proc.stderr
            assert_no_secret(proc.stdout + proc.stderr)
            outputs[fmt, run] = proc.stdout
    for fmt in ("json", "sarif", "text", "github"):
        assert outputs[fmt, "cold"] == outputs[fmt, "warm"], fmt
    cache_files = [p for p in (project / ".backlint_cache").rglob("*") if p.is_file()]
    assert any(p.parent.name == "backlint-facts" for p in cache_files)  # the per-file facts too
    for path in cache_files:
        assert_no_secret(path.read_text(errors="replace"))
    assert '"text": "requests.get(url, timeout=10)"' in outputs["json", "cold"]  # other fixes stay
    proc = backlint(project, "--write-baseline", "baseline.json", ".")
    assert proc.returncode == 0, proc.stderr
    assert_no_secret((project / "baseline.json").read_text())
    proc = backlint(project, "--no-cache", "--diff", ".")
    assert_no_secret(proc.stdout)
    assert "+    return requests.get(url, timeout=10)" in proc.stdout


def test_fix_still_applies_the_fixes_that_span_a_secret(project):
    proc = backlint(project, "--no-cache", "--fix", "--select", "BL401", ".")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert_no_secret(proc.stdout + proc.stderr)
    text = (project / "client.py").read_text()
    assert text.count("timeout=10") == 3 and PASSWORD in text  # the file keeps its own content


def test_the_reported_finding_keeps_its_message_and_loses_only_the_fix():
    from conftest import lint_source

    result = lint_source(SOURCE, ["BL401", "BL302"])
    timeouts = [f for f in result.findings if f.code == "BL401"]
    assert len(timeouts) == 3
    assert [f.fix is None for f in timeouts] == [True, True, False]
    assert all("without a timeout" in f.message for f in timeouts)
