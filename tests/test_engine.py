"""Engine behaviours: one parse, crash isolation, the project-index seam, name resolution."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from backlint import registry
from backlint.cli import main
from backlint.project import ProjectReport
from backlint.rule import Rule
from backlint.rules.timeouts.missing_timeout import MissingTimeout
from backlint.semantics import Semantics
from backlint.walker import walk

from conftest import lint_source, make_settings

REPO = Path(__file__).resolve().parent.parent
BAD = "import requests\n\n\ndef f(url):\n    return requests.get(url)\n"


def test_a_rule_that_raises_is_an_internal_error_and_nothing_else_stops(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text("x = 1  # backlint: ignore[BL401]\n")

    def boom(self, node):
        raise ValueError("kaboom")

    monkeypatch.setattr(MissingTimeout, "visit_Call", boom)
    result = CliRunner().invoke(main, ["check", "-j", "1", "."])
    assert result.exit_code == 2
    assert "a.py: internal-error: rule BL401 missing-timeout raised ValueError: kaboom" in result.output
    # other rules still ran on other files
    assert "b.py:1:8: BL001 [unused-suppression]" in result.output
    assert "Traceback" not in result.output


def test_parse_once_per_file(monkeypatch):
    calls = []
    real = cst.parse_module

    def counting(source, *args, **kwargs):
        calls.append(1)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(cst, "parse_module", counting)
    lint_source(BAD * 3, ["ALL"])
    assert len(calls) == 1


class _CountCalls(Rule):
    """Counts calls per file, then reports files with more than one, project-wide (test only)."""

    code = "BL099"
    name = "test-count-calls"
    category = "test"

    def __init__(self, ctx, settings):
        super().__init__(ctx, settings)
        self.calls = []

    def visit_Call(self, node):
        self.calls.append(node)

    def facts(self):
        located = self.ctx.locate(self.calls)
        return {"calls": [located[id(n)] for n in self.calls]}

    @classmethod
    def check_project(cls, index, options):
        total = sum(len(f["calls"]) for _, f in index.facts(cls.code))
        for path, facts in index.facts(cls.code):
            for line, col, end_line, end_col in facts["calls"]:
                yield ProjectReport(path, line, col, end_line, end_col, f"one of {total} calls in the project")


def test_project_index_seam(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_RULES", {**registry.all_rules(), "BL099": _CountCalls})
    (tmp_path / "a.py").write_text("f()\ng(h())\n")
    (tmp_path / "b.py").write_text("x = 1\nk()  # backlint: ignore[BL099]\n")
    from backlint.runner import check

    run = check(["."], make_settings(["BL099"]), jobs=1)
    assert not run.errors
    got = [(f.path, f.start_line, f.start_column, f.message) for f in run.findings]
    assert got == [
        ("a.py", 1, 1, "one of 4 calls in the project"),
        ("a.py", 2, 1, "one of 4 calls in the project"),
        ("a.py", 2, 3, "one of 4 calls in the project"),
    ]
    assert run.facts["b.py"]["BL099"] == {"calls": [(2, 1, 2, 4)]}


class _HalfOff(Rule):
    """Reports every call and every name, but turns its name handler off per file (test only)."""

    code = "BL098"
    name = "test-half-off"
    category = "test"

    def handlers_off(self):
        return frozenset({"visit_Name"}) if "skip" in self.ctx.text else frozenset()

    def visit_Call(self, node):
        self.report(node, "call")

    def visit_Name(self, node):
        self.report(node, "name")


def test_handlers_an_instance_turns_off_are_not_dispatched(monkeypatch):
    monkeypatch.setattr(registry, "_RULES", {**registry.all_rules(), "BL098": _HalfOff})
    on = lint_source("f(x)\n", ["BL098"])
    off = lint_source("f(x)  # skip\n", ["BL098"])
    assert sorted(f.message for f in on.findings) == ["call", "name", "name"]
    assert [f.message for f in off.findings] == ["call"]


class _NamesLines(Rule):
    """Reports each call with a message naming the line of its first argument (test only)."""

    code = "BL097"
    name = "test-names-lines"
    category = "test"
    built = []

    def visit_Call(self, node):
        arg = node.args[0].value

        def build(lines, arg=arg, node=node):
            _NamesLines.built.append(node)
            return f"argument at line {lines.get(id(arg))}, call at line {lines.get(id(node))}"

        self.report(node, build, lines_of=[node, arg], scope=self.ctx.enclosing_statement())


def test_message_builders_get_the_lines_of_their_nodes_from_the_one_positions_pass(monkeypatch):
    monkeypatch.setattr(registry, "_RULES", {**registry.all_rules(), "BL097": _NamesLines})
    _NamesLines.built = []
    source = "f(\n    x)\ng(y)  # backlint: ignore[BL097]\n"
    result = lint_source(source, ["BL097"])
    assert [f.message for f in result.findings] == ["argument at line 2, call at line 1"]
    assert len(_NamesLines.built) == 1, "a suppressed finding's message is never built"


def resolve(source: str, expr: str) -> str:
    """qualified_name of the last expression statement `expr` after walking `source`."""
    module = cst.parse_module(source + "\n" + expr + "\n")
    sem = Semantics()
    from backlint.engine import _semantic_handlers

    visit, leave = {}, {}
    _semantic_handlers(sem, visit, leave)
    walk(module, visit, leave, [])
    target = module.body[-1].body[0].value
    return sem.qualified_name(target)


@pytest.mark.parametrize(
    "source,expr,expected",
    [
        ("import requests as r", "r.get", "requests.get"),
        ("from requests import get as fetch", "fetch", "requests.get"),
        ("import urllib.request", "urllib.request.urlopen", "urllib.request.urlopen"),
        ("from http import client", "client.HTTPConnection", "http.client.HTTPConnection"),
        ("import requests\ns = requests.Session()", "s.get", "requests.Session().get"),
        ("import requests\nwith requests.Session() as s:\n    pass", "s.post", "requests.Session().post"),
        ("from requests import *", "get", "requests.get"),
        ("from requests import get\ndef get(): pass", "get", None),
        ("import requests\ns = requests.Session()\ns = object()", "s.get", None),
        ("from . import models", "models.Order", ".models.Order"),
        ("from .models import Order as O", "O.objects", ".models.Order.objects"),
    ],
)
def test_name_resolution(source, expr, expected):
    assert resolve(source, expr) == expected


def test_name_answers_are_kept_only_while_the_bindings_stand():
    # qualified_name keeps its answer per node until a binding or the scope changes
    sem = Semantics()
    node = cst.parse_expression("r.get")
    assert sem.qualified_name(node) is None
    sem.record_import(cst.parse_statement("import requests as r").body[0])
    assert sem.qualified_name(node) == "requests.get"
    assert sem.qualified_name(node) == "requests.get"
    sem.record_import(cst.parse_statement("import httpx as r").body[0])
    assert sem.qualified_name(node) == "httpx.get"
    sem.push("function")
    sem.bind_unknown("r")
    assert sem.qualified_name(node) is None
    sem.pop()
    assert sem.qualified_name(node) == "httpx.get"
    sem.push("class")
    sem.push("function")
    chain, target = cst.parse_expression("self.client.get"), cst.parse_expression("self.client")
    sem.record_assignment(target, cst.parse_expression("r.Client()"))
    assert sem.qualified_name(chain) == "httpx.Client().get"
    sem.record_assignment(target, None)
    assert sem.qualified_name(chain) is None
    starred, bare = Semantics(), cst.parse_expression("get")
    assert starred.qualified_name(bare) is None
    starred.record_import(cst.parse_statement("from requests import *").body[0])
    assert starred.qualified_name(bare) == "requests.get"


def test_never_imports_or_executes_checked_code(tmp_path):
    marker = tmp_path / "IMPORTED"
    pkg = tmp_path / "victim"
    pkg.mkdir()
    payload = f"open({str(marker)!r}, 'w').write('x')\n"
    (pkg / "__init__.py").write_text(payload)
    (pkg / "models.py").write_text("from . import helpers\n" + payload)
    (pkg / "helpers.py").write_text("import victim\n" + payload + BAD)
    (pkg / "conftest.py").write_text(payload)
    result = subprocess.run(
        [sys.executable, "-m", "backlint", "check", "--select", "ALL", "--no-cache", str(pkg)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert not marker.exists()


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".backlint_cache" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_nothing_is_modified_without_fix(tmp_path):
    import shutil

    shutil.copytree(REPO / "tests" / "fixtures", tmp_path / "fixtures")
    before = _tree_hash(tmp_path / "fixtures")
    subprocess.run([sys.executable, "-m", "backlint", "check", "--select", "ALL", "fixtures"], cwd=tmp_path, capture_output=True)
    subprocess.run([sys.executable, "-m", "backlint", "check", "--diff", "fixtures"], cwd=tmp_path, capture_output=True)
    assert _tree_hash(tmp_path / "fixtures") == before


def test_pre_commit_manifest_is_valid():
    pre_commit = Path(sys.executable).with_name("pre-commit")
    command = [str(pre_commit)] if pre_commit.exists() else [sys.executable, "-m", "pre_commit"]
    result = subprocess.run(command + ["validate-manifest", str(REPO / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fix_keeps_encoding_line_endings_and_mode(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = "# -*- coding: latin-1 -*-\r\nimport requests\r\nlabel = 'caf\xe9'\r\nrequests.get(label)\r\n"
    path = tmp_path / "legacy.py"
    path.write_bytes(source.encode("latin-1"))
    path.chmod(0o640)
    result = CliRunner().invoke(main, ["check", "--fix", "legacy.py"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == source.replace("get(label)", "get(label, timeout=10)").encode("latin-1")
    assert path.stat().st_mode & 0o777 == 0o640
    assert not list(tmp_path.glob(".backlint-*"))


def test_project_rules_see_cached_facts_of_files_not_named(tmp_path, monkeypatch):
    """Pre-commit passes a few file names; cross-file rules still see the rest of the project."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_RULES", {**registry.all_rules(), "BL099": _CountCalls})
    (tmp_path / "a.py").write_text("f()\ng(h())\n")
    (tmp_path / "b.py").write_text("k()\n")
    from backlint.runner import check

    settings = make_settings(["BL099"])
    full = check(["."], settings, jobs=1, cache=True)
    assert {f.message for f in full.findings} == {"one of 4 calls in the project"}
    (tmp_path / "b.py").write_text("k()\nk()\n")
    subset = check(["b.py"], settings, jobs=1, cache=True)
    assert [(f.path, f.start_line, f.message) for f in subset.findings] == [
        ("b.py", 1, "one of 5 calls in the project"),
        ("b.py", 2, "one of 5 calls in the project"),
    ]
    (tmp_path / "a.py").write_text("f()\n")  # changed on disk: its stale facts are not used
    subset = check(["b.py"], settings, jobs=1, cache=True)
    assert {f.message for f in subset.findings} == {"one of 2 calls in the project"}


