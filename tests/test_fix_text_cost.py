"""Fix texts cost the size of the edit, not fixes x file size (issue #24 item 1), and a skipped
file never turns a failing run green."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import libcst as cst
import pytest

from backlint import fixtext
from backlint.fixtext import whole_module_replacement

from conftest import lint_source


def _calls(n: int) -> str:
    """~3 lines per call, in functions, classes and brackets: 1,000 calls ~ 3,000 lines."""
    out = ["import requests", ""]
    for i in range(n):
        if i % 3 == 0:
            out += [f"def f{i}(url):", f"    return requests.get(url, params={{'n': {i}}})"]
        elif i % 3 == 1:
            out += [f"class C{i}:", "    def m(self, url):", "        return requests.post(", "            url,",
                    f"            data={{'n': {i}}},", "        )"]
        else:
            out += [f"x{i} = [", f"    requests.get('https://example.com/{i}'),", "]"]
    return "\n".join(out) + "\n"


def test_a_thousand_fixes_generate_code_only_for_their_own_nodes(monkeypatch):
    source = _calls(1000)
    assert len(source.splitlines()) > 3000
    generated_chars = []
    real = fixtext.FixTexts._generate

    def counting(self, node, indents):
        text = real(self, node, indents)
        generated_chars.append(len(text))
        return text

    monkeypatch.setattr(fixtext.FixTexts, "_generate", counting)
    whole = fixtext.FixTexts.whole_module
    start = time.monotonic()
    result = lint_source(source, ["BL401"])
    elapsed = time.monotonic() - start
    fixes = [f for f in result.findings if f.fix is not None]
    assert len(fixes) == 1000
    # the algorithm, not the clock: no fix regenerated the module, and all the code generated
    # for fixes is about the size of the edits (old node to verify + new node), not 1,000 files
    assert fixtext.FixTexts.whole_module == whole
    assert len(generated_chars) == 2000
    assert sum(generated_chars) < 3 * len(source)
    assert elapsed < 60  # the old code took minutes; a loose bound for a loaded CI box


def test_local_fix_texts_equal_the_whole_module_ones():
    source = _calls(30)
    result = lint_source(source, ["BL401"])
    module = cst.parse_module(source)
    assert len([f for f in result.findings if f.fix]) == 30
    # every fixed file is what applying the fixes one by one through the whole module gives
    from backlint.engine import apply_edits

    fixed, applied = apply_edits(source, [e for f in result.findings for e in f.fix.edits])
    assert applied == 30 and fixed.count("timeout=") == 30
    cst.parse_module(fixed)
    assert "        )" in fixed  # the closing bracket of the nested call keeps its indentation


def test_a_fix_whose_local_text_cannot_be_verified_falls_back_to_the_whole_module():
    source = "import requests\n\n\ndef f(url):\n    return requests.get(\n        url,\n    )\n"
    module = cst.parse_module(source)
    texts = fixtext.FixTexts(module, {})  # nothing recorded: cannot verify
    call = module.body[1].body.body[0].body[0].value
    new = call.with_changes(args=[*call.args, cst.Arg(cst.Integer("10"), keyword=cst.Name("timeout"))])
    assert texts.replacement(call, new, "requests.get(\n        url,\n    )") is None
    start = source.index("requests.get(")
    end = source.index(")\n", start) + 1
    text = whole_module_replacement(module, source, start, end, call, new)
    assert text is not None and "timeout" in text


def test_fix_writes_all_thousand_fixes(tmp_path):
    (tmp_path / "many.py").write_text(_calls(1000))
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--fix", "--select", "BL401",
                           "-j", "1", "-q", "many.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "many.py").read_text()
    assert text.count("timeout=10") == 1000
    cst.parse_module(text)


def _json(args, cwd):
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--format", "json",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_a_skipped_file_fails_the_run_unless_the_user_opts_out(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "backlint.toml").write_text("max-file-size = 100\n")
    code, data, err = _json(["--config", "backlint.toml", "."], tmp_path)
    assert code == 2 and [s["path"] for s in data["skipped"]] == ["big.py"]
    assert "1 file not checked (skipped)" in err and "--skipped-ok" in err
    code, data, err = _json(["--config", "backlint.toml", "--skipped-ok", "."], tmp_path)
    assert code == 0 and data["summary"]["files_skipped"] == 1
    (tmp_path / "backlint.toml").write_text("max-file-size = 100\nskipped-ok = true\n")
    code, _, _ = _json(["--config", "backlint.toml", "."], tmp_path)
    assert code == 0
    (tmp_path / "backlint.toml").write_text("max-file-size = 100\nskipped-ok = 'yes'\n")
    code, _, _ = subprocess.run([sys.executable, "-m", "backlint", "check", "--config", "backlint.toml", "."],
                                cwd=tmp_path, capture_output=True).returncode, None, None
    assert code == 2
