"""The `migrations-start-after` cut-off: which migrations are applied history, not to be judged.

The value (top-level in ``[tool.backlint]``, copied to every BL5xx rule; a rule table may set its
own) is a migration name / revision id for every tree, or a table:

    [tool.backlint.migrations-start-after]
    shop = "0042_order_status"                         # Django app label = last applied migration
    "app/alembic/versions" = "ae1027a6acf"             # Alembic versions directory = head revision
    "other/versions" = ["1f2e3d4c5b6a", "6a5b4c3d2e1f"]  # several heads

A migration is out of scope when it is the named one or comes before it: for Django, by number
(by name when either has none); for Alembic, when it is the named revision or one of its
ancestors. Everything else is checked: migrations added later, a new app, a new branch, and any
tree the value does not mention. `backlint init` writes the value for the current leaves.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence, Set, Tuple

from ...frameworks import migrations as fw
from . import _history

OPTION = "migrations-start-after"


def validate(value: Any) -> str:
    if isinstance(value, str):
        return ""
    if isinstance(value, dict) and all(
            isinstance(k, str) and (isinstance(v, str) or isinstance(v, list) and all(isinstance(x, str) for x in v))
            for k, v in value.items()):
        return ""
    return ("must be a migration name / revision id, or a table of app label (or Alembic versions "
            "directory) = last applied migration (or a list of head revisions)")


def _heads(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if v)
    return ()


def django_cutoff(value: Any, app: Optional[str]) -> Optional[str]:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and app is not None and isinstance(value.get(app), str):
        return value[app] or None
    return None


def django_is_history(name: str, cutoff: Optional[str]) -> bool:
    """True if Django migration ``name`` is ``cutoff`` or comes before it."""
    if not cutoff:
        return False
    mine, theirs = fw.migration_number(name), fw.migration_number(cutoff)
    if mine is not None and theirs is not None:
        return mine <= theirs
    return name <= cutoff


def alembic_heads(value: Any, path: str) -> Tuple[str, ...]:
    """The head revisions recorded for the versions directory of ``path``."""
    if not isinstance(value, dict):
        return _heads(value)
    directory = os.path.dirname(os.path.abspath(path)).replace(os.sep, "/")
    for key, heads in value.items():
        key = key.strip("/").replace("\\", "/")
        if "/" in key or key == os.path.basename(directory):
            if directory == key or directory.endswith("/" + key):
                return _heads(heads)
    return _heads(value.get("alembic"))


def alembic_is_history(path: str, revision: str, down: Sequence[str], heads: Sequence[str]) -> bool:
    """True if ``revision`` is one of ``heads`` or an ancestor of one (read from its directory).

    A head that is not found in the directory says nothing: when in doubt, check.
    """
    if not heads:
        return False
    if revision in heads:
        return True
    graph = _history.alembic_graph(os.path.dirname(os.path.abspath(path)))
    graph = dict(graph)
    graph.setdefault(revision, tuple(down))
    seen: Set[str] = set()
    stack = [h for h in heads if h in graph]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current == revision:
            return True
        stack.extend(graph.get(current, ()))
    return False


def configured(options: Dict[str, Any]) -> bool:
    return bool(options.get(OPTION)) or bool(options.get("migrations-since"))
