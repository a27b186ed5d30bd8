"""Whether the package a module belongs to installs a default timeout for every requests call.

Projects often do it once, at start-up, in a module of their own (``HTTPAdapter.send = send``
in ``helpers/monkeypatching.py``), and every ``requests.get(url)`` elsewhere relies on it. A
per-file finding cannot be withdrawn later by what another file shows, so the missing-timeout
rule asks here before it reports: the module's top-level package (the highest directory with an
``__init__.py`` above it) is read once per process, test/example/seed/tool-fixture modules
excluded, for an assignment to ``HTTPAdapter.send``, ``Session.request`` or ``Session.send``.

The finding then depends on the patching module: the caller registers its directory with the
results cache. A patch added to a module whose directory nothing depends on yet is seen by
files checked afresh (``--no-cache``, or when they change).
"""
from __future__ import annotations

import os
import re
import time
from typing import Dict, Optional, Tuple

from ...frameworks import roles

_PATCH = re.compile(
    r"^[ \t]*(?:[A-Za-z_][\w.]*\.)?(?:HTTPAdapter\.send|Session\.request|Session\.send)[ \t]*=(?!=)",
    re.M,
)
_NOT_RUNTIME = frozenset({roles.TEST, roles.EXAMPLE, roles.SEED, roles.TOOL_FIXTURE})
_SKIP_DIRS = frozenset({"node_modules", "site-packages", "__pycache__", "build", "dist", "venv", "env"})
_MAX_FILES = 20_000
_TTL = 30.0  # seconds a package's answer is reused (watch mode re-reads after that)
_memo: Dict[str, Tuple[float, Optional[str]]] = {}


def top_package(path: str) -> Optional[str]:
    """The highest directory above ``path`` that is a package (has ``__init__.py``)."""
    directory = os.path.dirname(os.path.abspath(path))
    top = None
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        top = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return top


def _patches(text: str) -> bool:
    return "requests" in text and bool(_PATCH.search(text))


def package_patch(path: str) -> Optional[str]:
    """The module of ``path``'s package that patches requests with a default, if one does."""
    top = top_package(path)
    if top is None:
        return None
    hit = _memo.get(top)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _TTL:
        return hit[1]
    found: Optional[str] = None
    seen = 0
    base = os.path.dirname(top)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, base).replace(os.sep, "/")
            if _NOT_RUNTIME & set(roles.heuristic_roles(rel)):
                continue
            seen += 1
            try:
                with open(full, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            if _patches(text):
                found = full
                break
        if found is not None or seen >= _MAX_FILES:
            break
    _memo[top] = (now, found)
    return found
