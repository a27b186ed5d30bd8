"""``backlint check --watch``: check, then re-check whenever a watched file changes.

Changes are found by polling a stat snapshot (path, size, mtime) of the ``.py``/``.pyi`` files and
configuration files below the given paths, twice a second: the standard library only, and a
snapshot of a few thousand files costs milliseconds. Each round is one ordinary ``backlint check``
process with the same arguments, so the results cache answers every unchanged file and the
output is exactly what a manual run prints.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Dict, List, Sequence, Tuple

INTERVAL = 0.5
_SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".backlint_cache", ".tox",
              ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist"}
_CONFIG = ("pyproject.toml", "backlint.toml", ".gitignore")


def snapshot(paths: Sequence[str]) -> Dict[str, Tuple[int, int]]:
    seen: Dict[str, Tuple[int, int]] = {}

    def note(path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        seen[path] = (st.st_size, st.st_mtime_ns)

    for top in paths:
        if os.path.isfile(top):
            note(top)
            continue
        for directory, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not os.path.isfile(os.path.join(directory, d, "pyvenv.cfg"))]
            for name in names:
                if name.endswith((".py", ".pyi")) or name in _CONFIG:
                    note(os.path.join(directory, name))
    return seen


def watch(paths: List[str], args: List[str]) -> int:
    """Run ``backlint check ARGS`` now and after every change; returns on Ctrl-C (exit 0)."""
    command = [sys.executable, "-m", "backlint", "check", *args]
    try:
        before = snapshot(paths)
        while True:
            sys.stdout.write(f"[{time.strftime('%H:%M:%S')}] backlint check {' '.join(args)}\n")
            sys.stdout.flush()
            subprocess.run(command)
            sys.stdout.write("backlint: watching for changes (Ctrl-C to stop)\n")
            sys.stdout.flush()
            while True:
                time.sleep(INTERVAL)
                now = snapshot(paths)
                if now != before:
                    changed = sorted(p for p in set(now) | set(before) if now.get(p) != before.get(p))
                    before = now
                    shown = ", ".join(os.path.relpath(p) for p in changed[:3]) + (" ..." if len(changed) > 3 else "")
                    sys.stdout.write(f"\nbacklint: changed: {shown}\n")
                    break
    except KeyboardInterrupt:
        return 0
