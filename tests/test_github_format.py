"""`--format github`: GitHub Actions workflow-command annotations, escaped as the runner expects."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.cli import main
from backlint.findings import Finding, InternalError, RunResult, Severity
from backlint.reporters import github


def invoke(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def _finding(message="msg", severity=Severity.WARNING, path="app/x.py", code="BL401", name="missing-timeout",
             category="missing-timeout", snippet="") -> Finding:
    return Finding(code, name, category, severity, path, 3, 5, 4, 9, message, None, snippet)


def render(*findings: Finding, errors=()) -> str:
    out = io.StringIO()
    github.render(RunResult(findings=list(findings), errors=list(errors)), out)
    return out.getvalue()


def test_escaping_rules():
    assert github.escape_data("100% a,b: c\r\nd") == "100%25 a,b: c%0D%0Ad"
    assert github.escape_property("100% a,b: c\r\nd") == "100%25 a%2Cb%3A c%0D%0Ad"
    assert github.escape_data("%0A") == "%250A", "an existing escape is escaped again, not passed through"


def test_annotation_line():
    line = render(_finding("`requests.get` has no timeout: pass `timeout=10`"))
    assert line == (
        "::warning file=app/x.py,line=3,col=5,endLine=4,endColumn=9,title=BL401 missing-timeout::"
        "`requests.get` has no timeout: pass `timeout=10`\n"
    )


def test_message_and_property_escaping():
    out = render(_finding("a, b: 50%\nsecond line\r", path="odd,dir/a:b%.py"))
    assert out.count("\n") == 1, "one annotation is one line"
    head, _, message = out.rstrip("\n").partition("::warning ")[2].partition("::")
    assert message == "a, b: 50%25\\nsecond line\\r", "newlines from the code are shown, not kept"
    assert head.startswith("file=odd%2Cdir/a%3Ab%25.py,line=3,")


@pytest.mark.parametrize("severity,command", [
    (Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.NOTE, "notice"),
])
def test_severity_maps_to_command(severity, command):
    assert render(_finding(severity=severity)).startswith(f"::{command} file=")


def test_internal_errors_are_annotated():
    out = render(errors=[InternalError("app/x.py", "boom, bang: 1", rule="BL401"),
                         InternalError("<project>", "late")])
    first, second = out.splitlines()
    assert first == "::error file=app/x.py,title=backlint internal-error in BL401::app/x.py: internal-error: rule BL401 boom, bang: 1"
    assert second.startswith("::error title=backlint internal-error::")


def test_secret_values_are_redacted():
    secret = "ghp_abcdefghijklmnopqrstuvwx"
    line = f'TOKEN = "{secret}"'
    finding = Finding("BL399", "hardcoded-secret", "hardcoded-secret", Severity.ERROR, "s.py", 1, 9, 1,
                      9 + len(secret) + 2, f"token {secret} in source", None, line)
    out = render(finding)
    assert secret not in out and "ghp…" in out


def test_cli(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("import requests\n\nrequests.get(URL)\n", encoding="utf-8")
    result = invoke("check", "--isolated", "--no-cache", "--format", "github", "app.py")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=app.py,line=3,col=1,endLine=3,endColumn=18,title=BL401 missing-timeout::")


def test_output_format_from_config(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\noutput-format = "github"\n', encoding="utf-8")
    (tmp_path / "app.py").write_text("import requests\n\nrequests.get(URL)\n", encoding="utf-8")
    result = invoke("check", "--no-cache", "app.py")
    assert result.exit_code == 1
    assert result.stdout.startswith("::warning file=app.py,")
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\noutput-format = "sarif"\n', encoding="utf-8")
    assert invoke("check", "--no-cache", "app.py").stdout.lstrip().startswith("{")
