"""BL401 and timeouts set once in another module of the package (rules/timeouts/project_default.py)."""
from __future__ import annotations

import json
import subprocess
import sys

from backlint.rules.timeouts import project_default

PATCH = (
    "from requests.adapters import HTTPAdapter\n"
    "_send = HTTPAdapter.send\n"
    "def send(self, request, timeout=None, **kw):\n"
    "    return _send(self, request, timeout=timeout or 30, **kw)\n"
    "HTTPAdapter.send = send\n"
)
CALL = "import requests\n\ndef rates(url):\n    return requests.get(url)\n"


def _package(tmp_path, patch: str = PATCH):
    pkg = tmp_path / "shop"
    (pkg / "helpers").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "helpers" / "__init__.py").write_text("")
    (pkg / "helpers" / "monkeypatching.py").write_text(patch)
    (pkg / "views.py").write_text(CALL)
    return pkg


def _bl401(cwd, *extra):
    out = subprocess.run(
        [sys.executable, "-m", "backlint", "check", ".", "--select", "BL401", "--format", "json",
         "--exit-zero", *extra],
        cwd=cwd, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    return [(f["path"], f["start_line"]) for f in json.loads(out.stdout)["findings"]]


def test_top_package_and_the_patching_module(tmp_path):
    pkg = _package(tmp_path)
    assert project_default.top_package(str(pkg / "helpers" / "monkeypatching.py")) == str(pkg)
    assert project_default.package_patch(str(pkg / "views.py")) == str(pkg / "helpers" / "monkeypatching.py")
    assert project_default.top_package(str(tmp_path / "script.py")) is None


def test_a_patch_in_test_code_or_a_comparison_is_not_a_default(tmp_path):
    pkg = _package(tmp_path, patch="import requests\nok = requests.Session.request == None\n")
    (pkg / "tests").mkdir()
    (pkg / "tests" / "test_x.py").write_text("import requests\nrequests.Session.request = None\n")
    assert project_default.package_patch(str(pkg / "views.py")) is None


def test_the_finding_follows_the_patching_module_through_the_cache(tmp_path):
    pkg = _package(tmp_path)
    assert _bl401(tmp_path) == []
    (pkg / "helpers" / "monkeypatching.py").write_text("import requests\n")  # the default is gone
    assert _bl401(tmp_path) == [("shop/views.py", 4)]
