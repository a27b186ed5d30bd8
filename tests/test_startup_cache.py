"""The cache of dataclass-generated methods (backlint/dataclass_code.py): same classes, written
only where bytecode is, a damaged file ignored."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROGRAM = r"""
import sys
from backlint import dataclass_code
dataclass_code.install()
import dataclasses

@dataclasses.dataclass(frozen=True)
class P:
    x: int
    y: str = "a"

p = P(1)
assert p == P(1, "a") and p != P(2) and repr(p) == "P(x=1, y='a')" and hash(p) == hash(P(1))
try:
    p.x = 3
except dataclasses.FrozenInstanceError:
    pass
else:
    raise AssertionError("frozen")
import libcst
assert libcst.parse_module("x = 1\n").code == "x = 1\n"
print(dataclass_code._new, len(dataclass_code._codes))
"""


def _run(prefix: Path, **env_extra):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONPYCACHEPREFIX=str(prefix), **env_extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    new, total = proc.stdout.split()
    return int(new), int(total)


def _files(prefix: Path):
    return list(prefix.rglob("dataclass_code.*.methods.marshal"))


def test_second_run_compiles_nothing_and_classes_behave_the_same(tmp_path):
    new, total = _run(tmp_path)
    assert new > 100 and total == new  # libcst's classes at least
    (cache,) = _files(tmp_path)
    again, total_again = _run(tmp_path)
    assert again == 0 and total_again == total
    cache.write_bytes(b"\x00garbage")  # damaged: ignored, compiled and rewritten
    new, _ = _run(tmp_path)
    assert new == total
    assert _run(tmp_path)[0] == 0


def test_nothing_written_without_bytecode(tmp_path):
    _run(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert _files(tmp_path) == []
