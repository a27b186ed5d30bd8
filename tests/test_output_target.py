"""``-o`` onto things that are not regular files, and summaries that never claim more than was
checked (issue #23 items 3 and 4)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from backlint.fsutil import write_output


def _cli(*args: str, cwd: Path, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "backlint", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, env=dict(os.environ, NO_COLOR="1"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("import requests\n\nrequests.get(URL)\n", encoding="utf-8")
    return tmp_path


def test_regular_file_is_replaced_and_keeps_its_mode(tmp_path: Path):
    target = tmp_path / "report.txt"
    target.write_text("old text that is longer than the new one\n")
    os.chmod(target, 0o640)
    write_output(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"], "no temporary file left"


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path: Path):
    real = tmp_path / "real.txt"
    real.write_text("old text that is longer than the new one\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_output(str(link), b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_fifo_is_written_in_place(project: Path):
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    received = []

    def read():
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = _cli("check", "--isolated", "--no-cache", "--format", "json", "-o", str(fifo), "app.py", cwd=project)
    reader.join(timeout=60)
    assert result.returncode == 1, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO"
    assert json.loads(received[0])["summary"]["findings"] == 1


def test_dev_null_stays_a_device(project: Path):
    if not stat.S_ISCHR(os.lstat(os.devnull).st_mode):
        pytest.skip("/dev/null on this machine is already not a device (replaced by another program)")
    result = _cli("check", "--isolated", "--no-cache", "-o", os.devnull, "app.py", cwd=project)
    assert result.returncode == 1
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_character_device_node_is_written_not_replaced(project: Path):
    node = project / "null-device"
    rdev = os.makedev(1, 3)  # Linux's null device
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, rdev)
        os.close(os.open(node, os.O_WRONLY))
    except OSError:  # no mknod, or the container's device policy refuses to open it
        pytest.skip("a null device node cannot be created and opened here")
    result = _cli("check", "--isolated", "--no-cache", "-o", str(node), "app.py", cwd=project)
    assert result.returncode == 1, result.stderr
    st = os.lstat(node)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev, "the node was not replaced by a file"


def test_dev_stdout_continues_a_redirected_stdout(project: Path):
    out = project / "out.txt"
    out.write_text("earlier line\n")
    with open(out, "a") as fh:
        subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "-q", "-o",
                        "/dev/stdout", "app.py"], cwd=project, stdout=fh, timeout=120)
    text = out.read_text()
    assert text.startswith("earlier line\n") and "BL401" in text
    assert not out.is_symlink()


def test_o_file_prints_a_one_line_summary_on_stderr(project: Path):
    result = _cli("check", "--isolated", "--no-cache", "-o", "report.json", "--format", "json", "app.py", cwd=project)
    assert result.returncode == 1
    (line,) = result.stderr.decode().splitlines()
    assert "Found 1 finding in 1 file checked" in line and "report.json" in line
    quiet = _cli("check", "--isolated", "--no-cache", "-q", "-o", "report.json", "app.py", cwd=project)
    assert quiet.stderr == b""


@pytest.mark.parametrize("args", [("nonexist.py",)])
def test_nothing_checked_is_not_all_checks_passed(project: Path, args):
    result = _cli("check", "--isolated", "--no-cache", *args, cwd=project, timeout=60)
    assert result.returncode == 2
    out = result.stdout.decode()
    assert "All checks passed" not in out
    assert "0 files checked" in out and "1 error" in out


def test_dash_checks_standard_input_as_one_file(project: Path):
    """`-` is standard input (see tests/test_stdin.py): an empty input is one clean file, not an error."""
    result = subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "-"],
                            cwd=project, input=b"", capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "All checks passed (1 file checked)" in result.stdout.decode()


def test_a_skipped_file_is_in_the_summary(project: Path):
    (project / "pyproject.toml").write_text("[tool.backlint]\nmax-file-size = 10\n", encoding="utf-8")
    result = _cli("check", "--no-cache", "app.py", cwd=project)
    out = result.stdout.decode()
    assert "All checks passed" not in out and "1 file skipped" in out
