"""What backlint knows about code that sends SQL text to a database.

Plain data plus tiny predicates; the ``unparameterized-sql`` rule asks here which calls are SQL
sinks, which argument carries the SQL text and how the driver wants values passed instead.
Qualified names follow ``backlint.semantics``: ``"sqlite3.connect().cursor().execute"`` is the
``execute`` method of a cursor made from a ``sqlite3.connect()`` connection.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Sequence, Tuple

from .._lazy import cst

from ..semantics import keyword_arg, positional_args


# -- drivers and their placeholder styles --------------------------------------------------------

@dataclass(frozen=True)
class Driver:
    """A database API and how it takes values separately from the SQL text."""

    label: str  # shown in messages
    advice: str  # what to write instead


DRIVERS: Dict[str, Driver] = {
    "sqlite3": Driver(
        "sqlite3",
        "use `?` placeholders and pass the values as the second argument, "
        "e.g. `cur.execute(\"... WHERE id = ?\", (user_id,))`",
    ),
    "psycopg": Driver(
        "psycopg",
        "use `%s` placeholders and pass the values as the second argument, "
        "e.g. `cur.execute(\"... WHERE id = %s\", (user_id,))`; for identifiers use "
        "`sql.SQL(...).format(sql.Identifier(name))`",
    ),
    "mysql": Driver(
        "PyMySQL/MySQLdb",
        "use `%s` placeholders and pass the values as the second argument, "
        "e.g. `cur.execute(\"... WHERE id = %s\", (user_id,))`",
    ),
    "django": Driver(
        "Django",
        "use `%s` placeholders and pass the values as `params`, "
        "e.g. `cursor.execute(\"... WHERE id = %s\", [user_id])`",
    ),
    "dbapi": Driver(
        "DB-API",
        "use the driver's placeholders (`%s` for psycopg, PyMySQL, MySQLdb and Django, `?` for "
        "sqlite3) and pass the values as the second argument of `execute()`",
    ),
    "asyncpg": Driver(
        "asyncpg",
        "use `$1`, `$2`, ... placeholders and pass the values as extra arguments, "
        "e.g. `await conn.fetch(\"... WHERE id = $1\", user_id)`",
    ),
    "sqlalchemy": Driver(
        "SQLAlchemy",
        "use `:name` bind parameters and pass the values when executing, "
        "e.g. `session.execute(text(\"... WHERE id = :id\"), {\"id\": user_id})`, or build the "
        "statement with `select()`/`update()`",
    ),
    "databases": Driver(
        "databases",
        "use `:name` placeholders and pass `values={...}`, "
        "e.g. `await database.fetch_all(\"... WHERE id = :id\", values={\"id\": user_id})`",
    ),
    "django-raw": Driver(
        "Django",
        "use `%s` placeholders and pass `params=[...]`",
    ),
    "pandas": Driver(
        "pandas",
        "use the connection's placeholders (`%s`, `?` or `:name`) and pass `params=`",
    ),
    "peewee": Driver(
        "peewee",
        "use the database's placeholders (`?` for SQLite, `%s` for PostgreSQL/MySQL) and pass "
        "the values as the `params` argument of `execute_sql(sql, params)`",
    ),
    "tortoise": Driver(
        "Tortoise ORM",
        "use the backend's placeholders (`$1` asyncpg, `%s` MySQL, `?` SQLite) and pass `values=`",
    ),
    "psycopg-sql": Driver(
        "psycopg.sql",
        "keep `sql.SQL()` literal and compose with `.format(sql.Identifier(name))` or "
        "`sql.Literal(value)`, or use `%s` placeholders",
    ),
}

# Root module of a qualified name -> driver key.
ROOT_DRIVERS: Dict[str, str] = {
    "sqlite3": "sqlite3",
    "aiosqlite": "sqlite3",
    "psycopg2": "psycopg",
    "psycopg": "psycopg",
    "aiopg": "psycopg",
    "pymysql": "mysql",
    "MySQLdb": "mysql",
    "aiomysql": "mysql",
    "mysql": "mysql",
    "django": "django",
    "asyncpg": "asyncpg",
    "sqlalchemy": "sqlalchemy",
    "sqlmodel": "sqlalchemy",
    "flask_sqlalchemy": "sqlalchemy",
    "databases": "databases",
    "peewee": "peewee",
    "playhouse": "peewee",
    "tortoise": "tortoise",
}

DBAPI_METHODS: FrozenSet[str] = frozenset({"execute", "executemany", "executescript"})

# Methods that send SQL, per API family (looked up for receivers of a known driver).
DRIVER_METHODS: Dict[str, FrozenSet[str]] = {
    "asyncpg": frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "cursor",
                          "prepare", "copy_from_query"}),
    "sqlalchemy": frozenset({"execute", "exec_driver_sql", "scalar", "scalars"}),
    "databases": frozenset({"execute", "execute_many", "fetch_all", "fetch_one", "fetch_val",
                            "iterate"}),
    "peewee": frozenset({"execute_sql", "raw"}),
    "tortoise": frozenset({"execute_query", "execute_query_dict", "execute_script",
                           "execute_insert", "execute_many"}),
}

# Connections of drivers that have an `execute` shortcut (no cursor needed).
DBAPI_CONNECTIONS: FrozenSet[str] = frozenset({
    "sqlite3.connect()", "sqlite3.Connection()", "sqlite3.dbapi2.connect()",
    "psycopg.connect()", "psycopg.Connection()", "psycopg.Connection.connect()",
    "psycopg.AsyncConnection()", "psycopg.AsyncConnection.connect()",
    "aiosqlite.connect()", "aiosqlite.Connection()",
})

# Cursor types as they appear in annotations (``cur: sqlite3.Cursor``).
DBAPI_CURSOR_TYPES: FrozenSet[str] = frozenset({
    "sqlite3.Cursor()", "psycopg2.extensions.cursor()", "psycopg2.extras.DictCursor()",
    "psycopg2.extras.RealDictCursor()", "psycopg.Cursor()", "psycopg.AsyncCursor()",
    "psycopg.ServerCursor()", "pymysql.cursors.Cursor()", "pymysql.cursors.DictCursor()",
    "MySQLdb.cursors.Cursor()", "aiosqlite.Cursor()", "aiomysql.Cursor()", "aiopg.Cursor()",
})

# Methods that, on an unknown receiver, are reported only when the text looks like SQL.
GENERIC_METHODS: Dict[str, str] = {
    "execute": "dbapi", "executemany": "dbapi", "executescript": "sqlite3",
    "exec_driver_sql": "sqlalchemy",
    "fetch": "asyncpg", "fetchrow": "asyncpg", "fetchval": "asyncpg", "cursor": "asyncpg",
    "prepare": "asyncpg",
    "fetch_all": "databases", "fetch_one": "databases", "fetch_val": "databases",
    "execute_sql": "peewee", "raw": "django-raw",
    "execute_query": "tortoise", "execute_query_dict": "tortoise",
}


@dataclass(frozen=True)
class Sink:
    """A call that sends SQL text to the database."""

    display: str  # e.g. "cursor.execute"
    driver: str  # key of DRIVERS
    positions: Tuple[int, ...] = (0,)  # positional indexes that carry SQL
    keywords: Tuple[str, ...] = ("sql", "query", "operation", "statement", "stmt", "raw_query")
    generic: bool = False  # receiver unknown: only report SQL-looking text
    # keyword -> "list" | "dict-values": Django's QuerySet.extra(where=[...], select={...})
    containers: Tuple[Tuple[str, str], ...] = ()


# Functions (not methods) that take SQL text.
FUNCTION_SINKS: Dict[str, Sink] = {}
for _q in ("sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
           "sqlalchemy.sql.expression.TextClause", "sqlmodel.text", "flask_sqlalchemy.SQLAlchemy().text"):
    FUNCTION_SINKS[_q] = Sink("sqlalchemy.text()", "sqlalchemy", keywords=("text",))
for _q in ("django.db.models.expressions.RawSQL", "django.db.models.RawSQL"):
    FUNCTION_SINKS[_q] = Sink("django RawSQL()", "django-raw", keywords=("sql",))
for _q in ("pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql",
           "pandas.io.sql.read_sql_query"):
    FUNCTION_SINKS[_q] = Sink(_q.replace("pandas.io.sql.", "pandas.") + "()", "pandas",
                              keywords=("sql",))
for _q in ("psycopg2.sql.SQL", "psycopg.sql.SQL"):
    FUNCTION_SINKS[_q] = Sink("psycopg sql.SQL()", "psycopg-sql", keywords=("obj", "string"))

# Qualified-name prefixes of psycopg's safe composition API (``sql.Identifier``, ``.format``).
PSYCOPG_COMPOSE_PREFIXES: Tuple[str, ...] = ("psycopg2.sql.", "psycopg.sql.")

DJANGO_MANAGERS: FrozenSet[str] = frozenset({"objects", "_default_manager", "_base_manager"})


def _root(qualname: str) -> str:
    return qualname.split(".", 1)[0]


def receiver_driver(qualname: Optional[str]) -> Optional[str]:
    """The driver key of a receiver's qualified name, if it is rooted in a known database API."""
    if not qualname:
        return None
    return ROOT_DRIVERS.get(_root(qualname))


