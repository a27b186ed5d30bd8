"""Models, relations and functions by full dotted name, for one file (``local``) or the whole
project: resolves a relation read of a loop variable to a finding or to nothing."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ...frameworks import orm
from . import _writes, auth_user, other_orms, other_orms_reads
from .eager import EagerManagers, _paths
from .helpers import HelperFunctions
from .values import Unknown

# what runs a query on a `lazy="dynamic"` relationship (an AppenderQuery)
DYNAMIC_QUERY = frozenset({"all", "count", "first", "one", "one_or_none", "scalar", "filter", "filter_by",
                           "order_by", "limit", "offset", "exists", "get"})


class Index(EagerManagers, HelperFunctions):
    """Models and functions by full dotted name. ``local`` means: only this file is known, so
    anything not found here is Unknown rather than absent."""

    def __init__(self, models_by_mod: Dict[str, Dict[str, dict]], funcs_by_mod: Dict[str, Dict[str, dict]], local: bool,
                 managers_by_mod: Optional[Dict[str, Dict[str, dict]]] = None) -> None:
        self.local = local
        self.managers: Dict[str, dict] = {}
        for mod, mgrs in (managers_by_mod or {}).items():
            for name, fact in mgrs.items():
                self.managers[f"{mod}.{name}" if mod else name] = fact
        self.models: Dict[str, dict] = {}
        self.mod_of: Dict[str, str] = {}
        for mod, models in models_by_mod.items():
            for name, fact in models.items():
                full = f"{mod}.{name}" if mod else name
                self.models[full] = fact
                self.mod_of[full] = mod
        self.by_short: Dict[str, List[str]] = {}
        for full in self.models:
            self.by_short.setdefault(full.rsplit(".", 1)[-1], []).append(full)
        self.funcs: Dict[str, dict] = {}
        for mod, funcs in funcs_by_mod.items():
            for name, fact in funcs.items():
                self.funcs[f"{mod}.{name}" if mod else name] = fact
        self._suffix_cache: Dict[str, Optional[str]] = {}
        self._indexes: Dict[int, Dict[str, List[str]]] = {}
        self.reverse: Dict[str, Dict[str, dict]] = {}
        self._build_reverse()

    # -- names -------------------------------------------------------------------------------
    def _match(self, ref: Optional[str], table: Dict[str, dict]) -> Optional[str]:
        if not ref:
            return None
        if ref in table:
            return ref
        if self.local:
            return None
        key = (id(table), ref)
        if key in self._suffix_cache:  # type: ignore[comparison-overlap]
            return self._suffix_cache[key]  # type: ignore[index]
        shorts = self._name_index(table)
        parts = ref.split(".")
        candidates = shorts.get(parts[-1], ())  # names with the same last part
        found = [name for name in candidates if name.endswith("." + ref)]
        if len(found) != 1:
            # `app.models.Order` imported through a package re-export: `app.models` is a package
            package = ".".join(parts[:-1])
            found = [name for name in candidates if package in name]
        result = found[0] if len(found) == 1 else None
        self._suffix_cache[key] = result  # type: ignore[index]
        return result

    def _name_index(self, table: Dict[str, dict]) -> Dict[str, List[str]]:
        """``table``'s dotted names by their last part, built once per table: resolving a
        reference looks at the few names that share its last part instead of scanning every name
        in the project (which made the project pass quadratic on large code bases)."""
        key = id(table)
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = {}
            for name in table:
                index.setdefault(name.rsplit(".", 1)[-1], []).append(name)
        return index

    _user = False

    def model(self, ref: Optional[str]) -> Optional[str]:
        found = self._match(ref, self.models)
        if found is None and ref in auth_user.REFS:
            if self._user is False:
                self._user = auth_user.project_user_model(self.models)
            return self._user
        return found

    def target(self, to: Optional[dict], owner_mod: str) -> Optional[str]:
        if not to:
            return None
        if "ref" in to:
            return self.model(to["ref"])
        short = to.get("str")
        if not short:
            return None
        same = f"{to.get('mod')}.{short}" if to.get("mod") else short
        if same in self.models:
            return same
        cands = self.by_short.get(short, [])
        return cands[0] if len(cands) == 1 else None

    def _build_reverse(self) -> None:
        for full, fact in self.models.items():
            mod = self.mod_of[full]
            short = full.rsplit(".", 1)[-1]
            for attr, f in fact.get("fields", {}).items():
                target = self.target(f.get("to"), mod)
                if target is None:
                    continue
                k = f["k"]
                if k in ("fk", "o2o", "m2m"):
                    rn = f.get("rn")
                    if rn == "?" or (rn and rn.endswith("+")):
                        continue
                    name = rn or (short.lower() if k == "o2o" else short.lower() + "_set")
                    self.reverse.setdefault(target, {})[name] = {
                        "k": "rev", "many": k != "o2o", "to": {"ref": full}, "django": True}
                elif other_orms.is_kind(k):  # a Peewee backref, a Tortoise related_name
                    entry = other_orms.reverse_entry(full, f)
                    if entry is not None:
                        self.reverse.setdefault(target, {})[entry[0]] = entry[1]
                elif k == "rel" and f.get("backref"):
                    many = None if f.get("many") is None else (not f["many"])
                    self.reverse.setdefault(target, {})[f["backref"]] = {
                        "k": "rel", "many": many, "to": {"ref": full}, "lazy": f.get("blazy"),
                        "lazy_as": f.get("blazy_as")}

    def field(self, model: str, attr: str, seen=None) -> Optional[dict]:
        """The relation ``attr`` of ``model`` (own, inherited or reverse), None when it is not a
        relation; raises Unknown when this index cannot tell."""
        fact = self.models.get(model)
        if fact is None:
            raise Unknown()
        f = fact["fields"].get(attr)
        if f is not None:
            return dict(f, owner=model)
        rev = self.reverse.get(model, {}).get(attr)
        if rev is not None:
            return dict(rev, owner=model)
        seen = seen or set()
        seen.add(model)
        incomplete = False
        for base in fact.get("bases", []):
            if base.startswith("?"):
                if not _terminal_base_text(base[1:]):
                    incomplete = True
                continue
            b = self.model(base)
            if b is None or b in seen:
                if not base.startswith(orm.TERMINAL_BASES):
                    incomplete = True
                continue
            try:
                found = self.field(b, attr, seen)
            except Unknown:
                incomplete = True
                continue
            if found is not None:
                return found
        if self.local:
            raise Unknown()  # reverse accessors and bases may live in other files
        return None

    def orm_of(self, f: dict) -> str:
        return "sqla" if f.get("k") == "rel" else "django"

    # -- reads ---------------------------------------------------------------------------------
    def method(self, model: str, name: str, seen=None):
        """The recorded self-reads of ``model.name`` (own or inherited), or None."""
        fact = self.models.get(model)
        if fact is None:
            return None
        found = fact.get("meths", {}).get(name)
        if found is not None:
            return found
        seen = seen or {model}
        for base in fact.get("bases", []):
            b = self.model(base) if not base.startswith("?") else None
            if b is not None and b not in seen:
                seen.add(b)
                found = self.method(b, name, seen)
                if found is not None:
                    return found
        return None

    def _through_method(self, ev, cur, path, hops, attrs, i, call, depth):
        """``order.label()`` or ``order.label`` (a property) whose body reads ``self.customer``."""
        if depth > 1 or attrs[i] in _writes.WRITE_METHODS:
            return None  # `row.save()`: what a write reads serves the write
        meth = self.method(cur, attrs[i])
        if not meth:
            return None
        is_property, reads = meth[0], meth[1:]
        if not (is_property or (call and i == len(attrs) - 1)):
            return None
        sub = dict(ev, model=cur, prefix=list(path), prefix_hops=list(hops))
        for r_attrs, r_call in reads:
            try:
                out = self.resolve_read(sub, tuple(r_attrs), r_call, depth + 1)
            except Unknown:
                continue
            if out and out.get("code") == "BL201" and self._writes_what_it_reads(cur, attrs[i], r_attrs):
                continue  # the method writes the rows it queries (`children = ...; bulk_update(children)`)
            if out:
                return dict(out, via=".".join(attrs[: i + 1]) + ("()" if not is_property else ""))
        return None

    def _writes_what_it_reads(self, model: str, method: str, r_attrs) -> bool:
        """``model.method`` bulk-writes rows of its own model and the relation it reads leads back
        to that model (``self.child_interfaces`` of an Interface)."""
        family, todo = set(), [model]  # the model and its base models (`to="self"` on an abstract base)
        while todo and len(family) < 20:
            m = todo.pop()
            if m in family:
                continue
            family.add(m)
            todo.extend(b for b in (self.model(r) for r in self.models.get(m, {}).get("bases", [])
                                    if not r.startswith("?")) if b)
        if not any(method in self.models.get(m, {}).get("wm", ()) for m in family):
            return False
        f = self.field(model, r_attrs[0]) if r_attrs else None
        return bool(f) and self.target(f.get("to"), self.mod_of.get(model, "")) in family

    def resolve_read(self, ev: dict, attrs, call: bool, depth: int = 0) -> Optional[dict]:
        if ev.get("prefix") is not None:
            return self._walk(ev, ev["model"], list(ev["prefix"]), list(ev.get("prefix_hops", [])), attrs, call, depth)
        root = self.model(ev.get("model"))
        if root is None:
            if self.local:
                raise Unknown()
            return None
        cur = root
        path: List[str] = []
        hops: List[Tuple[str, str, bool]] = []
        managed = [("", root)] if ev.get("mgr") else []
        for attr in ev.get("base", []):
            f = self.field(cur, attr)
            if f is None:
                return None
            nxt = self.target(f.get("to"), self.mod_of.get(cur, ""))
            hops.append((cur.rsplit(".", 1)[-1], attr, f.get("many")))
            path.append(attr)
            if nxt is None:
                if self.local:
                    raise Unknown()
                return None
            if f.get("many") and f.get("k") != "rel":
                # a related manager is built from the related model's default manager class
                managed.append(("__".join(path) + "__", nxt))
            cur = nxt
        out = self._walk(ev, cur, list(path), list(hops), attrs, call, depth)
        if not out or out.get("code") != "BL202" or not managed:
            return out
        # only a read that would be reported asks the managers (which may live in other files)
        extra = {prefix + p for prefix, model in managed for p in self.manager_prep(model)}
        if not extra:
            return out
        ev = dict(ev, prep=sorted(set(ev.get("prep", [])) | _paths(extra)))
        return self._walk(ev, cur, list(path), list(hops), attrs, call, depth)

    def _walk(self, ev, cur, path, hops, attrs, call, depth) -> Optional[dict]:
        has_src = ev.get("has_src")
        prepared = set(ev.get("prep", []))
        select_all = ev.get("all")
        n = len(attrs)
        for i, attr in enumerate(attrs):
            try:
                f = self.field(cur, attr)
            except Unknown:
                if self.method(cur, attr):
                    found = self._through_method(ev, cur, path, hops, attrs, i, call, depth)
                    if found:
                        return found
                raise
            if f is None:
                return self._through_method(ev, cur, path, hops, attrs, i, call, depth)
            path.append(attr)
            key = "__".join(path)
            owner = cur.rsplit(".", 1)[-1]
            many = f.get("many")
            sqla = self.orm_of(f) == "sqla"
            hops.append((owner, attr, many))
            nxt = attrs[i + 1] if i + 1 < n else None
            called = call and i + 1 == n - 1
            is_prepared = key in prepared or (key.rsplit("__", 1)[0] + "__*") in prepared or (
                select_all and (sqla or not many)) or ("__" not in key and "*" in prepared)
            out = {"key": key, "attrs": list(attrs[: i + 1]), "owner": owner, "attr": attr,
                   "many": bool(many), "orm": "sqla" if sqla else "django", "hops": list(hops),
                   "suggest": key, "gfk": f.get("k") == "gfk", "locked": bool(ev.get("locked"))}
            if other_orms.is_kind(f.get("k")):
                stop, value = other_orms_reads.walk_step(self, f, cur, out, nxt, called, has_src, prepared, key)
                if stop:
                    return value
                cur = value
                continue
            if sqla:
                lazy = f.get("lazy")
                if lazy == "dynamic" and called and nxt in DYNAMIC_QUERY:
                    # `lazy="dynamic"`: every call on the relation is a new query, eager loading
                    # cannot apply
                    out.update(code="BL201", method=nxt, dynamic=True, lazy_as=f.get("lazy_as"))
                    return out
                if lazy in orm.SQLA_EAGER_LAZY or lazy in orm.SQLA_SILENT_LAZY:
                    if lazy in orm.SQLA_SILENT_LAZY:
                        return None
                    target = self.target(f.get("to"), self.mod_of.get(cur, ""))
                    if target is None or nxt is None:
                        return None
                    cur = target
                    continue
                if not has_src or is_prepared:
                    if nxt is None or many:
                        return None
                    target = self.target(f.get("to"), self.mod_of.get(cur, ""))
                    if target is None:
                        if self.local:
                            raise Unknown()
                        return None
                    cur = target
                    continue
                out.update(code="BL202", lazy=lazy or "select", lazy_as=f.get("lazy_as"))
                return out
            if many:
                if nxt is None or not called:
                    return None
                if nxt in orm.RELATED_QUERY:
                    out.update(code="BL201", method=nxt)
                    return out
                if nxt in orm.RELATED_CACHED and has_src and not is_prepared:
                    out.update(code="BL202", method=nxt)
                    return out
                return None
            # single relation
            if not has_src:
                return None
            if not is_prepared:
                out.update(code="BL202", suggest=self._extend(key, cur, f, attrs[i + 1:]),
                           via_many=any(h[2] for h in hops[:-1]))
                return out
            if nxt is None:
                return None
            target = self.target(f.get("to"), self.mod_of.get(cur, ""))
            if target is None:
                if self.local:
                    raise Unknown()
                return None
            cur = target
        return None

    def _extend(self, key: str, cur: str, f: dict, rest) -> str:
        """``customer`` -> ``customer__address`` when the read goes on through more FKs."""
        try:
            model = self.target(f.get("to"), self.mod_of.get(cur, ""))
            for attr in rest:
                if model is None:
                    break
                g = self.field(model, attr)
                if g is None or g.get("many") or g.get("k") == "gfk":
                    break
                key += "__" + attr
                model = self.target(g.get("to"), self.mod_of.get(model, ""))
        except Unknown:
            pass
        return key


def _terminal_base_text(text: str) -> bool:
    last = text.rsplit(".", 1)[-1]
    return last in ("Model", "Base", "DeclarativeBase", "SQLModel", "object", "db.Model") or text in (
        "models.Model", "db.Model")
