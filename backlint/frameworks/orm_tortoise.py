"""What backlint knows about Tortoise ORM: data and tiny predicates for the N+1 rules.

Tortoise queries are awaited: ``await Event.filter(...)``, ``await Event.get(...)``, ``async for e
in Event.all()``. A relation is never loaded behind your back: ``await event.tournament`` runs a
query unless the row's query had ``prefetch_related("tournament")``/``select_related(...)`` (a
loaded instance is returned as is), and ``await event.participants`` or
``event.participants.all()/filter()/count()`` always build a new query; reading a prefetched
relation without ``await`` (``for p in event.participants``) queries nothing. ``await
event.fetch_related("x")`` is one query per call. Nothing here imports Tortoise.
"""
from __future__ import annotations

from typing import Optional

ORM = "tortoise"

MODEL_BASES = frozenset({"tortoise.models.Model", "tortoise.Model"})
RELATION_FIELDS = {"ForeignKeyField": "tt-fk", "OneToOneField": "tt-o2o", "ManyToManyField": "tt-m2m"}
# classmethods of a model that start a query (a QuerySet, run when awaited)
STARTS = frozenset({
    "filter", "exclude", "all", "annotate", "order_by", "select_related", "prefetch_related", "only",
    "distinct", "limit", "offset", "select_for_update", "using_db",
})
LAZY = STARTS | frozenset({"group_by", "having", "defer", "force_index", "use_index"})
# awaited, these run one query for one row / a number / plain dicts or tuples
SINGLE = frozenset({"get", "get_or_none", "first", "last", "latest", "earliest"})
COUNTS = frozenset({"count", "exists"})
ROWS = frozenset({"values", "values_list"})
WRITES = frozenset({"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "update",
                    "delete", "save", "in_bulk_update"})
# calls on a reverse / many-to-many relation: a new query even when the relation is prefetched
RELATED_QUERY = frozenset({"all", "filter", "exclude", "order_by", "count", "exists", "first", "get",
                           "get_or_none", "limit", "offset", "values", "values_list"})


def is_tortoise(qualname: Optional[str]) -> bool:
    return bool(qualname) and (qualname == "tortoise" or qualname.startswith("tortoise."))  # type: ignore[union-attr]


def is_model_base(qualname: Optional[str]) -> bool:
    return qualname in MODEL_BASES


def relation_kind(qualname: Optional[str]) -> Optional[str]:
    if not is_tortoise(qualname):
        return None
    return RELATION_FIELDS.get(qualname.rsplit(".", 1)[-1])  # type: ignore[union-attr]
