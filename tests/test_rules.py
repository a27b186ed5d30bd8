"""Every fixture under tests/fixtures/<CODE>/ fires exactly on its `# expect: CODE` lines."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backlint.engine import Linter
from backlint.runner import check

from conftest import FIXTURES, expected_markers, extra_select, make_settings


def fixture_cases():
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("BL")):
        for path in sorted(rule_dir.glob("*.py")):
            yield pytest.param(rule_dir.name, path, id=f"{rule_dir.name}/{path.name}")


@pytest.mark.parametrize("code,path", list(fixture_cases()))
def test_fixture(code: str, path: Path) -> None:
    extra = extra_select(path)
    select = [code] + extra
    linter = Linter(make_settings(select, root=str(path.parent)))
    result = linter.check_source(path.name, path.read_bytes(), str(path))
    assert not result.errors, result.errors
    markers = expected_markers(path)
    # a code the fixture selects and marks is checked too (BL201's fixtures mark the calls BL205 takes)
    checked = {code} | {c for _, c in markers if c in extra}
    got = {(f.start_line, f.code) for f in result.findings if f.code in checked}
    want = {(line, c) for line, c in markers if c in checked}
    missing = sorted(want - got)
    unexpected = sorted(
        (f.start_line, f.code, f.message) for f in result.findings
        if f.code in checked and (f.start_line, f.code) not in want
    )
    assert not missing and not unexpected, f"missing (line, code): {missing}\nunexpected: {unexpected}"
    if path.name.startswith("noerror_"):
        assert not want, "noerror_ fixtures must not contain expect markers"


def directory_cases():
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("BL")):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir() and not p.name.startswith("__")):
            yield pytest.param(rule_dir.name, case, id=f"{rule_dir.name}/{case.name}/")


@pytest.mark.parametrize("code,case", list(directory_cases()))
def test_fixture_project(code: str, case: Path, monkeypatch) -> None:
    """A multi-file case (cross-file rules): markers in every file of the directory must match."""
    monkeypatch.chdir(case)
    select = [code]
    for path in case.rglob("*.py"):
        select += extra_select(path)
    settings = make_settings(select, root=str(case))
    run = check(["."], settings, jobs=1)
    assert not run.errors, run.errors
    checked = {code} | {c for path in case.rglob("*.py") for _, c in expected_markers(path) if c in select}
    got = {(f.path, f.start_line, f.code) for f in run.findings if f.code in checked}
    want = set()
    for path in sorted(case.rglob("*.py")):
        rel = path.relative_to(case).as_posix()
        want |= {(rel, line, c) for line, c in expected_markers(path) if c in checked}
        if path.name.startswith("noerror_"):
            assert not expected_markers(path), f"{rel}: noerror_ files must not contain expect markers"
    missing = sorted(want - got)
    unexpected = sorted((f.path, f.start_line, f.code, f.message) for f in run.findings
                        if f.code in checked and (f.path, f.start_line, f.code) not in want)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def fix_cases():
    for path in sorted(FIXTURES.glob("BL*/fix_*.py")):
        yield pytest.param(path, id=f"{path.parent.name}/{path.name}")


@pytest.mark.parametrize("path", list(fix_cases()))
def test_fix_fixture(path: Path, tmp_path: Path) -> None:
    """`fix_X.py` rewritten by --fix must equal `fix_X.py.fixed`, byte for byte."""
    expected = path.with_name(path.name + ".fixed").read_bytes()
    target = tmp_path / path.name
    shutil.copy(path, target)
    # `fix_unsafe_*.py` cases apply fixes marked unsafe, as `--unsafe-fixes` does
    unsafe = path.name.startswith("fix_unsafe_")
    linter = Linter(make_settings([path.parent.name], root=str(tmp_path), unsafe_fixes=unsafe))
    result = linter.check_path(str(target), fix=True)
    assert not result.errors
    assert target.read_bytes() == expected
    assert result.fixes_applied > 0
