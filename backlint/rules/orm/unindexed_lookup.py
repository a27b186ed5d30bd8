from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from ..._lazy import cst
from ...findings import Severity
from ...frameworks import index_lookups as il
from ...frameworks import model_indexes, orm, roles
from ...project import ProjectReport
from ...rule import Rule
from . import _index_check

MARKERS = ("objects", "filter", "where", "order_by", "Column", "mapped_column", "Field(", "Index",
           "create_index", "CREATE INDEX", "create index", "unique_together")


class UnindexedLookup(Rule):
    """A query filters or orders by a model field that has no database index.

    ## What it does
    Reads every model the project defines and the indexes it has: Django fields with
    `primary_key`, `unique` or `db_index=True`, `ForeignKey`/`OneToOneField` (indexed unless
    `db_index=False`), `SlugField`, the leading field of `Meta.indexes`, `unique_together`,
    `index_together` and `constraints`; SQLAlchemy `Column`/`mapped_column` with `index=True`,
    `unique=True` or `primary_key=True`, the leading column of an `Index`/`UniqueConstraint` in
    `__table_args__` or a module-level `Index("ix", Model.col)`; and what migrations add
    (Django `AddIndex`/`AddConstraint`, Alembic `op.create_index`/`create_unique_constraint`,
    `CREATE INDEX` SQL). Then it reports query chains in request-path code (not tests,
    migrations, scripts, seeds or examples) whose filter terms are all unindexed fields:
    Django `filter()`/`exclude()`/`get()` keyword lookups (related lookups such as
    `author__email` resolve to the related model's field) and SQLAlchemy `where()`/`filter()`/
    `filter_by()`; and chains without any filter that order the whole table by an unindexed
    field (`order_by("name")`).

    Not reported: a chain with one indexed filter term (the database narrows the rows with that
    index first); lookups no plain index serves (`icontains`, `iexact`, `__year`, `ilike`,
    `isnull`); boolean fields and fields with `choices` (few distinct values: an index would
    rarely be chosen); fields of models the project does not define, of a field class it cannot
    read, or of a model with a base class it cannot see; chains with `Q` objects, `or_()`,
    `**kwargs` or custom queryset methods, whose other terms are unknown.

    ## Why is this bad?
    Without an index the database answers `WHERE email = ...` by reading every row of the
    table. That is invisible with a few hundred rows in development and becomes the slowest
    query of the application once the table holds millions, often on the most used page.

    ## Example
    ```python
    from django.db import models


    class Customer(models.Model):
        email = models.EmailField()


    def find(email):
        return Customer.objects.filter(email=email).first()
    ```

    ## Use instead
    ```python
    from django.db import models


    class Customer(models.Model):
        email = models.EmailField(db_index=True)


    def find(email):
        return Customer.objects.filter(email=email).first()
    ```

    ## Known problems
    Table sizes are not known statically: a lookup on a small lookup table (a few dozen rows of
    settings or categories) is reported like one on a table of millions. The severity is
    `note` for that reason; suppress the finding where the table stays small. Indexes created
    outside the code (by hand, by a DBA, in SQL files) are not seen.

    Measured on 15 real applications (docs/precision/gql.md): 20 of a random 20 findings were
    right (1.00, seed 3; the claim "this column has no index" was checked against the models and
    migrations of each). That measures the claim, not the table's size, so the severity stays
    `note`.

    ## References
    - Django: https://docs.djangoproject.com/en/stable/ref/models/indexes/
    - SQLAlchemy: https://docs.sqlalchemy.org/en/20/core/constraints.html#indexes
    """

    code = "BL204"
    name = "unindexed-lookup"
    category = "missing-index"
    severity = Severity.NOTE
    precision = "high"  # 20/20 on a real-code sample (docs/precision/gql.md)
    tags = ("performance", "database")
    text_markers = MARKERS

    def visit_Module(self, node: cst.Module) -> None:
        self._mod = orm.module_name(self.ctx.path)
        self._package = self.ctx.path.replace("\\", "/").endswith("__init__.py")
        self._classes = {s.name.value for s in node.body if type(s) is cst.ClassDef}
        self._lookups: List[tuple] = []
        self._seen: set = set()
        self._request_path = not any(self.ctx.roles.has(r) for r in roles.NOT_REQUEST_PATH)

    def _ref(self, node: cst.BaseExpression) -> Optional[str]:
        if type(node) is cst.Name and node.value in ("cls", "self"):
            for anc in reversed(self.ctx.ancestors):
                if type(anc) is cst.ClassDef:
                    return f"{self._mod}.{anc.name.value}"
            return None
        ref = self.ctx.qualified_name(node)
        if ref is None and type(node) is cst.Name and node.value in self._classes:
            return f"{self._mod}.{node.value}"
        return orm.absolute(ref, self._mod, self._package) if ref else None

    def visit_Call(self, node: cst.Call) -> None:
        if not self._request_path or id(node) in self._seen or type(node.func) is not cst.Attribute:
            return
        calls, receiver = il.chain(node)
        for c in calls:
            self._seen.add(id(c))
        if self._in_prefetch():
            return  # Prefetch("rel", queryset=...): its rows are narrowed by the relation's key
        first = calls[0]
        head = first.func.value if type(first.func) is cst.Attribute else None
        if type(head) is cst.Attribute and head.attr.value in orm.DJANGO_MANAGERS:
            model = self._ref(head.value)
            terms = il.django_terms(calls) if model else None
            kind = "django"
        else:
            is_sqla, model = il.sqla_model(receiver, first, self._ref)
            if not is_sqla:
                return
            body = calls[1:] if first.func.attr.value == "query" else calls
            terms = il.sqla_terms(body, self._ref)
            kind = "sqla"
        if terms and any(t[0] in ("f", "o") for t in terms):
            self._lookups.append((node, model, terms, kind, self.ctx.enclosing_statement()))

    def _in_prefetch(self) -> bool:
        anc = self.ctx.ancestors
        if len(anc) >= 2 and type(anc[-1]) is cst.Arg and type(anc[-2]) is cst.Call:
            func = anc[-2].func
            name = func.attr.value if type(func) is cst.Attribute else getattr(func, "value", "")
            return name == "Prefetch"
        return False

    def leave_Module(self, node: cst.Module) -> None:
        self._facts: Dict[str, Any] = {"mod": self._mod}
        models = model_indexes.read_models(node, self._qualify_top, self.ctx.path, self.ctx.text)
        if models:
            self._facts["models"] = models
        extras = model_indexes.read_extras(node, self.ctx.text, self._qualify_top)
        if extras:
            self._facts["extra"] = extras
        deferred, scopes = [], []
        for n, m, terms, k, stmt in self._lookups:
            lookup = {"m": m, "t": [list(t) for t in terms], "o": k}
            message = _index_check.decide_locally(self._facts, lookup) if models else None
            if message:
                self.report(n, message, statement=stmt)  # decided by this file's own models
            else:
                deferred.append((n, lookup))
                if stmt is not None:
                    scopes.append(stmt)  # the lookup's own statement: searched instead of the module
        if deferred:
            where = self.ctx.locate([n for n, _ in deferred], scopes)
            self._facts["lookups"] = [dict(lookup, p=list(where[id(n)])) for n, lookup in deferred if id(n) in where]

    def _qualify_top(self, node: cst.BaseExpression) -> Optional[str]:
        ref = self.ctx.qualified_name(node)
        if ref is None and type(node) is cst.Name and node.value in self._classes:
            return f"{self._mod}.{node.value}"
        return orm.absolute(ref, self._mod, self._package) if ref else None

    def facts(self) -> Any:
        facts = getattr(self, "_facts", None)
        return facts if facts and len(facts) > 1 else None

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        yield from _index_check.reports(index)
