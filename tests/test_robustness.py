"""Bad input never crashes backlint, nothing is lost, nothing is executed (issue #9)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.cli import main

from conftest import FIXTURES, lint_source

BAD = "import requests\nrequests.get('https://x')\n"


def check_json(*args, cwd=None):
    result = subprocess.run([sys.executable, "-m", "backlint", "check", "--format", "json", "--no-cache", *args],
                            capture_output=True, cwd=cwd)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result.returncode, json.loads(result.stdout or b"{}"), result.stderr.decode()


# -- files that do not parse ------------------------------------------------------------------

SYNTAX_ERRORS = {
    "unclosed bracket": ("x = [1, 2\ny = 3\n", 1),
    "bad indentation": ("def f():\nreturn 1\n", 2),
    "unexpected indent": ("x = 1\n    y = 2\n", 2),
    "python 2 print": ("print 'hello'\n", 1),
    "python 2 raise": ("def f():\n    raise ValueError, 'bad'\n", 2),
    "python 2 octal": ("mode = 0755\n", 1),
    "unfinished def": ("def handler(request", 1),
    "unfinished string": ("x = 'abc\n", 1),
    "invalid character": ("x = 1 € 2\n", 1),
    "walrus at statement level": ("x := 1\n", 1),
    "too many nested parentheses": ("x = " + "(" * 2000 + "1" + ")" * 2000 + "\n", 1),
    "deeply nested calls": ("x = " + "f(" * 1000 + "1" + ")" * 1000 + "\n", 1),
    "too many indentation levels": ("".join("    " * i + "if x:\n" for i in range(101)) + "    " * 101 + "pass\n", None),
}


@pytest.mark.parametrize("name", list(SYNTAX_ERRORS))
def test_syntax_errors_are_bl000_with_position(tmp_path, name):
    source, line = SYNTAX_ERRORS[name]
    (tmp_path / "broken.py").write_text(source, encoding="utf-8")
    (tmp_path / "fine.py").write_text(BAD)
    code, data, _ = check_json("-j", "2", ".", cwd=tmp_path)
    assert code == 1 and data["errors"] == []
    findings = {(f["path"], f["code"]): f for f in data["findings"]}
    parse_error = findings[("broken.py", "BL000")]
    if line is not None:
        assert parse_error["start_line"] == line
    assert parse_error["start_column"] >= 1
    assert ("fine.py", "BL401") in findings  # the other file is still checked


def test_newer_grammar_is_checked_or_reported_never_a_crash():
    for source in ("type Vector = list[float]\n", "def f[T](x: T) -> T:\n    return x\n",
                   "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", "x = t'{a}'\n"):
        result = lint_source(source, ["ALL"])
        assert result.errors == []
        assert all(f.code == "BL000" for f in result.findings)


# -- bytes ----------------------------------------------------------------------------------------

def _bad_at_line_3(newline: str) -> bytes:
    return newline.join(["import requests", "", "requests.get('https://x')", ""]).encode()


BYTES = {
    "utf-8 with BOM": (b"\xef\xbb\xbf" + _bad_at_line_3("\n"), 3),
    "latin-1 cookie": ("# -*- coding: latin-1 -*-\nimport requests\nname = 'caf\xe9'\nrequests.get(name)\n".encode("latin-1"), 4),
    "cp1252 cookie": ("# coding: cp1252\nimport requests\nq = '\u201cquoted\u201d'\nrequests.get(q)\n".encode("cp1252"), 4),
    "CRLF": (_bad_at_line_3("\r\n"), 3),
    "lone CR": (_bad_at_line_3("\r"), 3),
    "form feed": (b"import requests\n\x0c\nrequests.get('https://x')\n", 3),
    "tabs and spaces": (b"import requests\nif True:\n\tx = 1\n\tif x:\n\t    requests.get('https://x')\n", 5),
    "no trailing newline": (b"import requests\n\nrequests.get('https://x')", 3),
    "empty file": (b"", None),
    "only comments": (b"# nothing here\n# backlint: ignore[BL401]\n", None),
    "only a BOM": (b"\xef\xbb\xbf", None),
}


@pytest.mark.parametrize("name", list(BYTES))
def test_odd_bytes_are_checked_with_right_positions(tmp_path, name):
    data, line = BYTES[name]
    (tmp_path / "odd.py").write_bytes(data)
    code, result, _ = check_json("--select", "BL401,BL000", "odd.py", cwd=tmp_path)
    assert result["errors"] == []
    got = [(f["code"], f["start_line"]) for f in result["findings"]]
    assert got == ([("BL401", line)] if line else [])


@pytest.mark.parametrize("data,why", [
    (b"x = '\xff\xfe'\n", "cannot decode file as utf-8"),
    (b"x = 1\x00\ny = 2\n", "NUL byte"),
    (b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding"),
])
def test_undecodable_files_are_bl000(tmp_path, data, why):
    (tmp_path / "odd.py").write_bytes(data)
    code, result, _ = check_json("odd.py", cwd=tmp_path)
    assert code == 1 and result["errors"] == []
    (finding,) = result["findings"]
    assert finding["code"] == "BL000" and why in finding["message"]


# -- size and depth -------------------------------------------------------------------------------

def test_large_inputs_finish(tmp_path):
    (tmp_path / "big_list.py").write_text("x = [" + ", ".join(str(i) for i in range(50_000)) + "]\n")
    (tmp_path / "long_line.py").write_text("x = '" + "a" * 1_000_000 + "'\nimport requests\nrequests.get(x)\n")
    code, result, _ = check_json("-j", "2", ".", cwd=tmp_path)
    assert result["errors"] == [] and result["skipped"] == []
    assert [(f["path"], f["start_line"]) for f in result["findings"]] == [("long_line.py", 3)]


def test_files_over_the_size_limit_are_skipped_with_a_warning(tmp_path):
    line = "value_%d = 'generated data generated data generated data'\n"
    (tmp_path / "generated.py").write_text("".join(line % i for i in range(170_000)))  # ~10 MB
    (tmp_path / "fine.py").write_text(BAD)
    code, result, stderr = check_json("-j", "2", ".", cwd=tmp_path)
    assert code == 2  # a skipped file never lets a run pass (issue #24 item 1)
    assert result["skipped"] == [{"path": "generated.py", "reason": result["skipped"][0]["reason"]}]
    assert "over max-file-size (2.0 MiB" in stderr
    assert [f["path"] for f in result["findings"]] == ["fine.py"]


def test_max_file_size_is_configurable(tmp_path):
    (tmp_path / "fine.py").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nmax-file-size = 10\n")
    code, result, _ = check_json("--skipped-ok", "fine.py", cwd=tmp_path)
    assert code == 0 and result["skipped"][0]["path"] == "fine.py"
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nmax-file-size = 100000\n")
    code, result, _ = check_json("fine.py", cwd=tmp_path)
    assert code == 1 and result["skipped"] == []
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nmax-file-size = '1MB'\n")
    bad = subprocess.run([sys.executable, "-m", "backlint", "check", "fine.py"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 2 and "'max-file-size' must be a positive whole number of bytes" in bad.stderr


def test_a_file_that_takes_too_long_is_skipped_and_the_run_goes_on(tmp_path):
    # libcst's parse time grows steeply with the length of a subscript chain; each one here is
    # under the depth guard's limit (shape.py), together they take far longer than the timeout
    (tmp_path / "slow.py").write_text("".join(f"x{i} = a" + "[0]" * 450 + "\n" for i in range(60)))
    (tmp_path / "fine.py").write_text(BAD)
    # the deadline includes a fresh worker's start (importing libcst), seconds on a loaded machine
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nfile-timeout = 5\n")
    start = time.monotonic()
    code, result, stderr = check_json("-j", "2", ".", cwd=tmp_path)
    assert time.monotonic() - start < 30
    assert code == 2 and result["errors"] == []  # skipped: the run fails unless --skipped-ok
    assert result["skipped"] == [{"path": "slow.py", "reason": "skipped: checking took longer than file-timeout (5 s)"}]
    assert [f["path"] for f in result["findings"]] == ["fine.py"]


def test_a_crashing_worker_loses_only_its_file(tmp_path, monkeypatch):
    import backlint.engine as engine
    from backlint.runner import check

    from conftest import make_settings

    real = engine.check_chunk

    def crash_on_poison(args):
        if any(p.endswith("poison.py") for p in args[0]):
            os._exit(139)  # what a segfault in native code looks like to the parent
        return real(args)

    monkeypatch.setattr(engine, "check_chunk", crash_on_poison)
    monkeypatch.chdir(tmp_path)
    for name in ("a.py", "poison.py", "z.py"):
        (tmp_path / name).write_text(BAD)
    run = check(["."], make_settings(["ALL"]), jobs=2)
    assert [f.path for f in run.findings] == ["a.py", "z.py"]
    (error,) = run.errors
    assert error.path == "poison.py" and "died (exit code 139)" in error.message


# -- the file system -----------------------------------------------------------------------------

def test_file_deleted_between_discovery_and_reading(tmp_path, monkeypatch):
    from backlint import discovery

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    real = discovery.Discovery.files

    def files_then_vanish(self, paths):
        found, problems = real(self, paths)
        return found + [str(tmp_path / "gone.py")], problems

    monkeypatch.setattr(discovery.Discovery, "files", files_then_vanish)
    result = CliRunner().invoke(main, ["check", "-j", "1", "--no-cache", "."])
    assert result.exit_code == 2
    assert "gone.py: io-error: cannot read file: No such file or directory" in result.output
    assert "a.py:2:1: BL401" in result.output


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    (tmp_path / "secret.py").write_text(BAD)
    (tmp_path / "secret.py").chmod(0)
    (tmp_path / "a.py").write_text(BAD)
    code, result, _ = check_json(".", cwd=tmp_path)
    assert code == 2 and result["errors"][0]["kind"] == "io-error"
    assert [f["path"] for f in result["findings"]] == ["a.py"]


def test_odd_path_names(tmp_path):
    names = ["with space.py", "caf\u00e9_\u65e5\u672c.py", "semi;colon $(x) `y` 'q'.py", "hash#percent%.py"]
    for name in names:
        (tmp_path / name).write_text(BAD)
    code, result, _ = check_json(".", cwd=tmp_path)
    assert sorted(f["path"] for f in result["findings"]) == sorted(names)
    text = subprocess.run([sys.executable, "-m", "backlint", "check", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True)
    for name in names:
        assert f"{name}:2:1: BL401" in text.stdout


# -- guarantees -----------------------------------------------------------------------------------

def test_output_is_identical_across_runs_and_job_counts(tmp_path):
    outputs = set()
    for jobs in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "backlint", "check", "--select", "ALL", "--no-cache", "--format", "json",
             "-j", jobs, str(FIXTURES)], capture_output=True, cwd=tmp_path)
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_interrupted_fix_leaves_every_file_old_or_new(tmp_path):
    old = ("import requests\n\n\ndef f(url):\n    return requests.get(url)\n" * 40)
    new = old.replace("get(url)", "get(url, timeout=10)")
    for i in range(150):
        (tmp_path / f"m{i:03}.py").write_text(old)
    proc = subprocess.Popen([sys.executable, "-m", "backlint", "check", "--fix", "-j", "2", "."], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    contents = {p.read_text() for p in tmp_path.glob("m*.py")}
    assert contents <= {old, new}
    # temporary files of an interrupted write may remain (named .backlint-*.tmp), never a torn file


# -- fuzzing --------------------------------------------------------------------------------------

FUZZ_CASES = int(os.environ.get("BACKLINT_FUZZ", "15"))


def _mutations(data: bytes, rng: random.Random):
    yield data[: rng.randrange(len(data) + 1)]  # truncation
    flipped = bytearray(data)
    for _ in range(3):
        if flipped:
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield bytes(flipped)
    lines = data.split(b"\n")
    rng.shuffle(lines)
    yield b"\n".join(lines)


def test_mutated_fixtures_never_crash():
    from backlint.engine import Linter

    from conftest import make_settings

    linter = Linter(make_settings(["ALL"]))
    rng = random.Random(1234)
    sources = sorted(FIXTURES.rglob("*.py"))
    count = 0
    for _ in range(max(1, FUZZ_CASES // 5)):
        for path in sources:
            for mutated in _mutations(path.read_bytes(), rng):
                result = linter.check_source("fuzz.py", mutated)
                assert result.errors == [], (path, result.errors)
                count += 1
    assert count >= len(sources) * 3


hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")


@hypothesis.settings(max_examples=FUZZ_CASES, deadline=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
@hypothesis.given(hypothesmith.from_grammar())
def test_generated_programs_never_crash(source):
    result = lint_source(source, ["ALL"])
    assert result.errors == []


def test_long_implicit_string_concatenation_in_process():
    """libcst nests "a" "b" "c"... one level per piece; generated modules (the stdlib's
    pydoc_data/topics.py) have thousands. Found by the large-corpus run: a rule recursed once per
    piece (RecursionError in-process, quadratic time in workers)."""
    pieces = "\n".join(f"    'piece {i} of a long generated text '" for i in range(5000))
    source = f"API_TOKEN = (\n{pieces}\n)\nTOPICS = {{'x': (\n{pieces}\n)}}\n"
    start = time.monotonic()
    result = lint_source(source, ["ALL"])
    assert result.errors == []
    assert time.monotonic() - start < 30