def is_cursor(qualname: Optional[str]) -> bool:
    """True for an object obtained from ``.cursor()`` or annotated with a DB-API cursor type."""
    if not qualname:
        return False
    return qualname.endswith(".cursor()") or qualname in DBAPI_CURSOR_TYPES


def method_sink(method: str, receiver: Optional[str], call: cst.Call) -> Optional[Sink]:
    """The sink for ``<receiver>.<method>(...)``; ``receiver`` is its qualified name or None."""
    driver = receiver_driver(receiver)
    if method in DBAPI_METHODS and (is_cursor(receiver) or (receiver or "") in DBAPI_CONNECTIONS):
        key = driver if driver in ("sqlite3", "psycopg", "mysql", "django") else "dbapi"
        owner = "cursor" if is_cursor(receiver) else "connection"
        return Sink(f"{owner}.{method}", key)
    if driver in DRIVER_METHODS and method in DRIVER_METHODS[driver]:
        label = {"asyncpg": "asyncpg", "sqlalchemy": "Session/Connection", "databases": "Database",
                 "peewee": "Database", "tortoise": "connection"}[driver]
        if driver == "peewee" and method == "raw":
            return Sink("Model.raw", "peewee")
        return Sink(f"{label}.{method}", driver)
    if method == "extra" and any(keyword_arg(call, k) for k in ("where", "select", "tables", "order_by")):
        return Sink("QuerySet.extra", "django-raw", positions=(), keywords=(),
                    containers=(("where", "list"), ("tables", "list"), ("order_by", "list"),
                                ("select", "dict-values")))
    if method in GENERIC_METHODS:
        guessed = GENERIC_METHODS[method]
        if driver is not None and driver not in DRIVER_METHODS and driver != "django":
            guessed = driver if driver in DRIVERS else guessed
        return Sink(f".{method}", guessed, generic=True)
    return None


