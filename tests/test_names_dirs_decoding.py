"""Non-UTF-8 file names with -o and --write-baseline, unreadable directories, undecodable bytes in
comments (issue #24 item 11)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backlint.runner import check

from conftest import make_settings

BAD = b"import requests\nrequests.get('https://x')\n"


def run(cwd, *args):
    return subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "-j", "1", *args],
                          cwd=cwd, capture_output=True, timeout=120)


@pytest.fixture
def latin1_name(tmp_path):
    name = b"caf\xe9.py"  # not UTF-8
    try:
        with open(os.path.join(os.fsencode(str(tmp_path)), name), "wb") as fh:
            fh.write(BAD)
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses non-UTF-8 names")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_non_utf8_file_name_works_with_output_files(latin1_name, fmt):
    proc = run(latin1_name, "--format", fmt, "-o", f"out.{fmt}", ".")
    assert proc.returncode == 1, proc.stderr
    data = (latin1_name / f"out.{fmt}").read_bytes()
    data.decode("utf-8")  # the report itself is valid UTF-8
    if fmt == "json":
        (finding,) = json.loads(data)["findings"]
        assert os.fsencode(finding["path"]) == b"caf\xe9.py"  # the name's bytes, recoverable
    elif fmt in ("text", "github"):
        assert b"caf\\udce9.py" in data  # visibly escaped, not a raw byte or a replacement character


def test_a_non_utf8_file_name_round_trips_through_a_baseline(latin1_name):
    proc = run(latin1_name, "--write-baseline", "baseline.json", ".")
    assert proc.returncode == 0, proc.stderr
    text = (latin1_name / "baseline.json").read_bytes().decode("utf-8")
    assert "caf\\udce9.py" in text
    proc = run(latin1_name, "--baseline", "baseline.json", ".")
    assert proc.returncode == 0, proc.stderr
    assert b"1 finding baselined, 0 new" in proc.stderr


def test_an_unreadable_directory_is_reported_and_fails_the_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_bytes(BAD)
    (tmp_path / "ok.py").write_bytes(BAD)
    real = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = check(["."], make_settings(["BL401"]), jobs=1)
    assert [f.path for f in result.findings] == ["ok.py"]
    assert [(s.path, s.kind) for s in result.skipped] == [("locked", "skipped")]
    assert "cannot read this directory (Permission denied)" in result.skipped[0].message


def test_undecodable_bytes_in_a_comment_get_a_clear_message():
    from backlint.engine import Linter

    linter = Linter(make_settings(["BL000"]))
    (finding,) = linter.check_source("x.py", b"import os\n\n# caf\xe9 menu\nx = 1\n").findings
    assert finding.code == "BL000" and (finding.start_line, finding.start_column) == (3, 6)
    assert "byte 0xe9 at line 3, column 6 (inside a comment)" in finding.message
    assert "Python refuses such a file too" in finding.message and "coding" in finding.message
    (finding,) = linter.check_source("y.py", b"x = 'caf\xe9'\n").findings
    assert "inside a comment" not in finding.message
