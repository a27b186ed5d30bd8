"""Pinned wheels from PyPI for the bench scripts: download once, verify sha256, unpack.

Shared by benchmark.py and the *_realworld.py scripts (run as `python bench/<script>.py`, so
this directory is on sys.path). Nothing in a wheel is imported or executed: it is only unpacked.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(directory: Path, requirement: str, wheel: str, expected: str,
                python_version: str = "") -> Path:
    """The verified wheel file for ``requirement`` (``name==version``), downloaded if missing.

    ``python_version`` downloads a wheel that declares another Python (``"3.8"``) than ours:
    it is only unpacked and read, never installed."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / wheel
    if not path.exists():
        # a pure-Python wheel is the same file whatever Python asks for it; when the running
        # Python is older than the release declares (netbox, weblate: >= 3.12), ask as a newer one
        tries = [python_version] if python_version else ["", "3.12", "3.13"]
        for i, version in enumerate(tries):
            extra = ["--python-version", version] if version else []
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                 *extra, requirement, "-d", str(directory)],
                check=i == len(tries) - 1, capture_output=i < len(tries) - 1,
            )
            if done.returncode == 0:
                break
    actual = sha256(path)
    if actual != expected:
        raise SystemExit(f"{wheel}: sha256 {actual} does not match the pinned {expected}")
    return path


def unpack(wheel: Path, target: Path, python_only: bool = False) -> Path:
    """Unpack ``wheel`` into ``target`` once (atomically: an interrupted run leaves no half tree)."""
    if target.exists():
        return target
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if not python_only or (m.endswith(".py") and ".dist-info/" not in m)]
        zf.extractall(tmp, members)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(target)
    return target


def fetch_and_unpack(workdir: Path, dist: str, version: str, wheel: str, expected: str,
                     python_only: bool = False) -> Path:
    """Download, verify and unpack one pinned wheel into ``workdir/src/<dist>-<version>``."""
    path = fetch_wheel(workdir / "wheels", f"{dist}=={version}", wheel, expected)
    return unpack(path, workdir / "src" / f"{dist}-{version}", python_only)