def django_raw_sink(func: cst.Attribute) -> Optional[Sink]:
    """``Model.objects.raw(sql)`` (syntactic: the model class is rarely resolvable)."""
    if func.attr.value != "raw":
        return None
    value = func.value
    if type(value) is cst.Attribute and value.attr.value in DJANGO_MANAGERS:
        return Sink("Manager.raw", "django-raw", keywords=("raw_query", "sql"))
    return None


def sql_arguments(call: cst.Call, sink: Sink) -> Sequence[cst.BaseExpression]:
    """The expressions of ``call`` that carry SQL text for ``sink``."""
    out = []
    positional = positional_args(call)
    for index in sink.positions:
        if len(positional) > index:
            out.append(positional[index].value)
    for name in sink.keywords:
        arg = keyword_arg(call, name)
        if arg is not None:
            out.append(arg.value)
    for name, shape in sink.containers:
        arg = keyword_arg(call, name)
        if arg is None:
            continue
        value = arg.value
        if shape == "list" and type(value) in (cst.List, cst.Tuple):
            out.extend(e.value for e in value.elements if type(e) is cst.Element)
        elif shape == "dict-values" and type(value) is cst.Dict:
            out.extend(e.value for e in value.elements if type(e) is cst.DictElement)
        else:
            out.append(value)
    return out


