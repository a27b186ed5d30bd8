"""What backlint knows about Django's ORM and SQLAlchemy: data and tiny predicates.

The N+1 rules (BL201, BL202) ask this module which calls execute a query, which methods keep a
queryset lazy, which class-body calls declare a relation and how an eager-loading option is
spelled. Nothing here imports Django or SQLAlchemy.
"""
from __future__ import annotations

import re
from typing import Optional

# -- Django ------------------------------------------------------------------------------------

# QuerySet methods that return another lazy QuerySet (the chain stays unevaluated).
DJANGO_LAZY = frozenset({
    "all", "filter", "exclude", "order_by", "distinct", "annotate", "alias", "only", "defer",
    "using", "reverse", "none", "select_for_update", "extra", "complex_filter", "union",
    "intersection", "difference", "iterator", "select_related", "prefetch_related",
})
# QuerySet methods whose rows are plain dicts/tuples/dates: no model instances, no relations.
DJANGO_ROWS = frozenset({"values", "values_list", "dates", "datetimes"})
# QuerySet methods that run a query when called (and their async twins with an ``a`` prefix).
_DJANGO_EXEC = (
    "get", "first", "last", "latest", "earliest", "count", "exists", "aggregate", "contains",
    "get_or_create", "update_or_create", "in_bulk", "explain",
)
DJANGO_EXEC = frozenset(_DJANGO_EXEC) | frozenset("a" + m for m in _DJANGO_EXEC)
DJANGO_SINGLE = frozenset({"get", "first", "last", "latest", "earliest", "aget", "afirst", "alast",
                           "alatest", "aearliest"})
# Manager attributes that start a query chain.
DJANGO_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Related-manager methods answered from a prefetch cache (so `prefetch_related` fixes them).
RELATED_CACHED = frozenset({"all", "count", "exists", "iterator"})
# Related-manager methods that always build a new query, prefetched or not.
RELATED_QUERY = frozenset({
    "filter", "exclude", "get", "order_by", "first", "last", "latest", "earliest", "values",
    "values_list", "annotate", "aggregate", "distinct", "in_bulk", "afirst", "aget", "acount",
    "aexists", "alast",
}) | frozenset({"get_or_create", "update_or_create"})
DJANGO_RELATION_FIELDS = {
    "ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m",
    "GenericForeignKey": "gfk", "ParentalKey": "fk", "ParentalManyToManyField": "m2m",
    "TreeForeignKey": "fk", "TreeOneToOneField": "o2o", "TreeManyToManyField": "m2m",
    "GenericRelation": "m2m",
}

# -- SQLAlchemy --------------------------------------------------------------------------------

SQLA_SELECT = frozenset({
    "sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select",
    "sqlalchemy.sql.expression.select", "sqlmodel.select", "sqlmodel.sql.expression.select",
})
# Statement / Query methods that return another statement or Query.
SQLA_LAZY = frozenset({
    "where", "filter", "filter_by", "order_by", "join", "outerjoin", "join_from", "options",
    "limit", "offset", "distinct", "group_by", "having", "execution_options", "correlate",
    "params", "select_from", "with_for_update", "enable_eagerloads", "populate_existing",
    "autoflush", "yield_per", "slice", "add_columns", "with_only_columns", "order_by",
})
SQLA_BATCH = frozenset({"limit", "offset", "slice", "yield_per"})
# Query (1.x) methods that execute.
SQLA_QUERY_EXEC = frozenset({
    "all", "first", "one", "one_or_none", "scalar", "count", "get", "delete", "update",
    "exists", "get_or_404", "first_or_404", "one_or_404", "paginate",
})
# Session methods that execute immediately.
SQLA_SESSION_EXEC = frozenset({
    "execute", "scalars", "scalar", "get", "get_one", "exec", "stream", "stream_scalars",
    "refresh",
})
# Result methods (rows stay in memory, no further query).
SQLA_RESULT = frozenset({"all", "scalars", "unique", "fetchall", "partitions", "columns"})
SQLA_RESULT_SINGLE = frozenset({"first", "one", "one_or_none", "scalar", "scalar_one",
                                "scalar_one_or_none", "fetchone"})
SQLA_LOADERS = {
    "joinedload": "joined", "selectinload": "selectin", "subqueryload": "subquery",
    "contains_eager": "joined", "immediateload": "immediate", "defaultload": "default",
    "lazyload": "lazy", "noload": "noload", "raiseload": "raise",
}
SQLA_EAGER_LAZY = frozenset({"joined", "selectin", "subquery", "immediate"})
# "?": a `lazy=` we cannot read (a variable): stay silent rather than guess
SQLA_SILENT_LAZY = frozenset({"raise", "raise_on_sql", "noload", "dynamic", "write_only", "?"})
# the boolean / None spellings of `lazy=` and the strategy SQLAlchemy maps them to
_SQLA_LAZY_CONSTANTS = {"True": "select", "False": "joined", "None": "noload"}


