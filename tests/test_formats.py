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