# -- what SQL text looks like ----------------------------------------------------------------------

_SQL_START = re.compile(
    r"^[\s(]*(select|insert\s+into|update|delete\s+from|with|create|drop|alter|truncate|"
    r"replace\s+into|merge|call|exec|execute|grant|revoke|pragma|vacuum|analyze|set|show|"
    r"describe|explain|copy|lock|refresh|comment\s+on|reindex|attach|upsert)\b",
    re.I,
)

HOLE = "\x00"


def looks_like_sql(text: Optional[str]) -> bool:
    """True if a string skeleton (interpolations written as ``HOLE``) starts like a SQL statement."""
    return bool(text) and bool(_SQL_START.match(text.replace(HOLE, " @ ")))


# Names of variables that hold SQL text built elsewhere: interpolating them composes statements,
# it does not put data into one.
SQL_TEXT_NAME = re.compile(
    r"^(sql|stmt|statement|clause|fragment|[a-z0-9_]*_(sql|stmt|statement|clause|fragment)|sql_[a-z0-9_]*)$",
    re.I,
)

# Attributes that name tables or columns declared in code, never data.
SCHEMA_ATTRIBUTES: FrozenSet[str] = frozenset({
    "db_table", "__tablename__", "table_name", "tablename", "db_column", "column", "__table__",
    "target_fullname",
})

# Upper-case attributes that hold request input, not constants (Django's ``request.GET``).
INPUT_ATTRIBUTES: FrozenSet[str] = frozenset({
    "GET", "POST", "FILES", "META", "COOKIES", "REQUEST", "PUT", "PATCH", "DATA", "QUERY_STRING",
    "HEADERS", "ARGS", "FORM", "JSON", "BODY",
})

# Callables whose result is safe to interpolate: numbers and quoting/escaping helpers.
NUMERIC_CALLS: FrozenSet[str] = frozenset({"int", "float", "bool", "len", "abs", "round", "complex"})
SANITIZER_WORDS = ("quote", "escape")
# Callees named exactly like a quoting helper (ckan's `identifier()`/`literal_string()` used from
# another module; SQLAlchemy's `literal()` renders a bind parameter).
SANITIZER_NAMES: FrozenSet[str] = frozenset({"identifier", "literal_string", "literal", "quote_literal"})

# Parameter annotations that make a value safe to interpolate (validated scalars).
SAFE_ANNOTATIONS: FrozenSet[str] = frozenset({
    "int", "float", "bool", "complex", "Decimal", "decimal.Decimal", "UUID", "uuid.UUID",
    "date", "datetime", "datetime.date", "datetime.datetime", "time", "timedelta",
    "datetime.timedelta", "conint", "PositiveInt", "NonNegativeInt",
})

# -- identifiers, numbers and compiled SQL that are safe to paste -----------------------------------

# Functions whose result renders as an identifier quoted by the dialect when formatted.
QUOTED_IDENTIFIER_CALLS: FrozenSet[str] = frozenset({
    "sqlalchemy.column", "sqlalchemy.table", "sqlalchemy.sql.column", "sqlalchemy.sql.table",
    "sqlalchemy.sql.expression.column", "sqlalchemy.sql.expression.table",
    "sqlalchemy.sql.quoted_name", "psycopg2.extensions.quote_ident", "psycopg.pq.Escaping",
})

# Functions that read the process environment: the operator's configuration, not outside input.
ENVIRONMENT_READS: FrozenSet[str] = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})

# Qualified functions that return numbers.
NUMERIC_QUALIFIED: FrozenSet[str] = frozenset({
    "math.ceil", "math.floor", "math.trunc", "math.log", "math.sqrt", "math.prod", "operator.index",
})

# Methods that return SQL compiled by SQLAlchemy or Django (its parameters travel separately).
COMPILED_SQL_METHODS: FrozenSet[str] = frozenset({"sql_with_params", "compile", "as_sql"})

