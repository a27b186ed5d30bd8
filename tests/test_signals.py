"""A run with workers stops cleanly on SIGTERM, SIGINT and SIGHUP, and workers never outlive a
parent killed by SIGKILL (issue #23 item 2)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for child processes")

# each file takes a while to parse (subscript chains under the depth guard's limit), so the run
# is still going when the signal comes
SLOW = "".join(f"x{i} = a" + "[0]" * 300 + "\n" for i in range(12))


def _children(pid: int) -> List[int]:
    """Every live descendant of ``pid`` (from /proc, zombies excluded)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent and fields[0] != "Z":
                found.append(int(entry))
                todo.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start(tmp_path: Path) -> subprocess.Popen:
    for i in range(8):
        (tmp_path / f"slow{i}.py").write_text(SLOW)
    proc = subprocess.Popen([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "-j", "2", "."],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2:  # both workers started
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    time.sleep(0.3)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_the_workers(tmp_path: Path, sig):
    proc = _start(tmp_path)
    workers = _children(proc.pid)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert f"interrupted ({signal.Signals(sig).name})" in err.decode()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "no backlint process remains"


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path):
    proc = _start(tmp_path)
    workers = _children(proc.pid)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived a parent killed by SIGKILL"
