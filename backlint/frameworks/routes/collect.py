"""Route facts for every Python file under some paths (``backlint routes`` and the tests)."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .extract import extract


def collect_facts(paths: Sequence[str], skipped: Optional[List[Tuple[str, str]]] = None) -> Dict[str, Dict[str, Any]]:
    """Facts for every Python file under ``paths`` (used by ``backlint routes`` and the tests).

    A file that does not parse, or that the parser cannot safely take (``engine.guard_depth``,
    as in ``check``), is left out and, when ``skipped`` is given, recorded there with the reason.
    """
    from ...engine import SourceError, decode, guard_depth, parse
    from ...shape import TooComplex

    out: Dict[str, Dict[str, Any]] = {}
    for path in _python_files(paths):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            text, _ = decode(data)
            guard_depth(data, text)
            module = parse(text)
        except TooComplex as exc:
            if skipped is not None:
                skipped.append((path, exc.reason))
            continue
        except SourceError as exc:  # `check` reports it as BL000
            if skipped is not None:
                skipped.append((path, f"skipped: {exc.message} (line {exc.line})"))
            continue
        except OSError:
            continue
        rel = os.path.relpath(path).replace(os.sep, "/")
        if rel.startswith("../"):
            rel = path
        out[rel] = extract(module, path).facts
    return out


def _python_files(paths: Sequence[str]) -> List[str]:
    skip = {".git", ".venv", "venv", "__pycache__", "node_modules", ".tox", "build", "dist", "site-packages"}
    files = []
    for path in paths:
        if os.path.isfile(path):
            files.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
            files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".py"))
    return files
