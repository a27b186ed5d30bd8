"""Property: whatever the sequence of edits, cache damage and runs, a cached run's findings are
those of a ``--no-cache`` run (issue #24 items 4 and 11: damaged data is never trusted, a stale
entry is never used). The one documented difference: a run naming a few files may also see the
cross-file facts of unchanged files the cache knows (docs/architecture.md)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from backlint.runner import check

from conftest import make_settings

VARIANTS = {
    "models.py": [
        "from django.db import models\n\n\nclass A(models.Model):\n    pass\n\n\n"
        "class B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n",
        "from django.db import models\n\n\nclass A(models.Model):\n    pass\n\n\nclass B(models.Model):\n    pass\n",
    ],
    "views.py": [
        "from models import B\n\n\ndef f():\n    for b in B.objects.all():\n        print(b.a)\n",
        "from models import B\n\n\ndef f():\n    return list(B.objects.select_related('a'))\n",
        "from models import B\n\n\ndef f():\n    for b in B.objects.all():\n        print(b.a)  # backlint: ignore[BL202]\n",
    ],
    "net.py": [
        "import requests\n\n\ndef f(url):\n    return requests.get(url)\n",
        "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=5)\n",
        "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=7)\n",  # same size as above
        "def broken(:\n",
    ],
}
NAMES = sorted(VARIANTS)

edit = st.tuples(st.just("edit"), st.sampled_from(NAMES), st.integers(0, 3))
damage = st.tuples(st.sampled_from(["truncate", "flip", "delete"]), st.sampled_from(["results", "facts"]),
                   st.floats(0, 1))
run = st.tuples(st.just("run"), st.sampled_from(["all", "one"]), st.just(0))
steps = st.lists(st.one_of(edit, damage, run), min_size=1, max_size=12)


def _findings(paths, use_cache):
    result = check(paths, make_settings(["BL202", "BL401", "BL000"]), jobs=1, cache=use_cache)
    return [(f.path, f.start_line, f.start_column, f.code, f.message, f.fix) for f in result.findings], result.errors


def _damage(root: Path, how: str, kind: str, where: float) -> None:
    where_ = root / ".backlint_cache" / "backlint-facts" if kind == "facts" else root / ".backlint_cache"
    for path in where_.glob("*.json" if kind == "facts" else f"*{kind}-*.json"):
        data = bytearray(path.read_bytes())
        if how == "delete":
            path.unlink()
        elif how == "truncate":
            path.write_bytes(bytes(data[: int(len(data) * where)]))
        elif data:
            data[min(len(data) - 1, int(len(data) * where))] ^= 0x20
            path.write_bytes(bytes(data))


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_cached_runs_always_equal_uncached_runs(sequence):
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chdir(root)
        try:
            for name in NAMES:
                (root / name).write_text(VARIANTS[name][0])
            for op, arg, n in sequence + [("run", "all", 0)]:
                if op == "edit":
                    (root / arg).write_text(VARIANTS[arg][n % len(VARIANTS[arg])])
                elif op == "run" and arg == "all":
                    got, errors = _findings(["."], True)
                    assert errors == [] and got == _findings(["."], False)[0]
                elif op == "run":
                    # naming one file: with the cache, cross-file rules also see the facts of
                    # unchanged files checked before (the pre-commit shape), so the findings
                    # are those of a --no-cache run of that file alone, or of the whole project
                    # restricted to it; never anything else (stale or damaged data)
                    got, errors = _findings(["views.py"], True)
                    alone = _findings(["views.py"], False)[0]
                    whole = [f for f in _findings(["."], False)[0] if f[0] == "views.py"]
                    assert errors == [] and got in (alone, whole)
                else:
                    _damage(root, op, arg, n)
        finally:
            os.chdir(old)
