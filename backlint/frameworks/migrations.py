"""What backlint knows about Django and Alembic migrations.

Plain data plus small predicates; the BL5xx rules (``backlint.rules.migrations``) ask here.
Nothing here imports Django, Alembic or SQLAlchemy, and nothing needs settings or a database:
a migration is recognised by its content, its fields are summarised from the literal keyword
arguments written in the file.

Qualified names follow ``backlint.semantics`` (``"django.db.migrations.AddField"``,
``"alembic.op.add_column"``, ``"alembic.op.batch_alter_table().add_column"``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

DATABASES = ("postgresql", "mysql", "sqlite")
ALL_DATABASES: FrozenSet[str] = frozenset(DATABASES)
POSTGRESQL: FrozenSet[str] = frozenset({"postgresql"})
LOCKING_DATABASES: FrozenSet[str] = frozenset({"postgresql", "mysql"})  # DDL that rewrites or scans
TRANSACTIONAL_DDL: FrozenSet[str] = frozenset({"postgresql", "sqlite"})  # DDL locks held to COMMIT

# -- Django ------------------------------------------------------------------------------------

DJANGO_MIGRATION_BASES = frozenset({
    "django.db.migrations.Migration",
    "django.db.migrations.migration.Migration",
})

DJANGO_OPERATIONS = frozenset({
    "CreateModel", "DeleteModel", "RenameModel", "AlterModelTable", "AlterModelTableComment",
    "AlterUniqueTogether", "AlterIndexTogether", "AlterOrderWithRespectTo", "AlterModelOptions",
    "AlterModelManagers", "AddIndex", "RemoveIndex", "RenameIndex", "AddField", "RemoveField",
    "AlterField", "RenameField", "AddConstraint", "RemoveConstraint", "AlterConstraint",
    "SeparateDatabaseAndState", "RunSQL", "RunPython",
    # django.contrib.postgres.operations
    "AddIndexConcurrently", "RemoveIndexConcurrently", "AddConstraintNotValid", "ValidateConstraint",
    "CreateExtension", "BloomExtension", "BtreeGinExtension", "BtreeGistExtension", "CITextExtension",
    "CryptoExtension", "HStoreExtension", "TrigramExtension", "UnaccentExtension", "CreateCollation",
    "RemoveCollation",
})

_DJANGO_OPERATION_MODULES = (
    "django.db.migrations",
    "django.db.migrations.operations",
    "django.db.migrations.operations.fields",
    "django.db.migrations.operations.models",
    "django.db.migrations.operations.special",
    "django.contrib.postgres.operations",
)

# RunPython / RunSQL "do nothing" reverse callables
DJANGO_NOOPS = ("RunPython.noop", "RunSQL.noop")

# Model methods that write rows (used to tell whether a RunPython function writes a model)
ORM_WRITE_METHODS = frozenset({
    "save", "update", "create", "bulk_create", "bulk_update", "delete", "get_or_create",
    "update_or_create", "add", "remove", "set", "clear", "raw", "execute",
})


def is_django_migration_base(qualname: Optional[str]) -> bool:
    return qualname in DJANGO_MIGRATION_BASES


def django_operation(qualname: Optional[str]) -> Optional[str]:
    """``"AddField"`` for any spelling of ``django.db.migrations.AddField``, else None."""
    if not qualname:
        return None
    module, _, name = qualname.rpartition(".")
    if name in DJANGO_OPERATIONS and module in _DJANGO_OPERATION_MODULES:
        return name
    return None


def django_app_and_name(path: str) -> Tuple[Optional[str], str]:
    """(app label guessed from ``<app>/migrations/<name>.py``, migration name) of a file path."""
    parts = re.split(r"[\\/]", path)
    name = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    app = parts[-3] if len(parts) >= 3 and parts[-2] == "migrations" else None
    return app, name


def migration_number(name: str) -> Optional[int]:
    match = re.match(r"(\d+)", name)
    return int(match.group(1)) if match else None


def django_order_key(name: str) -> Tuple[int, str]:
    number = migration_number(name)
    return (number if number is not None else -1, name)


class Expr:
    """A non-literal argument value: its source text and, for a call, the callee as written."""

    __slots__ = ("text", "callee")

    def __init__(self, text: str, callee: Optional[str] = None) -> None:
        self.text = text
        self.callee = callee

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Expr({self.text!r})"


# Django field classes -> (column type family, default max_length for varchar families)
_VARCHAR_FIELDS: Dict[str, Optional[int]] = {
    "CharField": None, "SlugField": 50, "EmailField": 254, "URLField": 200, "FileField": 100,
    "ImageField": 100, "FilePathField": 100, "CommaSeparatedIntegerField": None,
}
_COLUMN_TYPES: Dict[str, str] = {
    "TextField": "text", "IntegerField": "integer", "PositiveIntegerField": "integer",
    "AutoField": "integer", "BigIntegerField": "bigint", "PositiveBigIntegerField": "bigint",
    "BigAutoField": "bigint", "SmallIntegerField": "smallint", "PositiveSmallIntegerField": "smallint",
    "SmallAutoField": "smallint", "BooleanField": "boolean", "NullBooleanField": "boolean",
    "DateField": "date", "DateTimeField": "timestamp", "TimeField": "time", "DurationField": "interval",
    "FloatField": "double precision", "UUIDField": "uuid", "JSONField": "jsonb", "BinaryField": "bytea",
    "GenericIPAddressField": "inet", "IPAddressField": "inet", "DecimalField": "numeric",
}
_POSITIVE_FIELDS = frozenset({"PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"})
_AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
_FK_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey"})
_NO_COLUMN_FIELDS = frozenset({"ManyToManyField", "GenericRelation", "GenericForeignKey", "ParentalManyToManyField",
                               "TaggableManager"})
_GENERATED_FIELDS = frozenset({"GeneratedField"}) | _AUTO_FIELDS
# fields for which Django's schema editor uses '' as the effective default when blank=True
_EMPTY_STRING_FIELDS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField",
                                  "FileField", "ImageField", "BinaryField", "CICharField", "CITextField",
                                  "CIEmailField"})
# django-add-default-value: sets a database default on a column added by AddField
ADD_DEFAULT_VALUE = frozenset({"django_add_default_value.AddDefaultValue",
                               "django_add_default_value.operations.AddDefaultValue"})


@dataclass(frozen=True)
class FieldInfo:
    """What a migration's field definition says, from its literal arguments.

    ``None`` in a tri-state attribute means the file does not say it in a way we can read
    (a variable, ``**kwargs``), which makes every check that needs it stay silent.
    """

    cls: str  # the class name as written, last dotted part ("CharField")
    null: Optional[bool]
    db_default: bool
    default: bool
    unique: Optional[bool]
    primary_key: bool
    db_index: Optional[bool]  # explicit value; None when not given
    db_index_given: bool
    max_length: Any  # int, None (not given) or Expr
    max_digits: Any
    decimal_places: Any
    to: Optional[str]  # foreign keys: the target, lower-cased text
    db_constraint: bool
    star_kwargs: bool
    blank: bool = False
    auto_now: bool = False  # auto_now or auto_now_add: Django fills existing rows with now()

    @property
    def fills_blank(self) -> bool:
        """Django fills existing rows with `''` (no default, NOT NULL, blank=True, a string field)."""
        return self.blank and self.cls in _EMPTY_STRING_FIELDS

    @property
    def is_fk(self) -> bool:
        return self.cls in _FK_FIELDS

    @property
    def has_column(self) -> bool:
        return self.cls not in _NO_COLUMN_FIELDS

    @property
    def generated(self) -> bool:
        return self.cls in _GENERATED_FIELDS

    @property
    def not_null(self) -> Optional[bool]:
        """True if the column is NOT NULL, None if the file does not tell."""
        if self.star_kwargs:
            return None
        return None if self.null is None else not self.null

    def index_reason(self) -> Optional[str]:
        """Why adding this field builds an index, or None."""
        if self.primary_key or not self.has_column:
            return None
        if self.unique or self.cls == "OneToOneField":
            return "`unique=True` builds a unique index" if self.unique else "a `OneToOneField` builds a unique index"
        if self.db_index:
            return "`db_index=True` builds an index"
        if self.cls == "SlugField" and self.db_index is None and not self.star_kwargs:
            return "a `SlugField` builds an index by default"
        if self.is_fk and self.db_index is not False and not self.star_kwargs:
            return "a `ForeignKey` builds an index by default"
        return None


def _flag(kwargs: Mapping[str, Any], key: str, default: Optional[bool]) -> Optional[bool]:
    if key not in kwargs:
        return default
    value = kwargs[key]
    return value if isinstance(value, bool) else None


def summarize_field(callee: str, positional: Sequence[Any], kwargs: Mapping[str, Any], star: bool) -> FieldInfo:
    """A :class:`FieldInfo` from a field constructor call's literal arguments.

    ``callee`` is the constructor as written or resolved (``models.CharField``); values are
    Python literals or :class:`Expr`.
    """
    cls = callee.rsplit(".", 1)[-1]
    null_default = cls == "NullBooleanField"
    db_default = "db_default" in kwargs and kwargs["db_default"] is not None
    to: Optional[str] = None
    target = kwargs.get("to", positional[0] if positional and cls in _FK_FIELDS else None)
    if isinstance(target, str):
        to = target.lower()
    elif isinstance(target, Expr):
        to = target.text.lower()
    db_constraint = kwargs.get("db_constraint", True) is not False
    return FieldInfo(
        cls=cls,
        null=_flag(kwargs, "null", null_default),
        db_default=db_default,
        default="default" in kwargs,
        unique=_flag(kwargs, "unique", False),
        primary_key=kwargs.get("primary_key") is True,
        db_index=_flag(kwargs, "db_index", None),
        db_index_given="db_index" in kwargs,
        max_length=kwargs.get("max_length", _VARCHAR_FIELDS.get(cls)),
        max_digits=kwargs.get("max_digits"),
        decimal_places=kwargs.get("decimal_places"),
        to=to,
        db_constraint=db_constraint,
        star_kwargs=star,
        blank=kwargs.get("blank") is True,
        auto_now=kwargs.get("auto_now") is True or kwargs.get("auto_now_add") is True,
    )


def column_type(info: FieldInfo) -> Optional[Tuple[str, Tuple[Any, ...]]]:
    """(type family, parameters) of a built-in field's column, or None if unknown."""
    if info.cls in _VARCHAR_FIELDS:
        return ("varchar", (info.max_length,))
    family = _COLUMN_TYPES.get(info.cls)
    if family == "numeric":
        return (family, (info.max_digits, info.decimal_places))
    if family is not None:
        return (family, ())
    return None


