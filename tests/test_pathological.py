"""Valid but pathological files (generated code does look like this) neither crash, hang nor
exhaust a run, in-process or in workers, and never cost the other files their results (issue #23
item 7, #24 items 8 and 9). Sizes are the ones in the issue."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backlint import shape


def _elif(n: int) -> str:
    return "x = 1\nif x == 0:\n    y = 0\n" + "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, n))


def _one_line_mb() -> str:
    items, size, i = [], 8, 0
    while size < 1_000_000:
        items.append(str(i))
        size += len(items[-1]) + 2
        i += 1
    return "x = [" + ", ".join(items) + "]\n"


SHAPES = {
    "elif_50000": lambda: _elif(50_000),
    "boolean_50000": lambda: "x = " + " or ".join(f"a{i}" for i in range(50_000)) + "\n",
    "lambdas_5000": lambda: "f = " + "lambda: " * 5_000 + "0\n",
    "conditional_5000": lambda: "x = " + "".join(f"a{i} if c{i} else " for i in range(5_000)) + "0\n",
    "attributes_100000": lambda: "x = a" + ".b" * 99_999 + "\n",
    "calls_20000": lambda: "x = f" + "()" * 19_999 + "\n",
    "subscripts_20000": lambda: "x = a" + "[0]" * 19_999 + "\n",
    "binary_20000": lambda: "x = " + " + ".join(f"a{i}" for i in range(20_000)) + "\n",
    "one_line_1mb": _one_line_mb,
}
FINE = "import requests\n\nrequests.get(URL)\n"

# a fresh parent per run, so RUSAGE_CHILDREN is this run's peak and nothing else's
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True)
print(json.dumps({"seconds": time.monotonic() - start, "code": done.returncode,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stdout": done.stdout.decode("utf-8", "replace"), "stderr": done.stderr.decode("utf-8", "replace")}))
"""


