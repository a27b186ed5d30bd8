"""The migration trees of a project and their current leaves (for `backlint init` and the hint).

A Django tree is one ``<app>/migrations`` directory, keyed by its app label as the rules see it
(``frameworks.migrations.django_app_and_name``); its leaf is the last migration by number. An
Alembic tree is one versions directory (every file with a module-level ``revision``), keyed by
its path relative to the project root; its leaves are the heads (revisions no other revision
names as ``down_revision``). Files are read, never imported.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from ...frameworks import migrations as fw
from . import _history

_DJANGO_CLASS = re.compile(r"^class\s+Migration\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class Tree:
    framework: str  # "django" | "alembic"
    key: str  # Django app label, or the Alembic versions directory relative to the root (posix)
    directory: str  # absolute
    leaves: Tuple[str, ...]  # Django: the last migration name; Alembic: head revision ids
    count: int  # migrations in the tree


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def tree_of_directory(directory: str, root: str) -> Optional[Tree]:
    """The tree whose migration files are in ``directory``, or None."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".py") and n != "__init__.py")
    except OSError:
        return None
    django: List[str] = []
    graph: Dict[str, Tuple[str, ...]] = {}
    for name in names:
        text = _read(os.path.join(directory, name))
        if text is None:
            continue
        if os.path.basename(directory) == "migrations" and _DJANGO_CLASS.search(text):
            django.append(name[:-3])
            continue
        if "revision" in text:
            found = _history.alembic_revisions(text)
            if found is not None:
                graph[found[0]] = found[1]
    if django and len(django) >= len(graph):
        app, _ = fw.django_app_and_name(os.path.join(directory, django[0] + ".py"))
        if app is None:
            return None
        last = max(django, key=fw.django_order_key)
        return Tree("django", app, directory, (last,), len(django))
    if graph:
        referenced = {down for downs in graph.values() for down in downs}
        heads = tuple(sorted(rev for rev in graph if rev not in referenced))
        key = os.path.relpath(directory, root).replace(os.sep, "/")
        return Tree("alembic", key, directory, heads, len(graph))
    return None


def find_trees(root: str, files: Iterable[str]) -> List[Tree]:
    """Every migration tree among ``files`` (paths of Python files), in key order."""
    directories = sorted({os.path.dirname(os.path.abspath(f)) for f in files})
    trees = [t for t in (tree_of_directory(d, root) for d in directories) if t is not None]
    return sorted(trees, key=lambda t: (t.framework, t.key))


def is_history(tree: Optional[Tree], path: str) -> bool:
    """True if the migration file ``path`` of ``tree`` is not one of its leaves."""
    if tree is None:
        return False
    if tree.framework == "django":
        name = os.path.basename(path)[:-3]
        return fw.django_order_key(name) < fw.django_order_key(tree.leaves[0])
    text = _read(path)
    found = _history.alembic_revisions(text) if text is not None else None
    return found is not None and found[0] not in tree.leaves