def _type_text(t: Tuple[str, Tuple[Any, ...]]) -> str:
    family, params = t
    shown = [p for p in params if p is not None]
    if family == "varchar" and not shown:
        return "varchar"
    return f"{family}({', '.join(str(p) for p in shown)})" if shown else family


def field_changes(old: FieldInfo, new: FieldInfo) -> List[Tuple[str, str]]:
    """What altering ``old`` into ``new`` does to the table, as (kind, description) pairs.

    Kinds: ``set-not-null``, ``alter-type``, ``check``, ``unique``, ``foreign-key`` (BL504) and
    ``index`` (BL505). Changes PostgreSQL makes without touching the rows (widening a varchar,
    varchar to text, more digits on a numeric with the same scale, dropping NOT NULL) are not
    reported. Anything the file does not say literally is not reported either.
    """
    changes: List[Tuple[str, str]] = []
    if new.star_kwargs or old.star_kwargs or not new.has_column or not old.has_column:
        return changes
    if old.null is True and new.null is False:
        changes.append(("set-not-null", "makes the column NOT NULL"))
    if new.is_fk or old.is_fk:
        if new.is_fk and not old.is_fk:
            changes.append(("foreign-key", "turns the column into a foreign key"))
        elif new.is_fk and old.is_fk:
            if old.to is not None and new.to is not None and old.to != new.to:
                changes.append(("foreign-key", f"points the foreign key at `{new.to}` instead of `{old.to}`"))
            elif new.db_constraint and not old.db_constraint:
                changes.append(("foreign-key", "adds the foreign key constraint (`db_constraint=True`)"))
    else:
        old_t, new_t = column_type(old), column_type(new)
        if old_t is not None and new_t is not None and old_t != new_t:
            if not _coercible(old_t, new_t):
                changes.append(("alter-type", f"changes the column type from {_type_text(old_t)} to {_type_text(new_t)}"))
        if new.cls in _POSITIVE_FIELDS and old.cls not in _POSITIVE_FIELDS and old_t is not None:
            changes.append(("check", f"adds a CHECK (>= 0) constraint (`{new.cls}`)"))
    if new.unique and not old.unique and not old.primary_key and not new.primary_key:
        changes.append(("unique", "adds a unique constraint"))
    old_index = old.index_reason() is not None
    new_reason = new.index_reason()
    if new_reason and not old_index and not new.unique and new.cls != "OneToOneField":
        changes.append(("index", new_reason.replace("builds", "adds")))
    return changes


