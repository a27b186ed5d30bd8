"""Size and file type are checked before reading, and at most the limit is read (issue #24 item 6)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from backlint.safe_read import NotReadable, read_bounded


def _check(args, cwd):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--format", "json",
                           "-j", "1", *args], cwd=cwd, capture_output=True, timeout=60)
    return proc.returncode, json.loads(proc.stdout), proc.stderr.decode(), time.monotonic() - start


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_fifo_and_a_huge_sparse_file_are_skipped_quickly(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    sparse = tmp_path / "sparse.py"
    with open(sparse, "wb") as fh:
        fh.truncate(1536 * 1024 * 1024)  # 1.5 GB, no blocks on disk
    (tmp_path / "real.py").write_text("import requests\nrequests.get('https://x')\n")
    code, data, err, took = _check(["/dev/zero", "pipe.py", "sparse.py", "real.py"], tmp_path)
    assert took < 30
    reasons = {s["path"]: s["reason"] for s in data["skipped"]}
    assert "character device" in reasons["/dev/zero"]
    assert "FIFO" in reasons["pipe.py"]
    assert "1536.0 MiB, over max-file-size" in reasons["sparse.py"]
    assert [f["path"] for f in data["findings"]] == ["real.py"]  # the other files are still checked
    assert code == 2 and data["errors"] == []


def test_read_bounded_reads_at_most_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "f.py"
    path.write_bytes(b"x" * 5000)
    asked = []
    real = os.read

    def spy(fd, n):
        asked.append(n)
        return real(fd, n)

    monkeypatch.setattr(os, "read", spy)
    assert read_bounded(str(path), 10_000)[0] == b"x" * 5000
    with pytest.raises(NotReadable):
        read_bounded(str(path), 100)
    assert asked == [10_001, 10_001 - 5000]  # the file over the limit was never read at all


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "f.py"
    path.write_bytes(b"x" * 50)
    real = os.fstat

    def shrunk(fd):  # a stat that says 50 bytes while 150 are there to read
        st = real(fd)
        path.write_bytes(b"x" * 150)
        return st

    monkeypatch.setattr(os, "fstat", shrunk)
    with pytest.raises(NotReadable, match="over max-file-size"):
        read_bounded(str(path), 100)
