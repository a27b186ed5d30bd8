"""What backlint knows about Peewee: data and tiny predicates for the N+1 rules (BL201, BL202).

Peewee runs a query when a ``SelectQuery`` is iterated or executed (``get()``, ``count()``...),
and reads a ``ForeignKeyField`` lazily: ``tweet.user`` is one query per row unless the row's
query joined and selected the related model (``Tweet.select(Tweet, User).join(User)``) or
``prefetch()`` loaded it. A backref (``user.tweets``) is a new ``SelectQuery`` on every access;
``prefetch(users, Tweet.select())`` replaces it by a list. Nothing here imports Peewee.
"""
from __future__ import annotations

from typing import Optional

ORM = "peewee"
_ROOTS = ("peewee.", "playhouse.")

# field constructors that declare a relation, by the kind the N+1 index knows them as
RELATION_FIELDS = {"ForeignKeyField": "pw-fk", "DeferredForeignKey": "pw-fk", "ManyToManyField": "pw-m2m"}
# classmethods that start a query on the model, and those that run it at once (a row or None)
STARTS = frozenset({"select"})
SINGLE = frozenset({"get", "get_or_none", "get_by_id"})
# query methods: still a query / run it (one row, a number) / rows that are not model instances
LAZY = frozenset({
    "where", "orwhere", "join", "join_from", "left_outer_join", "switch", "order_by", "order_by_extend",
    "limit", "offset", "paginate", "distinct", "group_by", "having", "objects", "for_update", "select",
    "select_extend", "from_", "window", "with_cte", "filter",
})
EXEC = frozenset({"get", "get_or_none", "first", "peek", "count", "exists", "scalar"})
ROWS = frozenset({"dicts", "tuples", "namedtuples"})
WRITES = frozenset({"create", "insert", "insert_many", "insert_from", "replace", "replace_many", "update",
                    "delete", "bulk_create", "bulk_update", "get_or_create", "delete_instance", "save"})
# methods on a backref / many-to-many accessor: each builds and runs a new query
RELATED_QUERY = frozenset({"where", "count", "select", "order_by", "limit", "exists", "first", "get",
                           "join", "get_or_none", "scalar", "paginate"})


def is_peewee(qualname: Optional[str]) -> bool:
    return bool(qualname) and (qualname == "peewee" or qualname.startswith(_ROOTS))  # type: ignore[union-attr]


def is_model_base(qualname: Optional[str]) -> bool:
    """``peewee.Model`` and the playhouse model classes (``playhouse.signals.Model``...)."""
    return is_peewee(qualname) and qualname.rsplit(".", 1)[-1] == "Model"  # type: ignore[union-attr]


def relation_kind(qualname: Optional[str]) -> Optional[str]:
    if not is_peewee(qualname):
        return None
    return RELATION_FIELDS.get(qualname.rsplit(".", 1)[-1])  # type: ignore[union-attr]


def default_backref(owner: str) -> str:
    """Peewee names an undeclared backref ``<model name, lower case>_set``."""
    return owner.lower() + "_set"
