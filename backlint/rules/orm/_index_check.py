"""BL204's project half: the models of every file, and each recorded lookup decided against them.

A lookup chain is reported when every one of its terms resolves to a known field of a model the
project defines, none of its filter terms has an index (own, leading a composite index or
constraint, or added by a migration), and at least one filter term (or, for a chain without
filters, an ordering term) could use an ordinary index. Anything unresolved keeps it silent.
"""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set, Tuple

from ...project import ProjectReport


class _OneFile:
    """A project index holding one file's facts (a single-file check decides what it can)."""

    def __init__(self, facts: dict) -> None:
        self._facts = facts

    def facts(self, code: str):
        yield "", self._facts


class Models:
    def __init__(self, index) -> None:
        self.models: Dict[str, dict] = {}
        self.by_short: Dict[str, List[str]] = {}
        self.django_extra: Set[Tuple[str, str]] = set()
        self.table_extra: Set[Tuple[str, str]] = set()
        self.sa_extra: List[Tuple[str, str]] = []
        for _path, facts in index.facts("BL204"):
            mod = facts.get("mod", "")
            for name, fact in facts.get("models", {}).items():
                full = f"{mod}.{name}" if mod else name
                self.models[full] = fact
                self.by_short.setdefault(name, []).append(full)
            for extra in facts.get("extra", []):
                if extra[0] == "dj":
                    self.django_extra.add((extra[1], extra[2]))
                elif extra[0] == "tb":
                    self.table_extra.add((extra[1], extra[2]))
                elif extra[0] == "sa":
                    self.sa_extra.append((extra[1], extra[2]))
        self.last_models: List[str] = []
        self._sa: Set[Tuple[str, str]] = set()
        for ref, attr in self.sa_extra:
            model = self.model(ref)
            if model:
                self._sa.add((model, attr))

    def model(self, ref: Optional[str]) -> Optional[str]:
        if not ref:
            return None
        if ref in self.models:
            return ref
        parts = ref.split(".")
        candidates = self.by_short.get(parts[-1], [])
        found = [c for c in candidates if c.endswith("." + ref)]
        if len(found) != 1:
            package = ".".join(parts[:-1])
            found = [c for c in candidates if package and ("." + package + ".") in ("." + c)]
        return found[0] if len(found) == 1 else None

    def target(self, to: Optional[dict], owner: str) -> Optional[str]:
        if not to:
            return None
        if to.get("ref"):
            return self.model(to["ref"])
        text = to.get("str")
        if not text:
            return None
        if text == "self":
            return owner
        app, _, short = text.rpartition(".")
        candidates = self.by_short.get(short, [])
        if app:
            narrowed = [c for c in candidates if f".{app}." in f".{c}" or self.models[c].get("table", "").startswith(app + "_")]
            candidates = narrowed or candidates
        return candidates[0] if len(candidates) == 1 else None

    def field(self, model: str, name: str, seen: Optional[Set[str]] = None) -> Optional[Tuple[str, dict]]:
        """(owning model, field fact) of ``name`` on ``model`` or a base; None when unknown."""
        fact = self.models.get(model)
        if fact is None:
            return None
        if name in fact["fields"]:
            return model, fact["fields"][name]
        seen = seen or set()
        seen.add(model)
        for base in fact.get("bases", []):
            b = self.model(base)
            if b and b not in seen:
                found = self.field(b, name, seen)
                if found:
                    return found
        return None

    def complete(self, model: str, seen: Optional[Set[str]] = None) -> bool:
        """Every base is a known model or the ORM's own base: the field list is complete."""
        fact = self.models.get(model)
        if fact is None:
            return False
        seen = seen or set()
        seen.add(model)
        for base in fact.get("bases", []):
            b = self.model(base)
            if b is None:
                if not _orm_base(base):
                    return False
            elif b not in seen and not self.complete(b, seen):
                return False
        return True

    def leads(self, model: str, seen: Optional[Set[str]] = None) -> Set[str]:
        fact = self.models.get(model)
        if fact is None:
            return set()
        out = set(fact.get("lead", []))
        seen = seen or set()
        seen.add(model)
        for base in fact.get("bases", []):
            b = self.model(base)
            if b and b not in seen:
                out |= self.leads(b, seen)
        return out

    def has_pk(self, model: str) -> bool:
        fact = self.models.get(model, {})
        if any(f.get("pk") for f in fact.get("fields", {}).values()):
            return True
        for base in fact.get("bases", []):
            b = self.model(base)
            if b and b != model and self.has_pk(b):
                return True
        return False

    def indexed(self, model: str, name: str, owner: str, f: dict) -> bool:
        if f.get("i"):
            return True
        short = model.rsplit(".", 1)[-1].lower()
        column = (f.get("c") or name).lower()
        if name in self.leads(model) or (f.get("c") and f["c"] in self.leads(model)):
            return True
        if (short, name) in self.django_extra or (model, name) in self._sa or (owner, name) in self._sa:
            return True
        table = (self.models[model].get("table") or "").lower()
        return bool(table) and ((table, column) in self.table_extra or (table, column + "_id") in self.table_extra)