def _coercible(old: Tuple[str, Tuple[Any, ...]], new: Tuple[str, Tuple[Any, ...]]) -> bool:
    """True if PostgreSQL changes ``old`` to ``new`` without rewriting or scanning the table."""
    (of, op), (nf, np) = old, new
    if any(isinstance(p, Expr) for p in op + np):
        return True  # cannot tell: stay silent
    if of == "varchar" and nf == "text":
        return True
    if of == nf == "varchar":
        old_len, new_len = op[0], np[0]
        return new_len is None or (old_len is not None and new_len >= old_len)
    if of == nf == "numeric":
        (od, oplaces), (nd, nplaces) = op, np
        return oplaces == nplaces and (nd is None or (od is not None and nd >= od))
    return False


# -- Alembic -------------------------------------------------------------------------------------

ALEMBIC_OP = "alembic.op."
ALEMBIC_BATCH = "alembic.op.batch_alter_table()."
ALEMBIC_AUTOCOMMIT = frozenset({
    "alembic.op.get_context().autocommit_block",
    "alembic.context.get_context().autocommit_block",
})
ALEMBIC_BIND_EXECUTE = frozenset({
    "alembic.op.get_bind().execute",
    "alembic.op.get_bind().exec_driver_sql",
    "alembic.op.get_context().bind.execute",
})
SQLALCHEMY_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                             "sqlalchemy.DDL", "sqlalchemy.schema.DDL"})
SQLALCHEMY_TABLE = frozenset({"sqlalchemy.table", "sqlalchemy.sql.table", "sqlalchemy.sql.expression.table",
                              "sqlalchemy.Table", "sqlalchemy.schema.Table", "alembic.op.create_table"})
