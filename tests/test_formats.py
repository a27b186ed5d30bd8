"""GitLab Code Quality and JUnit output, report paths relative to the repository, --min-severity,
rule-docs-url in SARIF."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from backlint.cli import main

SCHEMA = Path(__file__).parent / "schemas" / "gitlab-code-quality.schema.json"
APP = "import requests\n\ndef a():\n    return requests.get('https://x.org')\n\ndef b():\n    return requests.get('https://x.org')\n"
SECRET = 'STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc" / "app").mkdir(parents=True)
    (tmp_path / "svc" / "app" / "client.py").write_text(APP)
    (tmp_path / "svc" / "app" / "keys.py").write_text(SECRET)
    (tmp_path / "svc" / "app" / "broken.py").write_text("def f(:\n")
    monkeypatch.chdir(tmp_path / "svc")  # a CI job with working-directory: svc
    return tmp_path


def _invoke(*args):
    return CliRunner().invoke(main, ["check", "--isolated", "--no-cache", *args])


def test_gitlab_report_is_valid_and_relative_to_the_repository(repo) -> None:
    result = _invoke("--format", "gitlab", "app")
    assert result.exit_code == 1, result.output
    issues = json.loads(result.output)
    jsonschema.validate(issues, json.loads(SCHEMA.read_text()))
    assert {i["location"]["path"] for i in issues} >= {"svc/app/client.py", "svc/app/keys.py"}
    assert len({i["fingerprint"] for i in issues}) == len(issues), "fingerprints are unique per issue"
    two = [i for i in issues if i["location"]["path"] == "svc/app/client.py"]
    assert [i["location"]["lines"]["begin"] for i in two] == [4, 7]
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in result.output
    severities = {i["check_name"].split()[0]: i["severity"] for i in issues}
    assert severities["BL401"] == "minor"


def test_sarif_paths_are_relative_to_the_repository_root(repo) -> None:
    result = _invoke("--format", "sarif", "app")
    log = json.loads(result.output)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "svc/app/client.py" in uris
    assert log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.as_uri() + "/"


def test_junit_report_parses_as_junit(repo, tmp_path) -> None:
    from junitparser import Error, Failure, JUnitXml

    out = tmp_path / "report.xml"
    result = _invoke("--format", "junit", "-o", str(out), "app")
    assert result.exit_code == 1, result.output
    xml = JUnitXml.fromfile(str(out))
    suites = {s.name: s for s in xml}
    cases = list(suites["BL401 missing-timeout"])
    assert [c.name for c in cases] == ["app/client.py:4:12", "app/client.py:7:12"]
    assert all(isinstance(c.result[0], Failure) for c in cases)
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in out.read_text()
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text("x = 1\n")
    out2 = tmp_path / "clean.xml"
    assert _invoke("--format", "junit", "-o", str(out2), str(clean)).exit_code == 0
    only = list(list(JUnitXml.fromfile(str(out2)))[0])
    assert len(only) == 1 and not only[0].result, "a clean run is one passing test case"


def test_min_severity(repo) -> None:
    everything = json.loads(_invoke("--format", "json", "app").output)["findings"]
    assert {f["severity"] for f in everything} >= {"warning", "error"}
    errors = _invoke("--format", "json", "--min-severity", "error", "app")
    kept = json.loads(errors.output)["findings"]
    assert kept and all(f["severity"] == "error" for f in kept)
    (repo / "svc" / "app" / "keys.py").unlink()
    (repo / "svc" / "app" / "broken.py").unlink()
    quiet = _invoke("--min-severity", "error", "app")
    assert quiet.exit_code == 0, "the exit code follows what is reported"


def test_rule_docs_url_becomes_sarif_help_uri(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.backlint]\nrule-docs-url = "https://docs.example.com/backlint/{code}.html"\n')
    (tmp_path / "a.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    log = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "sarif", "."]).output)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["BL401"]["helpUri"] == "https://docs.example.com/backlint/BL401.html"
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nrule-docs-url = "docs/{code}"\n')
    bad = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert bad.exit_code == 2 and "rule-docs-url" in bad.output


def test_text_modes_show_severity_frames_and_the_fix_counts(repo) -> None:
    text = _invoke("app").output
    assert "app/client.py:4:12: BL401 [missing-timeout] (warning) [*]" in text
    assert "app/keys.py:1:10: BL302 [hardcoded-secret] (error) Stripe" in text, text
    assert "(2 fixable with `backlint check --fix`)" in text
    concise = _invoke("--format", "concise", "app").output
    assert "app/client.py:4:12: BL401 `requests.get`" in concise and "[missing-timeout]" not in concise
    full = _invoke("--format", "full", "app").output
    assert "  4 |     return requests.get('https://x.org')\n" in full
    assert "    |            " + "^" * len("requests.get('https://x.org')") + "\n" in full
    assert "= fix: Add `timeout=10`" in full
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in full, "source frames never show a reported secret"


def test_unsafe_fixes_are_marked_apart_and_counted_apart() -> None:
    import io

    from backlint.findings import Edit, Finding, Fix, RunResult, Severity
    from backlint.reporters import text

    def finding(line, applicability):
        fix = Fix("Add `timeout=10`", applicability, (Edit(line, 1, line, 5, "x"),))
        return Finding("BL401", "missing-timeout", "missing-timeout", Severity.WARNING, "a.py", line, 1, line, 5,
                       "m", fix, "code")

    run = RunResult(findings=[finding(1, "safe"), finding(2, "unsafe"), finding(3, "unsafe")], files_checked=1)
    out = io.StringIO()
    text.render(run, out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("(warning) [*] m") and lines[1].endswith("(warning) [~] m")
    assert "(1 fixable with `backlint check --fix`; 2 more, marked [~], with `--unsafe-fixes`)" in lines[-1]
    out = io.StringIO()
    text.render(run, out, unsafe_fixes=True)
    assert "[~]" not in out.getvalue()
    assert "(3 fixable with `backlint check --fix --unsafe-fixes`)" in out.getvalue()