def _orm_base(base: str) -> bool:
    return base.startswith(("django.db.models", "models.Model", "sqlalchemy", "sqlmodel", "db.Model")) or base in (
        "Base", "object", "models.Model", "Model", "DeclarativeBase", "db.Model")


def resolve_term(models: Models, model: str, path: str) -> Optional[Tuple[str, str, dict]]:
    """(model, field name, fact) of the last field of ``path`` from ``model``; None if unknown."""
    parts = path.split("__")
    current = model
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "pk" or (part == "id" and not models.field(current, "id")):  # the (implicit) primary key
            return (current, part, {"k": "col", "i": 1}) if last else None
        found = models.field(current, part)
        if found is None and part.endswith("_id"):
            fk = models.field(current, part[:-3])
            if fk and fk[1].get("k") == "fk":
                found, part = fk, part[:-3]  # `customer_id` is the `customer` foreign key
        if found is None:
            return None
        owner, fact = found
        if last:
            return current, part, dict(fact, owner=owner)
        if fact.get("k") not in ("fk", "m2m"):
            return None
        target = models.target(fact.get("to"), owner)
        if target is None:
            return None
        current = target
    return None


def reports(index) -> Iterator[ProjectReport]:
    models = Models(index)
    for path, facts in index.facts("BL204"):
        for lookup in facts.get("lookups", []):
            message = decide(models, lookup)
            if message:
                p = lookup["p"]
                yield ProjectReport(path, p[0], p[1], p[2], p[3], message, lookup.get("s", ""))


def decide_locally(facts: dict, lookup: dict) -> Optional[str]:
    """The message when this file's own Django models already show the lookup unindexed.

    Django migrations are generated from the models, so a Django model's own declaration is its
    index list (only hand-written ``RunSQL`` can add one elsewhere). SQLAlchemy models are left
    to the project pass, which also reads Alembic revisions.
    """
    models = Models(_OneFile(facts))
    message = decide(models, lookup)
    if message and all(models.models[m].get("orm") == "django" for m in models.last_models):
        return message
    return None


def decide(models: Models, lookup: dict) -> Optional[str]:
    models.last_models = []
    base = models.model(lookup.get("m"))
    unindexed: List[Tuple[str, str, str]] = []  # (kind, model short, path)
    has_filter = False
    for kind, ref, path in lookup["t"]:
        model = models.model(ref) if ref else base
        if model is None:
            return None
        resolved = resolve_term(models, model, path)
        if resolved is None:
            return None
        owner_model, name, fact = resolved
        models.last_models.append(owner_model)
        if fact.get("k") in ("?", "rel", "m2m"):
            return None  # a field class we do not know, or a join: say nothing
        if kind == "f":
            has_filter = True
            if models.indexed(owner_model, name, fact.get("owner", owner_model), fact):
                return None
            if fact.get("k") in ("bool", "choices"):
                continue  # few distinct values: an index would rarely be used
            unindexed.append((kind, owner_model, path))
        elif kind == "x":
            has_filter = True
        elif kind == "o" and not models.indexed(owner_model, name, fact.get("owner", owner_model), fact) \
                and fact.get("k") not in ("bool", "choices"):
            unindexed.append((kind, owner_model, path))
    filters = [u for u in unindexed if u[0] == "f"]
    if filters:
        return _message(models, filters, "filters on")
    orders = [u for u in unindexed if u[0] == "o"]
    if orders and not has_filter:
        return _message(models, orders, "orders the whole table by")
    return None


def _message(models: Models, terms: List[Tuple[str, str, str]], verb: str) -> str:
    names = ", ".join(f"`{models_short(m)}.{p.rsplit('__', 1)[-1]}`" for _k, m, p in terms)
    first_model = terms[0][1]
    orm = models.models[first_model].get("orm")
    field = terms[0][2].rsplit("__", 1)[-1]
    if orm == "sqla":
        fix = f"add `index=True` to the column (and a migration: `op.create_index(...)`) or an `Index(...)` in `__table_args__`"
    else:
        fix = (f"add `db_index=True` to `{field}` or a `models.Index(fields=[\"{field}\"])` to `Meta.indexes` "
               f"(and its migration)")
    plural = "s" if len(terms) > 1 else ""
    return (f"this query {verb} {names}, which ha{'ve' if plural else 's'} no index: on a large table the database "
            f"reads every row; {fix}, or leave it if the table stays small")


def models_short(full: str) -> str:
    return full.rsplit(".", 1)[-1]
