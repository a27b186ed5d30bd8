"""The composite GitHub Action (action.yml): its shell steps, run locally as the runner would."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text())


def _steps():
    return {s["name"]: s for s in ACTION["runs"]["steps"]}


def _env(step, inputs):
    def expand(value: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: str(inputs[m.group(1)]), value)

    return {k: expand(str(v)) for k, v in step.get("env", {}).items()}


def _defaults(**given):
    values = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    values.update(given)
    return values


def test_action_metadata() -> None:
    assert ACTION["runs"]["using"] == "composite"
    steps = _steps()
    assert set(steps) == {"Install backlint", "Run backlint", "Upload SARIF"}
    assert steps["Upload SARIF"]["uses"].startswith("github/codeql-action/upload-sarif@")
    for step in steps.values():
        assert "${{ inputs." not in step.get("run", ""), "inputs go through env, not into the script"


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "client.py").write_text("import requests\nrequests.get('https://x.org')\n")
    (tmp_path / "app" / "ok.py").write_text("x = 1\n")
    return tmp_path


def _run_check_step(project, tmp_path, **inputs):
    step = _steps()["Run backlint"]
    out = tmp_path / "github_output"
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, **_env(step, _defaults(**inputs)), "GITHUB_OUTPUT": str(out),
           "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True)
    return proc, out.read_text() if out.exists() else ""


def test_run_step_annotates_writes_sarif_and_fails_on_findings(project, tmp_path) -> None:
    proc, outputs = _run_check_step(project, tmp_path, paths="app")
    assert proc.returncode == 1, proc.stderr
    assert "::warning file=app/client.py,line=2" in proc.stdout
    log = json.loads((project / "backlint.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["BL401"]
    assert "exit-code=1" in outputs


def test_run_step_options(project, tmp_path) -> None:
    proc, _ = _run_check_step(project, tmp_path, paths="app", **{"fail-on-findings": "false", "sarif-file": "out.sarif"})
    assert proc.returncode == 0 and (project / "out.sarif").exists()
    proc, _ = _run_check_step(project, tmp_path, paths="app/ok.py", args="--select BL401")
    assert proc.returncode == 0
    proc, _ = _run_check_step(project, tmp_path, paths="app", args="--select NOPE")
    assert proc.returncode == 2, "a usage error of backlint fails the step"


def test_install_step_installs_from_the_action_checkout(tmp_path) -> None:
    """The install step's command, run in a throwaway virtualenv that sees the test environment's
    packages (dependencies are not downloaded again): afterwards that virtualenv has a working backlint."""
    target = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(target)
    bindir = target / "bin"
    step = _steps()["Install backlint"]
    env = {**os.environ, "GITHUB_ACTION_PATH": str(REPO), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    build = subprocess.run(["bash", "-e", "-c", step["run"].replace("python3 ", f"{bindir / 'python'} ")],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    version = subprocess.run([str(bindir / "backlint"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "backlint" in version.stdout
