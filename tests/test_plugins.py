"""Third-party rules through the `backlint.rules` entry-point group, isolated when they break.

The example plugin (examples/plugin-acme) is made importable with a minimal `.dist-info` folder on
PYTHONPATH, which is how an installed package is found: no pip, no network.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "plugin-acme"


def _install(site: Path, dist: str, package_src: Path = None, entry: str = None, files: dict = None) -> None:
    """A minimal installed distribution: the package and a dist-info with entry_points.txt."""
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[backlint.rules]\n{entry}\n")
    if package_src is not None:
        shutil.copytree(package_src, site / package_src.name)
    for name, text in (files or {}).items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)


def _run(site: Path, cwd: Path, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run([sys.executable, "-m", "backlint", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    _install(site, "acme-backlint", EXAMPLE / "acme_backlint", "acme = acme_backlint.rules")
    return site


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "client.py").write_text("import requests\nrequests.get('https://x.internal', timeout=5)\n")
    return project


def test_plugin_rules_are_listed_with_their_package(site, project) -> None:
    listed = _run(site, project, "rules", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["code"]: r for r in json.loads(listed.stdout)}
    assert rows["ACME101"]["package"] == "acme-backlint" and rows["BL401"]["package"] == "backlint"
    text = _run(site, project, "rules").stdout
    assert "ACME101" in text and "acme-backlint" in text


def test_plugin_rules_run_like_built_ins(site, project) -> None:
    result = _run(site, project, "check", "--isolated", "--no-cache", "--select", "ACME", "--format", "json", ".")
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "ACME101" and finding["name"] == "raw-http-client"
    explained = _run(site, project, "explain", "ACME101")
    assert explained.returncode == 0 and "## Use instead" in explained.stdout
    (project / "client.py").write_text(
        "import requests\nrequests.get('https://x.internal', timeout=5)  # noqa: ACME101\n")
    silenced = _run(site, project, "check", "--isolated", "--no-cache", "--select", "ACME101,BL001", ".")
    assert silenced.returncode == 0, silenced.stdout + silenced.stderr


def test_a_plugin_that_raises_at_import_is_reported_once(site, project) -> None:
    _install(site, "broken-plugin", entry="broken = broken_rules",
             files={"broken_rules.py": "raise RuntimeError('boom at import')\n"})
    result = _run(site, project, "check", "--isolated", "--no-cache", "--select", "ACME101,BL401", ".")
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("boom at import") == 1
    assert "plugin broken-plugin" in result.stderr and "its rules are not loaded" in result.stderr
    assert "ACME101" in result.stdout, "every other rule still runs"


def test_a_plugin_rule_that_raises_on_a_node_is_isolated(site, project) -> None:
    _install(site, "crashy-plugin", entry="crashy = crashy_rules", files={"crashy_rules.py": (
        "from backlint import Rule\n\n"
        "class Crashy(Rule):\n"
        '    """Always crashes.\n\n    ## Why is this bad?\n    x\n\n    ## Example\n    ```python\n    f()\n    ```\n\n'
        '    ## Use instead\n    ```python\n    g()\n    ```\n    """\n'
        '    code = "CRASH101"\n    name = "crashy"\n    category = "house-rules"\n\n'
        "    def visit_Call(self, node):\n        raise ValueError('bad node')\n")})
    result = _run(site, project, "check", "--isolated", "--no-cache", "--select", "CRASH101,ACME101", "--format", "json", ".")
    data = json.loads(result.stdout)
    assert result.returncode == 2, "a crashing rule is an internal error"
    assert [f["code"] for f in data["findings"]] == ["ACME101"], "the other rules still report"
    assert any(e["rule"] == "CRASH101" and "bad node" in e["message"] for e in data["errors"])


def test_plugin_codes_must_not_take_the_bl_prefix(site, project) -> None:
    _install(site, "squatter", entry="squat = squat_rules", files={"squat_rules.py": (
        "from backlint import Rule\n\nclass Squat(Rule):\n    \"\"\"x\"\"\"\n"
        '    code = "BL999"\n    name = "squat"\n    category = "house-rules"\n')})
    result = _run(site, project, "rules", "--format", "json")
    assert "BL999" not in {r["code"] for r in json.loads(result.stdout)}
    assert "plugin squatter" in result.stderr and "other than BL" in result.stderr


def test_the_example_plugin_passes_its_own_tests(site) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
                            env=env, capture_output=True, text=True, cwd=site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_plugin_precheck_never_hides_a_distribution_it_cannot_read(tmp_path, monkeypatch) -> None:
    """importlib.metadata is skipped only when no entry_points.txt on sys.path names the group."""
    from backlint import registry

    empty = tmp_path / "empty"
    _install(empty, "other-tool", entry="x = other.mod")
    (empty / "other_tool-0.1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nx = other:main\n")
    monkeypatch.setattr(sys, "path", [str(empty), str(tmp_path / "missing")])
    assert registry._may_have_plugins() is False
    _install(tmp_path / "site", "acme-backlint", entry="acme = acme_backlint.rules")
    monkeypatch.setattr(sys, "path", [str(empty), str(tmp_path / "site")])
    assert registry._may_have_plugins() is True
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an (empty) zip on sys.path: not judged here
    monkeypatch.setattr(sys, "path", [str(empty), str(archive)])
    assert registry._may_have_plugins() is True
