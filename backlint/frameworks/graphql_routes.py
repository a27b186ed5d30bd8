"""GraphQL fields as rows of ``backlint routes``: ``QUERY  User.posts  api  resolve_posts  file:line``.

The method column is the operation of the root type (QUERY, MUTATION, SUBSCRIPTION); nested
fields are reached through a query, so they show QUERY. A root field's handler is marked
``(root)``: its resolver runs once per request, a nested one once per parent object.
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

from . import graphql
from .route_kinds import API
from .routes import Route

_OPERATION = {"Mutation": "MUTATION", "Subscription": "SUBSCRIPTION"}


def _operation(res: graphql.Resolver) -> str:
    if res.root:
        for suffix, op in _OPERATION.items():
            if res.type_name.endswith((suffix, suffix + "s")):
                return op
    return "QUERY"


def collect(paths: Sequence[str], skipped: Optional[List[Tuple[str, str]]] = None) -> List[Route]:
    """One row per resolver found in ``paths`` (files; ones that do not parse are skipped,
    as ``check`` reports them)."""
    from ..engine import SourceError, decode, guard_depth, parse
    from ..positions import compute
    from ..shape import TooComplex

    rows: List[Route] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            text, _ = decode(data)
            if not graphql.has_markers(text):
                continue
            guard_depth(data, text)
            module = parse(text)
        except (TooComplex, SourceError, OSError):
            continue  # `routes` reports these files already
        schema = graphql.discover(module)
        if not schema.resolvers:
            continue
        names = [r.func.name for r in schema.resolvers]
        positions = compute(module, names)
        rel = os.path.relpath(path).replace(os.sep, "/")
        if rel.startswith("../"):
            rel = path
        for res, name in zip(schema.resolvers, names):
            where = positions.range(name)
            handler = res.func.name.value + (" (root)" if res.root else "")
            rows.append(Route(_operation(res), f"{res.type_name}.{res.field}", handler, rel,
                              where[0] if where else 0, res.library, API))
    rows.sort(key=lambda r: (r.path, r.file, r.line))
    return rows