def test_unchanged_project_reuses_cross_file_findings_without_loading_facts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_RULES", {**registry.all_rules(), "BL099": _CountCalls})
    (tmp_path / "a.py").write_text("f()\n")
    (tmp_path / "b.py").write_text("k()\n")
    from backlint import cache as cache_mod
    from backlint.runner import check

    settings = make_settings(["BL099"])
    first = check(["."], settings, jobs=1, cache=True)
    assert [f.message for f in first.findings] == ["one of 2 calls in the project"] * 2

    def forbidden(*args, **kwargs):
        raise AssertionError("a fully cached run must not load facts or re-run the project pass")

    with monkeypatch.context() as patch:
        patch.setattr(cache_mod.Cache, "facts_of", forbidden)
        patch.setattr(cache_mod.Cache, "_read_blob", forbidden)
        patch.setattr(_CountCalls, "check_project", classmethod(forbidden))
        warm = check(["."], settings, jobs=1, cache=True)
    assert [(f.path, f.message) for f in warm.findings] == [(f.path, f.message) for f in first.findings]
    (tmp_path / "b.py").write_text("k()\nk()\n")
    changed = check(["."], settings, jobs=1, cache=True)
    assert {f.message for f in changed.findings} == {"one of 3 calls in the project"}
    assert changed.cache_hits == 1