def sqla_lazy_strategy(spelled: str) -> str:
    """``lazy=True`` is ``"select"``, ``lazy=False`` is ``"joined"``, ``lazy=None`` is ``"noload"``."""
    return _SQLA_LAZY_CONSTANTS.get(spelled, spelled)
SQLA_RELATIONSHIP = frozenset({"relationship", "Relationship", "relation"})

_SESSION_NAME = re.compile(r"^(db_?session|dbsession|session|sess|db|async_session|db_sess|s?a?session)$")
_CURSOR_NAME = re.compile(r"(^|_)(cursor|cur|conn|connection)$")
_NOT_DB = ("requests", "httpx", "aiohttp", "urllib", "boto", "redis", "flask.session",
           "django.contrib.sessions")


def is_session_name(name: str) -> bool:
    """``session``, ``db``, ``self.db_session``... (the last identifier, leading ``_`` ignored)."""
    return bool(_SESSION_NAME.match(name.lstrip("_").lower()))


def is_cursor_name(name: str) -> bool:
    return bool(_CURSOR_NAME.search(name.lstrip("_").lower()))


def is_non_db(qualname: Optional[str]) -> bool:
    return bool(qualname) and qualname.startswith(_NOT_DB)  # type: ignore[union-attr]


def is_session_type(qualname: Optional[str]) -> bool:
    """An annotation or constructor that gives an SQLAlchemy/SQLModel session."""
    if not qualname:
        return False
    last = qualname.rstrip("()").rsplit(".", 1)[-1]
    return qualname.startswith(("sqlalchemy", "sqlmodel", "flask_sqlalchemy")) and last in (
        "Session", "AsyncSession", "scoped_session", "async_scoped_session", "sessionmaker",
        "async_sessionmaker",
    )


def relation_field_kind(qualname: Optional[str], dotted: Optional[str]) -> Optional[str]:
    """'fk' | 'o2o' | 'm2m' | 'gfk' for a Django relation field constructor, 'rel' for SQLAlchemy."""
    for name in (qualname, dotted):
        if not name:
            continue
        last = name.rsplit(".", 1)[-1]
        if last in DJANGO_RELATION_FIELDS:
            return DJANGO_RELATION_FIELDS[last]
        if last in SQLA_RELATIONSHIP and (name == last or "sqlalchemy" in name or "sqlmodel" in name
                                          or name.startswith(("db.", "orm.", "sa.", "sqla."))):
            return "rel"
    return None


TERMINAL_BASES = (
    "django.db.models.Model", "django.db.models.base.Model", "sqlalchemy", "sqlmodel.SQLModel",
    "flask_sqlalchemy", "object",
)


def module_name(path: str) -> str:
    """``examples/shop/app/models.py`` -> ``examples.shop.app.models``."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    if p.endswith(".py"):
        p = p[:-3]
    if p.endswith("/__init__"):
        p = p[: -len("/__init__")]
    return p.strip("/").replace("/", ".")


def absolute(ref: Optional[str], module: str, is_package: bool = False) -> Optional[str]:
    """Resolve a relative qualified name (``..models.Order``) against ``module``."""
    if not ref or not ref.startswith("."):
        return ref
    dots = len(ref) - len(ref.lstrip("."))
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if dots > 1:
        parts = parts[: len(parts) - (dots - 1)] if dots - 1 <= len(parts) else []
    rest = ref[dots:]
    return ".".join([p for p in parts if p] + ([rest] if rest else []))


try:  # Python 3.10+
    import sys as _sys

    _STDLIB = frozenset(_sys.stdlib_module_names)  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - Python 3.9
    _STDLIB = frozenset({
        "os", "sys", "json", "re", "time", "datetime", "logging", "typing", "collections",
        "itertools", "functools", "math", "random", "uuid", "hashlib", "subprocess", "shutil",
        "pathlib", "io", "csv", "copy", "decimal", "enum", "asyncio", "threading", "urllib",
        "http", "socket", "email", "base64", "string", "textwrap", "operator", "contextlib",
        "dataclasses", "inspect", "traceback", "warnings", "tempfile", "glob", "pickle",
    })
_LIBRARIES = frozenset({
    "django", "sqlalchemy", "sqlmodel", "rest_framework", "flask", "flask_sqlalchemy", "fastapi",
    "pydantic", "starlette", "celery", "requests", "httpx", "aiohttp", "numpy", "pandas",
    "typing_extensions", "click", "jinja2", "werkzeug", "alembic", "pytest", "attr", "attrs",
    "yaml", "six", "dateutil", "pytz", "markupsafe", "boto3", "botocore", "redis", "structlog",
    "peewee", "playhouse", "tortoise",
})


def is_library(qualname: Optional[str]) -> bool:
    """A callee that is certainly not project code (stdlib or a well-known framework)."""
    if not qualname or qualname.startswith("."):
        return False
    return qualname.split(".", 1)[0] in _STDLIB or qualname.split(".", 1)[0] in _LIBRARIES