def _measured(cwd: Path, *args: str) -> dict:
    command = [sys.executable, "-m", "backlint", *args]
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(cwd), *command], capture_output=True, timeout=300)
    return json.loads(out.stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_pathological_file_is_bounded_and_the_others_still_reported(tmp_path: Path, name: str, jobs: str):
    (tmp_path / f"{name}.py").write_text(SHAPES[name](), encoding="utf-8")
    (tmp_path / "fine.py").write_text(FINE, encoding="utf-8")
    run = _measured(tmp_path, "check", "--isolated", "--no-cache", "--format", "json", "-j", jobs, ".")
    # a skipped file was not checked: the run says so and fails (exit 2) unless --skipped-ok
    assert run["code"] == 2 and "1 file not checked (skipped)" in run["stderr"], run["stderr"]
    assert run["seconds"] <= 5, f"{name} took {run['seconds']:.1f} s"
    assert run["maxrss_kb"] <= 500 * 1024, f"{name} used {run['maxrss_kb'] // 1024} MB"
    result = json.loads(run["stdout"])
    assert [f["path"] for f in result["findings"]] == ["fine.py"], "the other file is still reported"
    assert result["errors"] == []
    (skipped,) = result["skipped"]
    assert skipped["path"] == f"{name}.py" and skipped["reason"].startswith("skipped: ")
    assert f"{name}.py: skipped: " in run["stderr"], "the skip is said on stderr"


def _guarded(source: str):
    try:
        shape.check(source.encode(), source)
    except shape.TooComplex as exc:
        return exc.reason
    return None


def test_ordinary_large_code_is_not_skipped():
    assert _guarded("x = [" + ", ".join(str(i) for i in range(50_000)) + "]\n") is None
    assert _guarded("x = '" + "a" * 1_000_000 + "'\n") is None, "a long string costs the parser nothing"
    assert _guarded(_elif(600)) is None
    assert _guarded("x = " + " + ".join(f"a{i}" for i in range(400)) + "\n") is None
    big_dict = "CONF = {\n" + "".join(f"    'key{i}': {{'a': [{i}, {i + 1}]}},\n" for i in range(5_000)) + "}\n"
    assert _guarded(big_dict) is None


def test_what_is_over_a_bound_is_skipped_with_the_reason():
    assert "nested too deeply" in _guarded("x = (\n" + "    a +\n" * 2_000 + "    b)\n"), "brackets join lines"
    assert "nested too deeply" in _guarded("x = a \\\n" + "  + a \\\n" * 2_000 + "  + b\n"), "so do backslashes"
    assert "names and numbers" in _guarded(_one_line_mb())


def test_brackets_inside_strings_do_not_switch_the_other_bounds_off():
    from backlint.engine import guard_depth

    source = "S = '" + "(" * 300 + "'\n" + _elif(1_500)  # CPython accepts it, libcst should not get it
    with pytest.raises(shape.TooComplex):
        guard_depth(source.encode(), source)


def _json(cwd: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--format", "json",
                           *args], cwd=cwd, capture_output=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_a_600_branch_elif_chain_gives_the_same_result_in_every_mode(tmp_path: Path):
    source = "import requests\n" + _elif(600) + "else:\n    y = requests.get(URL)\n"
    (tmp_path / "ladder.py").write_text(source, encoding="utf-8")
    one, two = _json(tmp_path, "-j", "1", "."), _json(tmp_path, "-j", "2", ".")
    assert one == two
    assert [(f["code"], f["start_line"]) for f in one["findings"]] == [("BL401", 1204)]
    assert one["errors"] == [] and one["skipped"] == []


def test_the_recursion_limit_is_restored_after_checking_in_process(tmp_path: Path):
    from backlint.runner import check

    from conftest import make_settings

    (tmp_path / "a.py").write_text(FINE)
    before = sys.getrecursionlimit()
    check([str(tmp_path / "a.py")], make_settings(["ALL"]), jobs=1)
    assert sys.getrecursionlimit() == before


def test_the_routes_command_has_the_depth_guard(tmp_path: Path):
    """#24 item 8: 2,000 nested brackets crashed `backlint routes` (4 KB of source)."""
    (tmp_path / "deep.py").write_text("x = " + "(" * 2_000 + "1" + ")" * 2_000 + "\n")
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/items')\n"
                                     "def items():\n    return []\n")
    for extra in ({}, {"elif": _elif(50_000)}):
        for name, text in extra.items():
            (tmp_path / f"{name}.py").write_text(text)
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "backlint", "routes", "."], cwd=tmp_path, capture_output=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert "/items" in done.stdout.decode()
        assert "deep.py: skipped:" in done.stderr.decode()
        assert time.monotonic() - start < 30


def test_routes_expands_an_include_cycle_at_most_once(tmp_path: Path):
    """#24 item 8: two routers including each other printed 2.1 M lines."""
    lines = ["from fastapi import APIRouter, FastAPI", "app = FastAPI()"]
    names = ["r0", "r1", "r2"]
    lines += [f"{n} = APIRouter()" for n in names]
    lines += [f"@{n}.get('/{n}')\ndef h_{n}():\n    return 1" for n in names]
    for a, b in [("r0", "r1"), ("r1", "r0"), ("r1", "r2"), ("r2", "r1"), ("r2", "r0"), ("r0", "r2")]:
        lines.append(f"{a}.include_router({b}, prefix='/{b}')")
    lines.append("app.include_router(r0, prefix='/api')")
    (tmp_path / "app.py").write_text("\n".join(lines) + "\n")
    done = subprocess.run([sys.executable, "-m", "backlint", "routes", "--format", "json", "."], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    paths = sorted(r["path"] for r in json.loads(done.stdout))
    # every router's routes once per way down from the app that visits no router twice
    assert paths == ["/api/r0", "/api/r1/r1", "/api/r1/r2/r2", "/api/r2/r1/r1", "/api/r2/r2"]
