"""The command line as a user meets it: exit codes, formats, options, diagnostics."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.cli import main

BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"
GOOD = "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=5)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "client.py").write_text(BAD)
    (tmp_path / "app" / "ok.py").write_text(GOOD)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_exit_codes_and_text_format(project):
    result = invoke("check", "app")
    assert result.exit_code == 1
    assert "app/client.py:5:12: BL401 [missing-timeout] (warning) [*] `requests.get` is called without a timeout" in result.output
    assert "Found 1 finding in 2 files checked (1 fixable with `backlint check --fix`)." in result.output
    assert invoke("check", "app/ok.py").exit_code == 0
    assert "All checks passed (1 file checked)." in invoke("check", "app/ok.py").output


def test_default_path_is_current_directory(project):
    result = invoke("check")
    assert result.exit_code == 1 and "app/client.py" in result.output


def test_exit_zero(project):
    assert invoke("check", "--exit-zero", "app").exit_code == 0


def test_quiet_and_statistics(project):
    quiet = invoke("check", "-q", "app")
    assert quiet.output.strip().splitlines() == [quiet.output.strip()]  # one finding line, no summary
    stats = invoke("check", "--statistics", "app")
    assert "1  BL401  missing-timeout [*]" in stats.output
    assert "app/client.py:5" not in stats.output


def test_json_format_schema(project):
    result = invoke("check", "--format", "json", "app")
    data = json.loads(result.output)
    assert data["version"] == 1 and data["tool"]["name"] == "backlint"
    assert data["summary"] == {"files_checked": 2, "findings": 1, "errors": 0, "fixes_applied": 0, "files_skipped": 0}
    assert data["skipped"] == [] and data["errors"] == []
    (finding,) = data["findings"]
    assert finding["code"] == "BL401" and finding["name"] == "missing-timeout"
    assert finding["category"] == "missing-timeout" and finding["severity"] == "warning"
    assert (finding["path"], finding["start_line"], finding["start_column"]) == ("app/client.py", 5, 12)
    assert (finding["end_line"], finding["end_column"]) == (5, 29)
    assert finding["fix"]["edits"][0]["text"] == "requests.get(url, timeout=10)"


def test_output_file(project):
    result = invoke("check", "--format", "json", "-o", "report.json", "app")
    assert result.exit_code == 1
    # the report is in the file; the log gets a one-line summary (on stderr), nothing else
    assert result.output.startswith("backlint: Found 1 finding") and result.output.count("\n") == 1
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 1


def test_select_ignore_extend_select(project):
    assert invoke("check", "--ignore", "BL401", "app").exit_code == 0
    assert invoke("check", "--ignore", "missing-timeout", "app").exit_code == 0
    assert invoke("check", "--select", "BL0", "app").exit_code == 0
    assert invoke("check", "--select", "BL0", "--extend-select", "BL4", "app").exit_code == 1
    assert invoke("check", "--select", "BL000,BL401", "app").exit_code == 1


def test_unknown_rule_on_command_line_is_exit_2_with_suggestion(project):
    result = CliRunner().invoke(main, ["check", "--select", "BL41", "app"])
    assert result.exit_code == 2
    assert "unknown rule 'BL41'" in result.output
    result = CliRunner().invoke(main, ["check", "--ignore", "missing-timout", "app"])
    assert result.exit_code == 2 and "did you mean 'missing-timeout'" in result.output


def test_fix_rewrites_and_diff_does_not(project):
    before = (project / "app" / "client.py").read_bytes()
    diff = invoke("check", "--diff", "app")
    assert diff.exit_code == 1
    assert "+    return requests.get(url, timeout=10)" in diff.output
    assert (project / "app" / "client.py").read_bytes() == before
    fixed = invoke("check", "--fix", "app")
    assert fixed.exit_code == 0, fixed.output
    assert "Fixed 1 finding in 1 file." in fixed.output
    assert (project / "app" / "client.py").read_text() == BAD.replace("get(url)", "get(url, timeout=10)")


def test_fix_uses_configured_default(project):
    (project / "pyproject.toml").write_text("[tool.backlint.missing-timeout]\ndefault = 2.5\n")
    invoke("check", "--fix", "app")
    assert "requests.get(url, timeout=2.5)" in (project / "app" / "client.py").read_text()


def test_fix_and_diff_together_is_a_usage_error(project):
    assert CliRunner().invoke(main, ["check", "--fix", "--diff", "app"]).exit_code == 2


def test_missing_path_is_exit_2(project):
    result = CliRunner().invoke(main, ["check", "nope.py"])
    assert result.exit_code == 2 and "nope.py: io-error: no such file or directory" in result.output


def test_parse_error_reported_and_other_files_checked(project):
    (project / "app" / "broken.py").write_text("def f(:\n    pass\n")
    result = invoke("check", "app")
    assert result.exit_code == 1
    assert "app/broken.py:1:7: BL000 [parse-error] (error) syntax error" in result.output
    assert "app/client.py:5:12: BL401" in result.output


def test_explain_and_rules(project):
    result = invoke("explain", "BL401")
    assert result.exit_code == 0
    assert "## Example" in result.output and "## Use instead" in result.output
    assert "`default` (integer or number, default `10`)" in result.output
    unknown = CliRunner().invoke(main, ["explain", "BL999"])
    assert unknown.exit_code == 2 and "unknown rule 'BL999'" in unknown.output
    listing = invoke("rules")
    assert "BL401  missing-timeout" in listing.output
    rows = json.loads(invoke("rules", "--format", "json").output)
    assert {"code": "BL401", "name": "missing-timeout", "category": "missing-timeout"}.items() <= rows[[r["code"] for r in rows].index("BL401")].items()
    assert rows[[r["code"] for r in rows].index("BL401")]["fix"] is True


def test_colour_only_on_a_tty_and_never_with_no_color(project, monkeypatch):
    assert "\x1b[" not in invoke("check", "app").output  # CliRunner output is not a TTY
    script = (
        "import sys, os; sys.stdout.isatty = lambda: True; sys.argv = ['backlint', 'check', 'app'];"
        "from backlint.cli import main; main()"
    )
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    coloured = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert "\x1b[" in coloured.stdout
    env["NO_COLOR"] = "1"
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert "\x1b[" not in plain.stdout and "app/client.py:5:12" in plain.stdout


def test_module_entry_point_and_version(project):
    result = subprocess.run([sys.executable, "-m", "backlint", "check", "app"], capture_output=True, text=True)
    assert result.returncode == 1 and "BL401" in result.stdout
    version = subprocess.run([sys.executable, "-m", "backlint", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "backlint, version" in version.stdout


def test_version_does_not_import_libcst():
    code = "import sys; from backlint import cli; import backlint; print('libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_parallel_and_serial_give_identical_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(12):
        (tmp_path / f"m{i:02}.py").write_text(BAD if i % 2 else GOOD)
    serial = invoke("check", "-j", "1", "--format", "json", ".")
    parallel = invoke("check", "-j", "2", "--format", "json", ".")
    assert serial.output == parallel.output
    assert json.loads(serial.output)["summary"]["findings"] == 6


def test_progress_reports_every_checked_file(tmp_path, monkeypatch):
    from backlint.runner import check

    from conftest import make_settings

    monkeypatch.chdir(tmp_path)
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text(BAD)
    for jobs in (1, 2):
        seen = []
        check(["."], make_settings(["ALL"]), jobs=jobs, progress=lambda done, total: seen.append((done, total)))
        assert seen == [(n, 6) for n in range(1, 7)]


def test_progress_bar_only_on_a_tty(project):
    script = (
        "import sys; sys.stderr.isatty = lambda: True; sys.argv = ['backlint', 'check', '--no-cache', 'app'];"
        "import backlint.cli as c; c._progress.MIN_FILES = 1; c.main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert "Checking" in shown.stderr
    quiet = subprocess.run([sys.executable, "-m", "backlint", "check", "--no-cache", "app"], capture_output=True, text=True, env=env)
    assert "Checking" not in quiet.stderr


def test_progress_lines_off_a_tty(project):
    """In a CI log (no TTY) a long run prints a short progress line now and then; -q silences it."""
    script = (
        "import sys; sys.argv = ['backlint', 'check', '--no-cache', '-j', '1'] + sys.argv[1:] + ['app'];"
        "import backlint.cli as c; c._progress.MIN_FILES = 1; c._progress.INTERVAL = 0.0; c.main()"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "backlint: checked " in shown.stderr and " files (" in shown.stderr
    assert "Checking" not in shown.stderr, "no progress bar off a TTY"
    quiet = subprocess.run([sys.executable, "-c", script, "-q"], capture_output=True, text=True)
    assert "backlint: checked" not in quiet.stderr
