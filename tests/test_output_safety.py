"""Text from the linted code (route paths, names, secrets' prefixes, file names) can neither act
on a terminal or CI log nor hide: every human-readable output shows its control characters and
line separators as escapes; JSON and SARIF keep standard JSON escaping (issue #23 item 1)."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backlint.findings import Finding, InternalError, RunResult, Severity
from backlint.reporters import github, sarif, text
from backlint.reporters import json as json_reporter
from backlint.reporters._safe import visible

# each hostile piece and how it must be shown
HOSTILE = {
    "\x1b]0;TITLE\x07": "\\x1b]0;TITLE\\x07",  # OSC: re-titles the terminal
    "\x1b[2J": "\\x1b[2J",  # clears the screen
    "\n::error file=README.md,line=1::forged": "\\n::error file=README.md,line=1::forged",
    "\r": "\\r",
    "\x00": "\\x00",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "\x85": "\\x85",
    "\x0b": "\\x0b",
    "\x0c": "\\x0c",
    "\u202e": "\\u202e",  # right-to-left override
}
EVIL = "".join(HOSTILE)
# what may never reach a terminal from the code: C0 (but TAB), DEL, C1, line separators
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _run() -> RunResult:
    finding = Finding("BL101", "verb-in-route-path", "api-design", Severity.WARNING, f"app/{EVIL}.py",
                      3, 5, 3, 9, f"`GET /get-users/{EVIL}`: name the resource", None, "x")
    run = RunResult(findings=[finding], errors=[InternalError(f"bad{EVIL}.py", f"cannot read file: {EVIL}")])
    run.files_checked = 1
    return run


def _assert_safe(output: str, lines: int) -> None:
    assert RAW.search(output) is None, repr(RAW.search(output).group(0))
    assert output.count("\n") == lines, "no code-derived text starts a line of its own"
    for shown in HOSTILE.values():
        assert shown in output, f"{shown} is still visible"


def test_visible_escapes_only_what_is_unsafe():
    assert visible("plain `text` with tabs\tand ümlauts €") == "plain `text` with tabs\tand ümlauts €"
    for raw, shown in HOSTILE.items():
        assert visible(raw) == shown
    assert visible("a\tb", tabs=True) == "a\\tb"


def test_text_report():
    out = io.StringIO()
    text.render(_run(), out)
    _assert_safe(out.getvalue(), lines=2)  # the finding and the summary
    out = io.StringIO()
    text.render(_run(), out, color=True)
    colored = out.getvalue()
    assert "\x1b[1m" in colored, "our own colours are still ours"
    assert RAW.sub("", re.sub(r"\x1b\[[0-9;]*m", "", colored)) == re.sub(r"\x1b\[[0-9;]*m", "", colored)


def test_github_report():
    out = io.StringIO()
    github.render(_run(), out)
    value = out.getvalue()
    _assert_safe(value, lines=2)  # one annotation per finding and per error
    assert all(line.startswith(("::warning ", "::error ")) for line in value.splitlines())


@pytest.mark.parametrize("render", [json_reporter.render, lambda run, out: sarif.render(run, out, rules=[])])
def test_json_and_sarif_keep_standard_escaping(render):
    out = io.StringIO()
    render(_run(), out)
    value = out.getvalue()
    assert "\x1b" not in value and "\x00" not in value and "\r" not in value
    assert any(EVIL in s for s in _strings(json.loads(value))), "the strings round-trip unchanged"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _cli(*args: str, cwd: Path):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "backlint", *args], cwd=cwd, capture_output=True,
                          env=env, timeout=120)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_cli_output_and_stderr_from_a_hostile_repository(tmp_path: Path, fmt: str):
    # a route path full of escapes, in a file whose own name holds a newline and a workflow command
    path = '"""/get-users/' + EVIL.replace("\x00", "").replace("\r", "") + '"""'
    source = f"from fastapi import FastAPI\napp = FastAPI()\n\n@app.get({path})\ndef users():\n    return []\n"
    name = "v\n::error file=README.md::forged\x1b[2J.py"
    (tmp_path / name).write_text(source, encoding="utf-8")
    (tmp_path / "huge.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nmax-file-size = 1000\n", encoding="utf-8")
    missing = "gone\x1b]0;T\x07\n::error::x.py"
    result = _cli("check", "--no-cache", "--select", "BL101", "--format", fmt, ".", missing, cwd=tmp_path)
    assert result.returncode == 2, result.stderr  # the missing path is an error
    out = result.stdout.decode("utf-8")
    err = result.stderr.decode("utf-8")
    for stream in (out, err):
        assert RAW.search(stream) is None, repr(stream)
        assert not any(line.startswith("::error file=README.md") for line in stream.splitlines())
        assert not any(line.startswith("::error::x.py") for line in stream.splitlines())
    assert "BL101" in out and "\\x1b]0;TITLE\\x07" in out and "\\u2028" in out
    assert "v\\n" in out and "forged\\x1b[2J.py" in out, "the file name is shown escaped"
    assert "gone\\x1b]0;T\\x07\\n::error::x.py" in err, "a path in a stderr diagnostic is shown escaped"
    assert "huge.py" in err and "skipped" in err


def test_routes_table(tmp_path: Path):
    path = '"""/items/' + EVIL.replace("\x00", "").replace("\r", "") + '"""'
    (tmp_path / "app.py").write_text(
        f"from fastapi import FastAPI\napp = FastAPI()\n\n@app.get({path})\ndef items():\n    return []\n",
        encoding="utf-8")
    result = _cli("routes", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert RAW.search(out) is None
    assert "/items/\\x1b]0;TITLE\\x07" in out and "\\n::error file=README.md" in out