class _Seen(Rule):
    """Records the names and calls it meets; raises at the name ``boom`` when ``explode``."""

    code = "BL098"
    name = "seen-probe"
    explode = False

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self.names, self.calls = [], []

    def visit_Name(self, node) -> None:
        if self.explode and node.value == "boom":
            raise ValueError("at boom")
        self.names.append(node.value)

    def leave_Call(self, node) -> None:
        self.calls.append(node.func.value)


class _Exploding(_Seen):
    code = "BL097"
    name = "exploding-probe"
    explode = True


def _walk_rules(source: str, rules):
    from backlint import dispatch
    from backlint.findings import FileResult
    from backlint.rule import FileContext

    module = cst.parse_module(source)
    semantics = Semantics()
    ctx = FileContext("a.py", module, source, semantics)
    instances = [rule(ctx, {}) for rule in rules]
    result = FileResult("a.py")
    visit, leave, on_error = dispatch._handlers(semantics, ctx, instances, result, "a.py")
    walk(module, visit, leave, ctx.ancestors, on_error)
    return instances, result


def test_a_handler_that_raises_stops_only_its_rule_for_the_rest_of_the_file():
    (failing, healthy), result = _walk_rules("f(a)\ng(boom)\nh(c)\n", [_Exploding, _Seen])
    assert "exploding-probe raised ValueError: at boom (test_engine.py:" in result.errors[0].message
    assert len(result.errors) == 1 and result.errors[0].rule == "BL097"
    assert failing.names == ["f", "a", "g"] and failing.calls == ["f"]  # nothing after the failure
    assert healthy.names == ["f", "a", "g", "boom", "h", "c"] and healthy.calls == ["f", "g", "h"]


def test_a_failure_of_the_engines_own_bookkeeping_ends_the_walk(monkeypatch):
    def broken(self, target, value):
        raise RuntimeError("bookkeeping")

    monkeypatch.setattr(Semantics, "record_assignment", broken)
    with pytest.raises(RuntimeError, match="bookkeeping"):
        _walk_rules("x = 1\n", [_Seen])