SQLALCHEMY_COLUMN = frozenset({"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column"})
# positional Column arguments that make the database generate the value
SQLALCHEMY_GENERATED = frozenset({"Identity", "Computed", "Sequence", "FetchedValue"})
_STRING_TYPES = frozenset({"String", "VARCHAR", "Unicode", "NVARCHAR", "CHAR", "NCHAR"})
_TEXT_TYPES = frozenset({"Text", "TEXT", "UnicodeText", "CLOB"})
_NUMERIC_TYPES = frozenset({"Numeric", "NUMERIC", "DECIMAL", "Decimal"})


def alembic_operation(qualname: Optional[str]) -> Optional[Tuple[str, bool]]:
    """(operation, is_batch) for ``alembic.op.<name>`` or a batch operation, else None."""
    if not qualname:
        return None
    if qualname.startswith(ALEMBIC_BATCH):
        rest = qualname[len(ALEMBIC_BATCH):]
        return (rest, True) if rest.isidentifier() else None
    if qualname.startswith(ALEMBIC_OP):
        rest = qualname[len(ALEMBIC_OP):]
        return (rest, False) if rest.isidentifier() else None
    return None


@dataclass(frozen=True)
class SqlType:
    """An SQLAlchemy type as written: class name and first argument (a length)."""

    name: str
    length: Any = None
    scale: Any = None  # Numeric(precision, scale): the second argument

    def text(self) -> str:
        if self.length is None:
            return self.name
        return f"{self.name}({self.length}, {self.scale})" if self.scale is not None else f"{self.name}({self.length})"


def is_unbounded_text(sql_type: SqlType) -> bool:
    """TEXT, or a varchar without a length."""
    return sql_type.name in _TEXT_TYPES or (sql_type.name in _STRING_TYPES and sql_type.length is None
                                            and not sql_type.name.startswith("N") and sql_type.name != "CHAR")


def alembic_type_change_is_safe(old: Optional[SqlType], new: Optional[SqlType]) -> bool:
    """True if changing ``old`` to ``new`` needs no rewrite on PostgreSQL (widening strings)."""
    if old is None or new is None:
        return False
    if isinstance(old.length, Expr) or isinstance(new.length, Expr):
        return False
    if old.name == new.name and old.length == new.length and old.scale == new.scale:
        return True
    if old.name in _STRING_TYPES and new.name in _TEXT_TYPES:
        return True
    if old.name in _STRING_TYPES and new.name in _STRING_TYPES and old.name.startswith("N") == new.name.startswith("N"):
        return new.length is None or (old.length is not None and new.length >= old.length)
    if old.name in _NUMERIC_TYPES and new.name in _NUMERIC_TYPES and old.scale == new.scale:
        # more digits at the same scale: PostgreSQL changes the typmod without a rewrite
        return new.length is None or (old.length is not None and new.length >= old.length)
    return False


# -- the migrations-since cut-off -------------------------------------------------------------


def validate_database(value: Any) -> str:
    return "" if value in DATABASES else f"must be one of {', '.join(DATABASES)}"


def validate_since(value: Any) -> str:
    if isinstance(value, str):
        return ""
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return ""
    return "must be a migration name, an Alembic revision id, or a table of app label = migration name"


def django_cutoff(option: Any, app: Optional[str]) -> Optional[str]:
    """The first migration name to check for ``app``, or None (check every migration)."""
    if isinstance(option, str):
        return option or None
    if isinstance(option, dict) and app is not None:
        return option.get(app) or None
    return None


def alembic_cutoff(option: Any) -> Optional[str]:
    """The first Alembic revision to check (a string, or the ``alembic`` key of a table)."""
    if isinstance(option, str):
        return option or None
    if isinstance(option, dict):
        return option.get("alembic") or None
    return None


def django_in_scope(name: str, cutoff: Optional[str]) -> bool:
    """True if migration ``name`` is at or after ``cutoff`` (compared by number when both have one)."""
    if not cutoff:
        return True
    mine, theirs = migration_number(name), migration_number(cutoff)
    if mine is not None and theirs is not None:
        return mine >= theirs
    return name >= cutoff
