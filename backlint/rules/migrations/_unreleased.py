"""Tables created by earlier migrations that are not released yet (after the start-after cut-off).

Once `migrations-start-after` marks the applied history, every later migration of the same tree
is still unreleased: a table one of them creates is empty and unused in production, so changes
to it in a later, also unreleased migration lock nothing. Without a cut-off nothing is known to
be unreleased and this module finds nothing.
"""
from __future__ import annotations

import os
import re
from typing import Any, Optional, Sequence, Set

from ...frameworks import migrations as fw
from . import _history, _start_after

_CREATE_TABLE = re.compile(r"\bcreate_table\(\s*(?:table_name\s*=\s*)?[rRuU]?['\"]([^'\"]+)['\"]")


def django_tables(path: str, app: Optional[str], name: str, value: Any) -> Set[str]:
    cutoff = _start_after.django_cutoff(value, app)
    if not cutoff or _start_after.django_is_history(name, cutoff):
        return set()
    files = _history.django_files(os.path.dirname(os.path.abspath(path)))
    found: Set[str] = set()
    for other in sorted(files, key=fw.django_order_key):
        if fw.django_order_key(other) >= fw.django_order_key(name):
            break
        if _start_after.django_is_history(other, cutoff):
            continue
        for event in files[other].events:
            if event[0] == "create":
                found.add(event[1])
                if app:
                    found.add(f"{app}_{event[1]}".lower())
                if len(event) > 5 and event[5]:
                    found.add(event[5].lower())
            elif event[0] == "rename_model" and event[1] in found:
                found.add(event[2])
    return found


def alembic_tables(path: str, revision: Optional[str], down: Sequence[str], value: Any) -> Set[str]:
    heads = _start_after.alembic_heads(value, path)
    if not heads or not revision:
        return set()
    directory = os.path.dirname(os.path.abspath(path))
    graph = dict(_history.alembic_graph(directory))
    graph[revision] = tuple(down)
    history: Set[str] = set()
    stack = [h for h in heads if h in graph]
    while stack:
        current = stack.pop()
        if current not in history:
            history.add(current)
            stack.extend(graph.get(current, ()))
    if not history or revision in history:
        return set()
    files = _history.alembic_files(directory)
    found: Set[str] = set()
    seen: Set[str] = set()
    stack = list(down)
    while stack:
        current = stack.pop()
        if current in seen or current in history or current not in graph:
            continue
        seen.add(current)
        text = _history.read_file(directory, files.get(current, ""))
        if text:
            found.update(m.group(1).lower() for m in _CREATE_TABLE.finditer(text))
        stack.extend(graph.get(current, ()))
    return found