# Inspector (SQLAlchemy) and introspection (Django) methods: names from the database catalogue.
CATALOGUE_METHODS: FrozenSet[str] = frozenset({
    "get_table_names", "get_view_names", "get_schema_names", "get_columns", "get_indexes",
    "get_foreign_keys", "get_pk_constraint", "get_unique_constraints", "get_check_constraints",
    "get_sequence_names", "get_materialized_view_names", "get_temp_table_names",
    "get_multi_columns", "get_table_list", "get_table_description", "get_constraints",
    "get_sequences", "get_relations", "get_primary_key_column",
})
_CATALOGUE_OWNERS = ("inspect", "introspection", "inspector")

# Attribute names of ORM metadata objects that hold identifiers (`column.key`, `table.name`).
ORM_IDENTIFIER_ATTRIBUTES: FrozenSet[str] = frozenset({"key", "name", "fullname", "attname", "column_name"})

# Methods whose result has no quote or separator a value could use to leave a literal.
PLAIN_TEXT_METHODS: FrozenSet[str] = frozenset({"isoformat", "strftime", "hexdigest", "hex"})
# Django field methods that give the column's database type for a connection: ORM metadata.
ORM_TYPE_METHODS: FrozenSet[str] = frozenset({"db_type", "rel_db_type", "cast_db_type", "db_type_suffix"})
# String methods that split a value into parts (safe parts stay safe).
SPLIT_METHODS: FrozenSet[str] = frozenset({"split", "rsplit", "partition", "rpartition", "splitlines"})
_ORM_OWNER_WORDS = ("column", "col", "table", "model", "field", "mapper", "_meta", "meta", "index",
                    "constraint", "sequence")

# Receivers rooted here run commands, not SQL (`git.execute([...])`, `subprocess`).
NON_SQL_ROOTS: FrozenSet[str] = frozenset({
    "subprocess", "os", "shlex", "git", "sh", "plumbum", "invoke", "fabric", "paramiko", "docker",
    "pexpect", "asyncio.subprocess",
})


def is_compiled_sql(node: cst.BaseExpression) -> bool:
    """``qs.query`` (Django's compiled query) or ``stmt.compile(...)`` inside ``str(...)``."""
    if type(node) is cst.Attribute and node.attr.value == "query":
        return True
    return (
        type(node) is cst.Call and type(node.func) is cst.Attribute
        and node.func.attr.value in COMPILED_SQL_METHODS
    )


def is_catalogue_call(method: str, receiver: Optional[str]) -> bool:
    if method in CATALOGUE_METHODS:
        return True
    return method == "table_names" and any(w in (receiver or "") for w in _CATALOGUE_OWNERS)


def _last_word(node: cst.BaseExpression) -> str:
    if type(node) is cst.Attribute:
        return node.attr.value.lower()
    if type(node) is cst.Name:
        return node.value.lower()
    if type(node) is cst.Call:
        return _last_word(node.func)
    if type(node) is cst.Subscript:
        return _last_word(node.value)
    return ""


def is_orm_identifier(node: cst.Attribute) -> bool:
    """``column.key``, ``orm_model.name``, ``table.c.x.name``, ``model._meta.pk.column``."""
    if node.attr.value not in ORM_IDENTIFIER_ATTRIBUTES:
        return False
    owner = _last_word(node.value)
    if owner in ("c", "columns", "__table__", "__mapper__", "pk"):
        return True
    return any(owner == w or owner.endswith("_" + w) for w in _ORM_OWNER_WORDS)


def is_text_argument(node: cst.BaseExpression) -> bool:
    """False for a list/tuple of arguments (a command line), True for anything else."""
    return type(node) not in (cst.List, cst.Tuple, cst.ListComp, cst.Set)


def is_migration_receiver(node: cst.BaseExpression) -> bool:
    """Django's ``schema_editor`` (a migration operation's or ``RunPython`` function's)."""
    return type(node) is cst.Name and node.value == "schema_editor"


def is_command_runner(receiver: Optional[str]) -> bool:
    """A receiver rooted in a module that runs shell or git commands."""
    if not receiver:
        return False
    return any(receiver == r or receiver.startswith(r + ".") for r in NON_SQL_ROOTS)
