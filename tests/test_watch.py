"""`backlint check --watch`: re-checks when a file changes, stops cleanly on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _read_until(proc, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    os.set_blocking(proc.stdout.fileno(), False)
    while time.monotonic() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            seen += chunk.decode()
            if needle in seen:
                return seen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} not seen in: {seen!r}")


def test_watch_rechecks_changed_files(tmp_path) -> None:
    (tmp_path / "client.py").write_text("x = 1\n")
    # Ctrl-C as a terminal delivers it: a suite started in the background (`cmd &` in a script)
    # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler at all
    proc = subprocess.Popen([sys.executable, "-m", "backlint", "check", "--watch", "--isolated", "."],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = _read_until(proc, "watching for changes")
        assert "All checks passed" in first
        time.sleep(0.6)
        (tmp_path / "client.py").write_text("import requests\nrequests.get('https://x.org')\n")
        second = _read_until(proc, "BL401")
        assert "changed: client.py" in second
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_watch_refuses_what_it_cannot_do(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "backlint", "check", "--watch", "--fix", "."],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2 and "--watch cannot be combined" in result.stderr
