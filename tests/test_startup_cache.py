"""The cache of what every start compiles (backlint/startup_cache.py): dataclass methods and
regular expressions come out the same, the file is written only where bytecode is, and a
damaged file is ignored."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROGRAM = r"""
import sys
from backlint import startup_cache
startup_cache.install()
import dataclasses, re

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
r = re.compile(r"(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<v>'[^']*'|\d+)\s*(?:#.*)?$", re.I | re.M)
m = r.search("a = 1\nB_2 = 'x' #c")
assert r.flags == re.compile(r.pattern, re.I | re.M).flags and r.groupindex == {"key": 1, "v": 2}
assert m.group("key", "v") == ("a", "1") and [x.group(1) for x in r.finditer("a = 1\nB_2 = 'x' #c")] == ["a", "B_2"]
b = re.compile(rb"\x00+(ab|cd)", re.S)
assert b.findall(b"\x00ab\x00\x00cd") == [b"ab", b"cd"]
print(startup_cache._new, len(startup_cache._codes), len(startup_cache._patterns))
"""


def _run(prefix: Path, **env_extra):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONPYCACHEPREFIX=str(prefix))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    return tuple(int(x) for x in proc.stdout.split())


def _files(prefix: Path):
    return list(prefix.rglob("startup_cache.*.compiled.marshal"))


def test_second_run_compiles_nothing_and_behaves_the_same(tmp_path):
    new, codes, patterns = _run(tmp_path)
    assert codes > 100 and patterns >= 2 and new == codes + patterns
    (cache,) = _files(tmp_path)
    assert _run(tmp_path) == (0, codes, patterns)
    cache.write_bytes(b"\x00garbage")  # damaged: ignored, compiled and rewritten
    assert _run(tmp_path)[0] == new
    assert _run(tmp_path)[0] == 0


def test_nothing_written_without_bytecode(tmp_path):
    _run(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert _files(tmp_path) == []


def test_a_worker_tunes_the_collector_once():
    program = (
        "import gc\nfrom backlint import config, engine\n"
        "s = config.load(['.'], isolated=True)\nengine.init_worker(s)\n"
        "frozen = gc.get_freeze_count()\nengine.init_worker(s)\n"
        "assert frozen > 1000 and gc.get_freeze_count() <= frozen, frozen  # not frozen again\n"
        "assert gc.get_threshold()[0] == 10000\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", program], env=env, check=True, cwd=str(REPO))
