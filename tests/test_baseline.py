"""Baselines: record today's findings, then fail only on new ones."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.baseline import Baseline, BaselineError, dumps, fingerprints, normalise_source
from backlint.cli import main
from backlint.findings import Finding, Severity

OLD = """\
import requests


def rates(url):
    return requests.get(url).json()


def send(url, body):
    return requests.post(url, json=body)
"""


def invoke(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def check(*args: str):
    return invoke("check", "--isolated", "--no-cache", "-j", "1", *args)


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(OLD, encoding="utf-8")
    return tmp_path


def finding_lines(output: str):
    return [line for line in output.splitlines() if ": BL" in line]


def test_round_trip(project: Path):
    written = check("--write-baseline", "backlint-baseline.json", ".")
    assert written.exit_code == 0, written.stderr
    assert "recorded 2 findings" in written.stderr
    assert written.stdout == ""

    clean = check("--baseline", "backlint-baseline.json", ".")
    assert clean.exit_code == 0
    assert finding_lines(clean.stdout) == []
    assert "2 findings baselined, 0 new; 0 baseline entries no longer match" in clean.stderr

    # a new finding, and lines inserted above the old ones: only the new one is reported
    app = project / "app.py"
    app.write_text("import os\n\nTIMEOUT = 3\n" + OLD + "\n\ndef ping(url):\n    return requests.head(url)\n",
                   encoding="utf-8")
    new = check("--baseline", "backlint-baseline.json", ".")
    assert new.exit_code == 1
    (line,) = finding_lines(new.stdout)
    assert line.startswith("app.py:16:12: BL401") and "requests.head" in line
    assert "2 findings baselined, 1 new" in new.stderr

    # fix one old finding (and drop the new one): nothing to report, one stale entry
    app.write_text(OLD.replace("requests.get(url)", "requests.get(url, timeout=5)"), encoding="utf-8")
    fixed = check("--baseline", "backlint-baseline.json", ".")
    assert fixed.exit_code == 0
    assert finding_lines(fixed.stdout) == []
    assert "1 finding baselined, 0 new; 1 baseline entry no longer matches (fixed or changed)" in fixed.stderr
    assert "--write-baseline backlint-baseline.json" in fixed.stderr


def test_file_is_sorted_stable_and_one_entry_per_line(project: Path):
    (project / "pkg").mkdir()
    (project / "pkg" / "b.py").write_text(OLD, encoding="utf-8")
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    first = (project / "bl.json").read_bytes()
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    assert (project / "bl.json").read_bytes() == first, "rewriting an unchanged tree changes nothing"
    data = json.loads(first)
    assert data["version"] == 1
    entries = data["findings"]
    assert len(entries) == 4
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["hash"], e["occurrence"]))
    assert {e["path"] for e in entries} == {"app.py", "pkg/b.py"}
    assert set(entries[0]) == {"path", "rule", "hash", "occurrence"}
    lines = first.decode("utf-8").splitlines()
    assert sum(1 for line in lines if line.strip().startswith('{"path"')) == 4, "one entry per line"
    # inserting lines above does not change the file
    (project / "app.py").write_text("\n\n# moved\n" + OLD, encoding="utf-8")
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    assert (project / "bl.json").read_bytes() == first


def test_results_cache_does_not_change_fingerprints(project: Path):
    """A second run answered from the cache must produce the same baseline."""
    args = ("check", "--isolated", "-j", "1", "--write-baseline", "bl.json", ".")
    assert invoke(*args).exit_code == 0
    first = (project / "bl.json").read_bytes()
    assert invoke(*args).exit_code == 0
    assert (project / "bl.json").read_bytes() == first


def test_identical_findings_are_counted(project: Path):
    body = "import requests\n\n\ndef f(url):\n" + "    requests.get(url)\n" * 3
    (project / "app.py").write_text(body, encoding="utf-8")
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    occurrences = sorted(e["occurrence"] for e in json.loads((project / "bl.json").read_text())["findings"])
    assert occurrences == [0, 1, 2]
    (project / "app.py").write_text(body + "    requests.get(url)\n", encoding="utf-8")
    more = check("--baseline", "bl.json", ".")
    assert more.exit_code == 1 and len(finding_lines(more.stdout)) == 1
    (project / "app.py").write_text(body.replace("    requests.get(url)\n", "", 1), encoding="utf-8")
    fewer = check("--baseline", "bl.json", ".")
    assert fewer.exit_code == 0 and "1 baseline entry no longer matches" in fewer.stderr


def test_configured_baseline_is_relative_to_the_config_file(project: Path, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.backlint]\nbaseline = "ci/baseline.json"\n', encoding="utf-8")
    (project / "ci").mkdir()
    (project / "pkg").mkdir()
    (project / "pkg" / "mod.py").write_text(OLD, encoding="utf-8")
    wrote = invoke("check", "--no-cache", "--write-baseline", "ci/baseline.json", ".")
    assert wrote.exit_code == 0
    paths = {e["path"] for e in json.loads((project / "ci" / "baseline.json").read_text())["findings"]}
    assert paths == {"../app.py", "../pkg/mod.py"}, "paths are relative to the baseline file"

    assert invoke("check", "--no-cache", ".").exit_code == 0, "the configured baseline applies"
    monkeypatch.chdir(project / "pkg")
    from_subdir = invoke("check", "--no-cache", ".")
    assert from_subdir.exit_code == 0, from_subdir.stdout
    everything = invoke("check", "--no-cache", "--no-baseline", ".")
    assert everything.exit_code == 1 and len(finding_lines(everything.stdout)) == 2


@pytest.mark.parametrize("content,problem", [
    ("not json", "invalid JSON"),
    ('{"version": 99, "findings": []}', "version 99 is not supported"),
    ('{"findings": []}', "not a backlint baseline"),
    ('{"version": 1, "findings": [{"path": "a.py"}]}', "entry 1"),
])
def test_bad_baseline_files(project: Path, content: str, problem: str):
    (project / "bl.json").write_text(content, encoding="utf-8")
    result = check("--baseline", "bl.json", ".")
    assert result.exit_code == 2
    assert problem in result.stderr and "Traceback" not in result.stderr


def test_usage_errors(project: Path):
    missing = check("--baseline", "nope.json", ".")
    assert missing.exit_code == 2 and "--write-baseline nope.json" in missing.stderr
    assert check("--write-baseline", "a.json", "--since", "HEAD", ".").exit_code == 2
    assert check("--baseline", "a.json", "--no-baseline", ".").exit_code == 2
    (project / "pyproject.toml").write_text("[tool.backlint]\nbaseline = 3\n", encoding="utf-8")
    bad = invoke("check", "--no-cache", ".")
    assert bad.exit_code == 2 and "'baseline' must be a path string" in bad.stderr


def test_sarif_marks_new_results(project: Path):
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    (project / "app.py").write_text(OLD + "\n\ndef ping(url):\n    return requests.head(url)\n", encoding="utf-8")
    result = check("--baseline", "bl.json", "--format", "sarif", ".")
    assert result.exit_code == 1
    run = json.loads(result.stdout)["runs"][0]
    (res,) = run["results"]
    assert res["baselineState"] == "new"
    assert run["properties"]["baseline"] == {"baselined": 2, "stale": 0}


# -- the fingerprint itself ------------------------------------------------------------------

def _f(snippet: str, line: int = 3, category: str = "missing-timeout", col: int = 1, end_col: int = 0) -> Finding:
    return Finding("BL401", "missing-timeout", category, Severity.WARNING, "a.py", line, col, line,
                   end_col or len(snippet) + 1, "m", None, snippet)


def test_whitespace_is_normalised():
    a, b = fingerprints([_f("    requests.get(url,  data)"), _f("requests.get(\n    url, data\n)", line=9)])
    assert a.hash == b.hash and (a.occurrence, b.occurrence) == (0, 1)
    assert fingerprints([_f("requests.get(url)")])[0].hash != fingerprints([_f("requests.get(uri)")])[0].hash


def test_secret_values_do_not_enter_fingerprints(tmp_path: Path):
    def secret(value: str) -> Finding:
        line = f'API_KEY = "{value}"'
        return _f(line, category="hardcoded-secret", col=11, end_col=len(line) + 1)

    one, two = secret("sk_live_aaaaaaaaaaaaaaaa"), secret("sk_live_bbbbbbbbbbbbbbbb")
    assert "sk_live" not in normalise_source(one)
    assert fingerprints([one])[0] == fingerprints([two])[0]
    text = dumps([one], str(tmp_path))
    assert "sk_live" not in text


def test_loaded_baseline_matches_what_was_dumped(tmp_path: Path):
    findings = [_f("requests.get(url)"), _f("requests.get(url)", line=8), _f("requests.post(url)", line=12)]
    path = tmp_path / "b.json"
    path.write_text(dumps(findings, str(tmp_path)), encoding="utf-8")
    # finding paths are relative to the working directory; the baseline's are relative to its file
    baseline = Baseline.load(str(path))
    match = baseline.match([])
    assert match.baselined == 0 and len(match.stale) == 3
    with pytest.raises(BaselineError):
        Baseline.load(str(tmp_path / "missing.json"))


def test_stale_counts_only_what_the_run_looked_at(project: Path):
    (project / "other.py").write_text(OLD, encoding="utf-8")
    assert check("--write-baseline", "bl.json", ".").exit_code == 0
    # pre-commit passes a few file names: entries of the other files are not stale
    one = check("--baseline", "bl.json", "app.py")
    assert one.exit_code == 0 and "2 findings baselined, 0 new; 0 baseline entries" in one.stderr
    # neither are entries of rules this run did not select
    narrow = check("--baseline", "bl.json", "--select", "BL001", ".")
    assert narrow.exit_code == 0 and "0 baseline entries" in narrow.stderr
    # a deleted file's entries are
    (project / "other.py").unlink()
    gone = check("--baseline", "bl.json", "app.py")
    assert "2 baseline entries no longer match" in gone.stderr


def test_secret_guard():
    from backlint.baseline import SecretGuard

    line = 'client = Client(token="tok_0123456789abcdef")'
    start = line.index('"') + 1
    on_literal = _f(line, category="hardcoded-secret", col=start, end_col=start + len('"tok_0123456789abcdef"'))
    other = _f('requests.get("https://example.org/api")')
    guard = SecretGuard([on_literal, other])
    assert guard.secrets == ["tok_0123456789abcdef"], "only hardcoded-secret findings count"
    assert guard.leaks(line, "a.py") and not guard.leaks('os.environ["TOKEN"]', "a.py")
    assert not guard.leaks(line, "other.py"), "a fix in another file cannot carry this file's secret"
    assert guard.redact("found tok_0123456789abcdef here", on_literal) == "found tok… here"
    assert guard.redact("found tok_0123456789abcdef here", other) == "found tok_0123456789abcdef here", \
        "a message is redacted only with the secrets of its own finding"
    assert guard.redact_in("a.py: tok_0123456789abcdef", "a.py") == "a.py: tok…"
    # a finding on a name, not a literal, hides nothing (and so never masks ordinary code)
    on_name = _f("TOKEN = get()", category="hardcoded-secret", col=1, end_col=6)
    assert not SecretGuard([on_name])
