"""The N+1 analysis shared by BL201 (query-in-loop) and BL202 (lazy-relation-in-loop).

One pass per file, run once and cached on the file context whichever of the two rules asks first:

* a light abstract interpretation of each function body (and of the module body) that tracks,
  per local name, whether it holds a Django queryset, an SQLAlchemy statement / Query / result,
  a session, a DB-API cursor, or a model instance bound by a loop over one of those;
* per loop (``for``/``async for``/``while``/comprehension, and SerializerMethodField getters,
  which run once per serialized object), the queries executed per iteration ("hits"), the calls
  to functions that may query, and the attribute chains read from the loop variable;
* facts about models (relation fields, bases, declared loading strategy) and functions (do they
  query, whom they call, which queryset they return).

Whatever can be decided from this file alone is reported in the file; what needs another file
(a model, a base class, a reverse accessor or a function defined elsewhere) is kept as facts and
decided by ``check_project`` with the project index. A given read or call is decided in exactly
one of the two places, so a loop is never reported twice.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from ..._lazy import cst
from ...walker import children

from ...frameworks import orm
from ...project import ProjectReport
from ...rule import Report, Rule
from ...semantics import dotted_name, string_value
from . import _loops, _managers, _writes

MAX_CALL_DEPTH = 4

# -- abstract values -----------------------------------------------------------------------------


class Src:
    """A query in some stage: Django queryset ('qs'), SQLAlchemy statement ('stmt'), 1.x Query
    ('query'), executed rows in memory ('result')."""

    __slots__ = ("orm", "model", "prepared", "select_all", "opaque", "rows", "stage", "node",
                 "batch", "depth", "callee", "pertable", "manager", "locked")

    def __init__(self, orm_name, model, stage, node, depth, prepared=(), select_all=False,
                 opaque=False, rows=False, batch=False, callee=None, pertable=0, manager=False,
                 locked=False):
        self.orm = orm_name
        self.model = model  # absolute ref of the model class, or None
        self.prepared = frozenset(prepared)
        self.select_all = select_all
        self.opaque = opaque
        self.rows = rows
        self.stage = stage
        self.node = node  # the expression that started the chain (for messages)
        self.batch = batch
        self.depth = depth  # loop depth where the query object was built
        self.callee = callee  # a helper function in another module that returned it
        # > 0: the model is chosen per iteration of the loop at this depth (`for m in models:
        # m.objects.count()`): a different table each time, not an N+1 of that loop
        self.pertable = pertable
        self.manager = manager  # started at `Model.objects`: the default manager's get_queryset applies
        self.locked = locked  # select_for_update(): rows locked to be written

    def copy(self, **changes) -> "Src":
        new = Src(self.orm, self.model, self.stage, self.node, self.depth, self.prepared,
                  self.select_all, self.opaque, self.rows, self.batch, self.callee, self.pertable,
                  self.manager, self.locked)
        for key, value in changes.items():
            setattr(new, key, value)
        return new


class Inst:
    """A model instance bound by a loop over ``src`` (or a serializer's ``obj``), plus the
    attribute chain read from it so far."""

    __slots__ = ("src", "base", "attrs", "event", "model")

    def __init__(self, src, base, attrs, event, model=None):
        self.src = src
        self.base = base  # relation path from the source's model to this variable's model
        self.attrs = attrs  # attributes read from the variable
        self.event = event
        self.model = model if model is not None else (src.model if src is not None else None)


class Ref:
    __slots__ = ("q",)

    def __init__(self, q):
        self.q = q


class Other:
    """A local name bound to something known not to be a database handle."""


class Enum:
    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner


SESSION = object()
CURSOR = object()
DML = object()  # an SQLAlchemy insert()/update()/delete() statement
OTHER = Other()
UNKNOWN_LOCAL = object()


class Frame:
    __slots__ = ("node", "kind", "iter", "sleep", "range", "label", "fixed")

    def __init__(self, node, kind, iter_node=None, label=""):
        self.node = node
        self.kind = kind  # for | while | comp | serializer
        self.iter = iter_node
        self.sleep = False
        self.fixed = False  # iterates a literal / constant / range(CONST): not data-driven
        self.range = False
        self.label = label


class Hit:
    __slots__ = ("node", "stmt", "frame", "kind", "text")

    def __init__(self, node, stmt, frame, kind, text):
        self.node, self.stmt, self.frame, self.kind, self.text = node, stmt, frame, kind, text


class CallEvent:
    __slots__ = ("node", "stmt", "frame", "callee", "text")

    def __init__(self, node, stmt, frame, callee, text):
        self.node, self.stmt, self.frame, self.callee, self.text = node, stmt, frame, callee, text


class Read:
    __slots__ = ("attrs", "call", "node", "stmt", "helper")

    def __init__(self, attrs, call, node, stmt, helper=None):
        self.attrs, self.call, self.node, self.stmt = attrs, call, node, stmt
        self.helper = helper  # (callee, argument index, shown name): the row is passed to a function


class RelEvent:
    """The reads of one loop variable."""

    __slots__ = ("var", "frame", "src", "base", "model", "reads", "seen")

    def __init__(self, var, frame, src, base, model):
        self.var, self.frame, self.src, self.base, self.model = var, frame, src, base, model
        self.reads: List[Read] = []
        self.seen: set = set()


# -- small helpers ---------------------------------------------------------------------------------

def shape(node: cst.CSTNode, module: cst.Module, limit: int = 60) -> str:
    """Code of an expression with call arguments elided: ``Order.objects.filter(...).first()``."""
    if isinstance(node, cst.Await):
        return "await " + shape(node.expression, module, limit)
    if isinstance(node, cst.Call):
        inner = shape(node.func, module, limit)
        if not node.args:
            return inner + "()"
        args = " ".join(module.code_for_node(node).split())[len(" ".join(module.code_for_node(node.func).split())):]
        if len(args) <= 32 and "\n" not in args and "(" not in args[1:]:
            return inner + args
        return inner + "(...)"
    if isinstance(node, cst.Attribute):
        return shape(node.value, module, limit) + "." + node.attr.value
    if isinstance(node, cst.Subscript):
        return shape(node.value, module, limit) + "[...]"
    text = module.code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _string(node) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - odd literals
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        value = string_value(node)  # iterative, unlike evaluated_value
        return value if isinstance(value, str) else None
    return None


def _lazy_fact(node, module) -> Tuple[Optional[str], Optional[str]]:
    """(loading strategy, the value as written) of a ``lazy=`` argument; (None, None) if absent."""
    if node is None:
        return None, None
    s = _string(node)
    if s is not None:
        return s, f'"{s}"'
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return orm.sqla_lazy_strategy(node.value), node.value
    return "?", " ".join(module.code_for_node(node).split())


def _kw(call: cst.Call, name: str):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _positional(call: cst.Call) -> List[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def _terminal(stmts) -> Optional[str]:
    """'break' | 'exit' when a block always leaves the loop at its end."""
    if not stmts:
        return None
    last = stmts[-1]
    smalls = last.body if isinstance(last, cst.SimpleStatementLine) else [last]
    if True:
        for small in smalls:
            if isinstance(small, cst.Break):
                return "break"
            if isinstance(small, (cst.Return, cst.Raise)):
                return "exit"
    return None


_MEMO_DECORATORS = frozenset({"lru_cache", "cache", "cached", "cached_property", "memoize", "memoized",
                              "cachedmethod", "cached_method", "once"})


def _names(node):
    """Every Name inside an expression."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name):
            yield n
        stack.extend(children(n))


_PRIMING = ("set_cached_value", "fields_cache", "_prefetched_objects_cache", "prefetch_related_objects",
            "set_committed_value")

_PAGING_WORDS = ("sleep(", "page", "offset", "batch", "chunk", "limit", "last_id", "retry", "attempt")


def _not_data_driven(stmt, module) -> bool:
    """A ``while`` loop that polls, retries, or walks pages/batches, rather than going through a
    collection: ``while True:``, a ``sleep()`` in the body, paging words in the test or body."""
    test = getattr(stmt, "test", None)
    if isinstance(test, cst.Name) and test.value == "True" or isinstance(test, cst.Integer):
        return True
    text = module.code_for_node(getattr(stmt, "test", None) or stmt.iter) + module.code_for_node(stmt.body)
    lower = text.lower()
    return any(word in lower for word in _PAGING_WORDS)


def _is_classlike(node) -> bool:
    name = dotted_name(node)
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return last[:1].isupper()


# -- the per-file analysis --------------------------------------------------------------------------

class Analysis:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.module = ctx.module
        self.modname = orm.module_name(ctx.path)
        self.is_package = ctx.path.replace("\\", "/").endswith("__init__.py")
        self.classes: Dict[str, cst.ClassDef] = {}
        self.functions: Dict[str, cst.FunctionDef] = {}  # local name ("f" or "C.m") -> node
        self.module_env: Dict[str, Any] = {}
        self.models: Dict[str, dict] = {}
        self.func_facts: Dict[str, dict] = {}
        self.hits: List[Hit] = []
        self.calls: List[CallEvent] = []
        self.rels: List[RelEvent] = []
        self.ret_cache: Dict[str, Any] = {}
        self.local_reports: Dict[str, List[Report]] = {"BL201": [], "BL202": []}
        self.facts: Dict[str, Any] = {}
        self.literals: Dict[str, Any] = {}
        self.managers: Dict[str, dict] = {}

    # -- names -------------------------------------------------------------------------------
    def absolute(self, q: Optional[str]) -> Optional[str]:
        return orm.absolute(q, self.modname, self.is_package)

    def full(self, local: str) -> str:
        return f"{self.modname}.{local}" if self.modname else local

    def global_value(self, name: str, node) -> Any:
        if name in self.classes or name in self.functions:
            return Ref(self.full(name))
        if name in self.module_env:
            return self.module_env[name]
        q = self.ctx.qualified_name(node)
        if q is None:
            return None
        if orm.is_non_db(q):
            return OTHER
        return Ref(self.absolute(q))

    def model_ref(self, node) -> Optional[str]:
        value = self._peek(node)
        if isinstance(value, Ref) and value.q:
            return value.q
        return None

    def _peek(self, node) -> Any:
        """Value of a Name/Attribute without recording anything."""
        if isinstance(node, cst.Name):
            return self.lookup(node.value, node)
        if isinstance(node, cst.Attribute):
            base = self._peek(node.value)
            if isinstance(base, Ref) and base.q:
                return Ref(base.q + "." + node.attr.value)
        return None

    # -- entry -------------------------------------------------------------------------------
    def run(self) -> None:
        body = self.module.body
        self.literals = _loops.module_literals(body)
        for stmt in body:
            if isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = stmt
                for item in stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ():
                    if isinstance(item, cst.FunctionDef):
                        self.functions[f"{stmt.name.value}.{item.name.value}"] = item
            elif isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
        for stmt in body:
            if isinstance(stmt, cst.ClassDef):
                self.collect_model(stmt)
        # the module body itself (scripts, module-level querysets)
        try:
            FunctionPass(self, None, None, record=True).run_module(body)
        except RecursionError:  # absurdly nested code: skip it rather than fail the file
            pass
        for local, node in self.functions.items():
            cls = local.split(".")[0] if "." in local else None
            try:
                FunctionPass(self, node, cls, record=True).run_function(local)
            except RecursionError:
                continue
        self.finish()

    def lookup(self, name: str, node) -> Any:
        return self.global_value(name, node)

    def returns_of(self, local: str) -> Any:
        if local in self.ret_cache:
            return self.ret_cache[local]
        self.ret_cache[local] = None  # recursion guard
        node = self.functions.get(local)
        if node is None:
            return None
        cls = local.split(".")[0] if "." in local else None
        fp = FunctionPass(self, node, cls, record=False)
        fp.run_function(local)
        self.ret_cache[local] = fp.ret
        return fp.ret

    # -- models ------------------------------------------------------------------------------
    def collect_model(self, node: cst.ClassDef) -> None:
        bases = []
        for arg in node.bases:
            ref = self.model_ref(arg.value)
            bases.append(ref or ("?" + (dotted_name(arg.value) or "")))
        sqlmodel_table = any(k.keyword and k.keyword.value == "table" for k in node.keywords)
        fields: Dict[str, dict] = {}
        custom_manager = False
        objects_manager = None
        serializer_model = None
        method_fields = {}
        if not isinstance(node.body, cst.IndentedBlock):
            return
        methods: Dict[str, list] = {}
        for item in node.body.body:
            if isinstance(item, cst.FunctionDef):
                reads = _self_reads(item)
                if reads:
                    methods[item.name.value] = reads
                continue
            if isinstance(item, cst.ClassDef) and item.name.value == "Meta":
                for meta in item.body.body if isinstance(item.body, cst.IndentedBlock) else ():
                    if isinstance(meta, cst.SimpleStatementLine):
                        for small in meta.body:
                            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                                    and isinstance(small.targets[0].target, cst.Name)
                                    and small.targets[0].target.value == "model"):
                                serializer_model = self.model_ref(small.value)
                continue
            if not isinstance(item, cst.SimpleStatementLine):
                continue
            for small in item.body:
                target = value = annotation = None
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign):
                    target, value, annotation = small.target, small.value, small.annotation.annotation
                if not isinstance(target, cst.Name):
                    continue
                attr = target.value
                if isinstance(value, cst.Call):
                    q = self.ctx.qualified_name(value.func)
                    dn = dotted_name(value.func)
                    last = (dn or "").rsplit(".", 1)[-1]
                    if last == "SerializerMethodField":
                        mname = _string(_kw(value, "method_name")) or f"get_{attr}"
                        method_fields[mname] = attr
                        continue
                    if attr == "objects":
                        objects_manager = _managers.manager_class(value, self.model_ref)
                    if attr == "objects" and last not in ("Manager",) and (
                        last.endswith("Manager") or last.endswith("QuerySet") or "from_queryset" in (dn or "")
                        or last == "as_manager"
                    ):
                        custom_manager = True
                        continue
                    kind = orm.relation_field_kind(q, dn)
                    if kind is None:
                        continue
                    fields[attr] = self.relation_fact(kind, value, annotation, node.name.value)
                elif value is None and annotation is not None and sqlmodel_table:
                    continue
        self.models[self.full(node.name.value)] = {
            "bases": bases, "fields": fields, "mgr": custom_manager, "om": objects_manager,
            "meths": methods if (fields or [b for b in bases if b not in ("?object", "?")]) else {},
            "ser": serializer_model, "smf": method_fields,
        }

    def relation_fact(self, kind: str, call: cst.Call, annotation, owner: str) -> dict:
        pos = _positional(call)
        target = pos[0] if pos else _kw(call, "to") if kind != "rel" else (pos[0] if pos else _kw(call, "argument"))
        fact: Dict[str, Any] = {"k": kind}
        many: Optional[bool] = None
        if kind in ("fk", "o2o", "gfk"):
            many = False
        elif kind == "m2m":
            many = True
        to = None
        if target is not None:
            s = _string(target)
            if s is not None:
                to = {"str": owner if s == "self" else s.rsplit(".", 1)[-1], "mod": self.modname}
            elif isinstance(target, (cst.Name, cst.Attribute)):
                ref = self.model_ref(target)
                if ref:
                    to = {"ref": ref}
        if kind == "rel":
            if annotation is not None:
                ann_to, ann_many = self.annotation_target(annotation)
                if to is None and ann_to:
                    to = {"str": ann_to, "mod": self.modname}
                if ann_many is not None:
                    many = ann_many
            uselist = _kw(call, "uselist")
            if isinstance(uselist, cst.Name) and uselist.value in ("True", "False"):
                many = uselist.value == "True"
            lazy_node = _kw(call, "lazy")
            kwargs = _kw(call, "sa_relationship_kwargs")
            if isinstance(kwargs, cst.Dict):
                for el in kwargs.elements:
                    if isinstance(el, cst.DictElement) and _string(el.key) == "lazy":
                        lazy_node = el.value
            fact["lazy"], fact["lazy_as"] = _lazy_fact(lazy_node, self.module)
            backref = _kw(call, "backref")
            if backref is not None:
                name = _string(backref)
                blazy = None
                blazy_as = None
                if name is None and isinstance(backref, cst.Call) and _positional(backref):
                    name = _string(_positional(backref)[0])
                    blazy, blazy_as = _lazy_fact(_kw(backref, "lazy"), self.module)
                if name:
                    fact["backref"] = name
                    fact["blazy"] = blazy
                    fact["blazy_as"] = blazy_as
        else:
            rn = _kw(call, "related_name")
            if rn is not None:
                fact["rn"] = _string(rn) or "?"
        fact["many"] = many
        fact["to"] = to
        return fact

    def annotation_target(self, node) -> Tuple[Optional[str], Optional[bool]]:
        many: Optional[bool] = None
        while True:
            if isinstance(node, cst.Subscript):
                head = (dotted_name(node.value) or "").rsplit(".", 1)[-1]
                if head in ("List", "list", "Set", "set", "Sequence", "Collection", "Iterable",
                            "DynamicMapped", "WriteOnlyMapped", "Tuple", "tuple", "AbstractSet"):
                    many = True
                elif head in ("Optional",) and many is None:
                    many = False
                elif head == "Mapped" and many is None:
                    pass
                if not node.slice:
                    return None, many
                first = node.slice[0].slice
                node = first.value if isinstance(first, cst.Index) else None
                continue
            if isinstance(node, cst.BinaryOperation):  # "User" | None
                node = node.left
                continue
            s = _string(node)
            if s is not None:
                try:
                    inner = cst.parse_expression(s)
                except Exception:
                    return s.strip(), many
                if isinstance(inner, (cst.Name, cst.Attribute)):
                    return (dotted_name(inner) or s).rsplit(".", 1)[-1], (many if many is not None else False)
                node = inner
                continue
            if isinstance(node, (cst.Name, cst.Attribute)):
                return (dotted_name(node) or "").rsplit(".", 1)[-1] or None, (many if many is not None else False)
            return None, many

    # -- finishing: local decisions, deferred facts ------------------------------------------
    def finish(self) -> None:
        self.managers = _managers.manager_facts(self.classes, self.model_ref)
        local_index = Index({self.modname: self.model_facts()}, {self.modname: self.function_facts()}, local=True,
                            managers_by_mod={self.modname: self.managers})
        # 1. decide what this file alone can decide (no positions needed yet)
        local_calls, deferred_calls = [], []
        for c in self.calls:
            try:
                found = local_index.query_of(c.callee)
            except Unknown:
                deferred_calls.append(c)
                continue
            if found:
                local_calls.append((c, found))
        local_rels, deferred_rels = [], []
        for ev in self.rels:
            keep, seen = [], set()
            for read in ev.reads:
                if read.helper is None and _not_a_relation(read):
                    continue
                try:
                    if read.helper is not None:
                        outcome = local_index.resolve_helper(ev_dict(ev), read.helper)
                    else:
                        outcome = local_index.resolve_read(ev_dict(ev), read.attrs, read.call)
                except Unknown:
                    keep.append(read)
                    continue
                if outcome and outcome["key"] not in seen:
                    seen.add(outcome["key"])
                    local_rels.append((ev, read, outcome))
            if keep:
                deferred_rels.append((ev, keep, seen))
        # 2. one code generation pass for every position we need
        want: List[cst.CSTNode] = [h.frame.node for h in self.hits]
        want += [c.frame.node for c, _ in local_calls]
        want += [ev.frame.node for ev, _, _ in local_rels]
        want += [ev.src.node for ev, _, _ in local_rels if ev.src is not None]
        for c in deferred_calls:
            want += [c.frame.node, c.node]
        for ev, keep, _ in deferred_rels:
            want.append(ev.frame.node)
            if ev.src is not None:
                want.append(ev.src.node)
            want += [r.node for r in keep]
        self.pos = pos = self.ctx.locate(want) if want else {}
        self.lines = self.ctx.text.splitlines()
        # 3. reports and facts
        for h in self.hits:
            if h.frame.kind == "serializer":
                msg = (f"`{h.text}` runs a query for every object {h.frame.label}; annotate the value on the "
                       f"view's queryset (`annotate()`/`Subquery`) or prefetch it, and read it from `obj`.")
            else:
                msg = f"`{h.text}` runs a query on every iteration of {self.loop_desc(h.frame)}; {advice(h.kind)}."
            self.local_reports["BL201"].append(Report("BL201", h.node, msg, h.stmt))
        for c, found in local_calls:
            self.local_reports["BL201"].append(
                Report("BL201", c.node, self.call_message(c.text, self.loop_desc(c.frame), found), c.stmt))
        for ev, read, outcome in local_rels:
            msg = rel_message(outcome, ev.var, self.loop_desc(ev.frame), self.src_text(ev, ev.frame))
            self.local_reports[outcome["code"]].append(Report(outcome["code"], read.node, msg, read.stmt))
        rel_facts = []
        for ev, keep, seen in deferred_rels:
            d = ev_dict(ev)
            d["loop"] = self.loop_desc(ev.frame)
            d["src_text"] = self.src_text(ev, ev.frame)
            d["reads"] = [
                dict({"a": list(r.attrs), "c": r.call, "p": list(pos[id(r.node)]), "s": self.snippet(pos[id(r.node)])},
                     **({"h": list(r.helper)} if r.helper else {}))
                for r in keep if id(r.node) in pos
            ]
            d["done"] = sorted(seen)
            rel_facts.append(d)
        self.facts = {
            "mod": self.modname,
            "models": self.model_facts(),
            "funcs": self.function_facts(),
            "mgrs": self.managers,
            "calls": [self.call_fact(c) for c in deferred_calls],
            "rels": rel_facts,
        }

    def snippet(self, p) -> str:
        return "\n".join(self.lines[p[0] - 1 : p[2]]) if p else ""

    def loop_desc(self, frame: Frame) -> str:
        p = self.pos.get(id(frame.node))
        line = f" (line {p[0]})" if p else ""
        if frame.kind == "serializer":
            return "every object " + frame.label
        if frame.kind == "while":
            return f"the `while` loop{line}"
        what = "comprehension" if frame.kind == "comp" else "loop"
        it = shape(frame.iter, self.module) if frame.iter is not None else "..."
        return f"the {what} over `{it}`{line}"

    def src_text(self, ev: RelEvent, frame: Frame) -> str:
        """The query to change, with its line when it is not the loop's own iterable."""
        if ev.src is None or ev.src.callee:
            return ""
        text = shape(ev.src.node, self.module)
        p = self.pos.get(id(ev.src.node))
        if frame.iter is not None and frame.iter.deep_equals(ev.src.node):
            return f"`{text}`"
        return f"`{text}`" + (f" (line {p[0]})" if p else "")

    def call_fact(self, c: CallEvent) -> dict:
        p = self.pos.get(id(c.node))
        return {"callee": c.callee, "text": c.text, "loop": self.loop_desc(c.frame),
                "p": list(p) if p else [1, 1, 1, 1], "s": self.snippet(p)}

    @staticmethod
    def call_message(text: str, loop: str, found: dict) -> str:
        where = f" in `{found['func']}()`" + (f", {found['path']}" if found.get("path") else "")
        return (f"`{text}()` runs a database query (`{found['q']}`{where}) on every iteration of {loop}; "
                f"load what it needs for all items with one query before the loop "
                f"(e.g. `filter(id__in=...)` / `.where(Model.id.in_(...))`) and pass the results in.")

    def model_facts(self) -> Dict[str, dict]:
        return {name.rsplit(".", 1)[-1]: fact for name, fact in self.models.items()}

    def function_facts(self) -> Dict[str, dict]:
        out = {}
        for local, fact in self.func_facts.items():
            q = fact.get("qnode")
            entry = {"calls": sorted(set(fact["calls"]))}
            if q is not None:
                entry["q"] = fact["qtext"]
                entry["path"] = self.ctx.path
            ret = fact.get("ret")
            if ret is not None:
                entry["ret"] = ret
            if fact.get("pr"):
                entry["pr"] = fact["pr"]
            if fact.get("w"):
                entry["w"] = True
            out[local] = entry
        return out


_NEVER_RELATIONS = frozenset({"id", "pk", "objects", "DoesNotExist", "MultipleObjectsReturned"})


def _not_a_relation(read: Read) -> bool:
    """Reads no model field can turn into a relation load: ``x.id``, ``x.owner_id``, ``x.__class__``."""
    first = read.attrs[0]
    return first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("__")


_PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


def _self_reads(func, param: str = "self") -> list:
    """``[is_property, [attrs, called], ...]`` for the ``self.a.b`` chains a method reads (capped);
    with ``param``, the chains read from that parameter of a plain function."""
    params = func.params.params
    if param == "self" and (not params or params[0].name.value != "self"):
        return []
    prefix = param + "."
    out: list = []
    seen: set = set()
    stack = [func.body]
    # exact type checks: libcst's node classes are ABCs, whose isinstance is slow, and this loop
    # visits every node of every method of every class
    call_t, attribute_t = cst.Call, cst.Attribute
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    while stack and len(out) < 30:
        node = stack.pop()
        node_t = type(node)
        called = node_t is call_t
        target = node.func if called else node
        if type(target) is attribute_t:
            name = dotted_name(target)
            if name and name.startswith(prefix):
                attrs = tuple(name.split(".")[1:])
                first = attrs[0]
                if not (first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("_")):
                    key = (attrs, called)
                    if key not in seen:
                        seen.add(key)
                        out.append([list(attrs), called])
        if node_t in nested and node is not func.body:
            continue
        stack.extend(children(node))
    if not out:
        return []
    prop = any((dotted_name(d.decorator) or "").rsplit(".", 1)[-1] in _PROPERTY_DECORATORS
               for d in func.decorators)
    return [prop] + out


def _param_reads(func, names) -> Dict[str, list]:
    """``{param: [[attrs, called], ...]}``: the ``param.a.b`` chains a plain function reads from
    each of its first parameters, in one walk of the body (the same chains, order and cap of 30
    per parameter as one ``_self_reads(func, param)`` walk per parameter)."""
    wanted = {name: [] for name in names}
    if not wanted:
        return {}
    seen: Dict[str, set] = {name: set() for name in wanted}
    stack = [func.body]
    call_t, attribute_t = cst.Call, cst.Attribute
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    open_names = set(wanted)
    while stack and open_names:
        node = stack.pop()
        node_t = type(node)
        called = node_t is call_t
        target = node.func if called else node
        if type(target) is attribute_t:
            name = dotted_name(target)
            if name and "." in name:
                head, rest = name.split(".", 1)
                if head in open_names:
                    attrs = tuple(rest.split("."))
                    first = attrs[0]
                    if not (first in _NEVER_RELATIONS or first.endswith("_id") or first.startswith("_")):
                        key = (attrs, called)
                        if key not in seen[head]:
                            seen[head].add(key)
                            wanted[head].append([list(attrs), called])
                            if len(wanted[head]) >= 30:
                                open_names.discard(head)
        if node_t in nested and node is not func.body:
            continue
        stack.extend(children(node))
    return {name: reads for name, reads in wanted.items() if reads}


def ev_dict(ev: RelEvent) -> dict:
    src = ev.src
    return {
        "var": ev.var,
        "model": ev.model,
        "base": list(ev.base),
        "has_src": src is not None and not src.opaque,
        "orm": src.orm if src is not None else None,
        "prep": sorted(src.prepared) if src is not None else [],
        "all": bool(src.select_all) if src is not None else False,
        "callee": src.callee if src is not None else None,
        "mgr": bool(src.manager) if src is not None else False,
    }


def advice(kind: str) -> str:
    return {
        "dj-get": "fetch every row before the loop with one `filter(<field>__in=...)` or `in_bulk(ids)` and look them up in a dict",
        "dj-count": "compute it for all items in one query before the loop (`values(...).annotate(Count(...))`, or `annotate()` on the outer queryset)",
        "dj-goc": "look up the existing rows with one `filter(<field>__in=...)` before the loop and `bulk_create` the missing ones",
        "dj-iter": "load the rows for all items with one `filter(<field>__in=...)` before the loop (or `prefetch_related` on the outer queryset) and group them in a dict",
        "sa-get": "load them with one `select(Model).where(Model.id.in_(ids))` before the loop and look them up in a dict",
        "sa-exec": "run one query for all items before the loop (`.where(Model.<key>.in_(...))`) and group the rows in Python",
        "sa-refresh": "load the fresh state of all rows with one query (`populate_existing`) before the loop",
        "raw": "run one query for all items (`WHERE key IN (...)` / `= ANY(%s)`) before the loop",
    }.get(kind, "run one query for all items before the loop")


def loader_chain(outcome: dict) -> str:
    parts = []
    for i, (owner, attr, many) in enumerate(outcome["hops"]):
        fn = "joinedload" if many is False else "selectinload"
        parts.append(f"{fn}({owner}.{attr})" if i == 0 else f".{fn}({owner}.{attr})")
    return "".join(parts)


def rel_message(outcome: dict, var: str, loop: str, src_text: str) -> str:
    read = ".".join(outcome["attrs"])
    if outcome.get("method"):
        read += f".{outcome['method']}()" if outcome["code"] == "BL202" else f".{outcome['method']}(...)"
    if outcome.get("helper"):
        subject = f"`{outcome['helper']}({var})` reads `{outcome['param']}.{read}`, which"
    elif outcome.get("via"):
        subject = f"`{var}.{outcome['via']}` reads `self.{read}`, which"
    else:
        subject = f"`{var}.{read}`"
    owner, attr = outcome["owner"], outcome["attr"]
    to = f" to {src_text}" if src_text else " to the query"
    if outcome["code"] == "BL201":
        method = outcome["method"]
        where = loop if loop.startswith("every object") else f"every row in {loop}"
        return (f"{subject} builds a new query on `{owner}.{attr}` for {where}, "
                f"even when `{attr}` is prefetched; prefetch it once with "
                f"`prefetch_related(Prefetch(\"{outcome['key']}\", queryset=..., to_attr=...))` "
                f"or compute it with `annotate()` on the outer queryset (`.{method}()` on a related manager always queries).")
    if outcome["orm"] == "sqla":
        spelled = outcome.get("lazy_as")
        how = f"declared `lazy={spelled}`" if spelled else "default `lazy=\"select\"`"
        return (f"{subject} lazy-loads `{owner}.{attr}` ({how}) once per row in {loop}; "
                f"load it with the rows: add `.options({loader_chain(outcome)})`{to}.")
    if outcome["many"]:
        return (f"{subject} queries `{owner}.{attr}` once per row in {loop}; "
                f"add `.prefetch_related(\"{outcome['suggest']}\")`{to}.")
    how = "prefetch_related" if outcome.get("gfk") or outcome.get("via_many") else "select_related"
    return (f"{subject} loads the related `{owner}.{attr}` with one query per row in {loop}; "
            f"add `.{how}(\"{outcome['suggest']}\")`{to}.")


# -- per-function abstract interpretation ------------------------------------------------------------

class FunctionPass:
    def __init__(self, analysis: Analysis, node, cls: Optional[str], record: bool) -> None:
        self.a = analysis
        self.node = node
        self.cls = cls
        self.record = record
        self.env: Dict[str, Any] = {}
        self.frames: List[Frame] = []
        self.blocks: List[Tuple[int, Optional[str]]] = []
        self.stmt = None
        self.ret: Any = None
        self.ret_set = False
        self.fact = {"calls": [], "qnode": None, "qtext": None, "ret": None}
        self.writes = False  # the function writes: its own reads serve that write
        self.write_args = 0  # evaluating the receiver/arguments of a write call
        self.cond = 0  # inside an `if`/`except`/`case` branch: runs on some calls only
        self.bound: Dict[str, tuple] = {}  # local name -> (loop depth, that loop's frame) at its last binding
        self.globals: set = set()
        self.guarded = 0  # inside `if <global cache> is None:`: runs once per process
        self.events: Dict[Tuple[int, str], RelEvent] = {}

    # -- entry points ------------------------------------------------------------------------
    memoized = False

    def run_module(self, body) -> None:
        self.env = self.a.module_env
        self.run_block(body)

    def run_function(self, local: str) -> None:
        node = self.node
        self.memoized = any(
            (dotted_name(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "")
            .rsplit(".", 1)[-1] in _MEMO_DECORATORS
            for d in node.decorators
        )
        params = node.params
        all_params = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for i, p in enumerate(all_params):
            name = p.name.value
            ann = p.annotation.annotation if p.annotation is not None else None
            value: Any = UNKNOWN_LOCAL
            if ann is not None:
                q = self.a.ctx.qualified_name(ann) if isinstance(ann, (cst.Name, cst.Attribute)) else None
                if q is None and isinstance(ann, cst.SimpleString):
                    q = _string(ann)
                if orm.is_session_type(q) or (q or "").rsplit(".", 1)[-1] in ("Session", "AsyncSession"):
                    value = SESSION
                elif q and orm.is_non_db(q):
                    value = OTHER
            if i == 0 and self.cls is not None and name in ("self", "cls"):
                value = ("self", self.cls)
            self.env[name] = value
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.env[star.name.value] = UNKNOWN_LOCAL
        serializer = self.serializer_frame(local, all_params)
        if serializer is not None:
            self.frames.append(serializer)
        body = node.body
        if isinstance(body, cst.IndentedBlock):
            self.run_block(body.body)
        else:
            self.run_block([body])
        self.fact["w"] = self.writes
        if self.record:
            self.fact["ret"] = self.ret_fact()
            if "." not in local:
                pr = {}
                names = [p.name.value for p in all_params[:3]]
                found = _param_reads(node, names) if names else {}
                for i, name in enumerate(names):
                    if found.get(name):
                        pr[str(i)] = [name] + found[name]
                if pr:
                    self.fact["pr"] = pr
            self.a.func_facts[local] = self.fact

    def serializer_frame(self, local: str, params) -> Optional[Frame]:
        if self.cls is None or "." not in local:
            return None
        model = self.a.models.get(self.a.full(self.cls))
        if not model:
            return None
        method = local.split(".", 1)[1]
        field = model["smf"].get(method)
        if field is None or len(params) < 2:
            return None
        frame = Frame(self.node, "serializer", None,
                      f"`{self.cls}` serializes (`{field}` is a SerializerMethodField)")
        obj = params[1].name.value
        ev = RelEvent(obj, frame, None, (), model.get("ser"))
        self.env[obj] = Inst(None, (), (), ev, model.get("ser"))
        if self.record:
            self.a.rels.append(ev)
        return frame

    def ret_fact(self) -> Optional[dict]:
        r = self.ret
        if isinstance(r, Src) and r.model and not r.rows and r.stage in ("qs", "query", "result", "stmt"):
            return {"orm": r.orm, "model": r.model, "prep": sorted(r.prepared), "all": r.select_all,
                    "opaque": r.opaque, "stage": r.stage}
        return None

    # -- lookup --------------------------------------------------------------------------------
    def lookup(self, name: str, node) -> Any:
        if name in self.env:
            v = self.env[name]
            if v is UNKNOWN_LOCAL:
                return SESSION if orm.is_session_name(name) else (CURSOR if orm.is_cursor_name(name) else None)
            return v
        if self.env is not self.a.module_env and name in self.a.module_env:
            v = self.a.module_env[name]
            return None if v is UNKNOWN_LOCAL else v
        v = self.a.global_value(name, node)
        if v is None:
            if orm.is_session_name(name):
                return SESSION
            if orm.is_cursor_name(name):
                return CURSOR
        return v

    # -- statements ----------------------------------------------------------------------------
    def run_block(self, stmts) -> None:
        self.blocks.append((len(self.frames), _terminal(stmts)))
        try:
            for stmt in stmts:
                self.run_stmt(stmt)
        finally:
            self.blocks.pop()

    def suite(self, suite) -> None:
        if suite is None:
            return
        if isinstance(suite, cst.IndentedBlock):
            self.run_block(suite.body)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self.run_block(list(suite.body))
        elif hasattr(suite, "body"):
            self.suite(suite.body)

    def run_stmt(self, stmt) -> None:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            self.stmt = stmt
            for small in stmt.body:
                self.run_small(small)
            return
        if isinstance(stmt, cst.BaseSmallStatement):  # from a SimpleStatementSuite
            self.run_small(stmt)
            return
        self.stmt = stmt
        if isinstance(stmt, cst.If):
            self.ev(stmt.test)
            guard = bool(self.globals) and any(
                isinstance(n, cst.Name) and n.value in self.globals for n in _names(stmt.test))
            self.guarded += guard
            self.cond += 1
            try:
                self.suite(stmt.body)
                if stmt.orelse is not None:
                    if isinstance(stmt.orelse, cst.If):
                        self.run_stmt(stmt.orelse)
                    else:
                        self.suite(stmt.orelse.body)
            finally:
                self.guarded -= guard
                self.cond -= 1
        elif isinstance(stmt, cst.For):
            self.run_for(stmt)
        elif isinstance(stmt, cst.While):
            frame = Frame(stmt, "while")
            frame.sleep = _not_data_driven(stmt, self.a.module)
            self.frames.append(frame)
            try:
                # a `while` loop has no collection to batch: its iterations depend on each other
                # (traversal, retry, polling, paging); see _loops
                frame.fixed = True
                self.ev(stmt.test)  # the test itself never goes through data (retry-until-free)
                frame.fixed = not _loops.drains_collection(stmt)
                self.suite(stmt.body)
            finally:
                self.pop_frame()
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.ev(item.item)
                if item.asname is not None:
                    if isinstance(value, Ref) and value.q and value.q.endswith(")"):
                        value = value
                    self.bind(item.asname.name, value)
            self.suite(stmt.body)
        elif isinstance(stmt, cst.Try) or type(stmt).__name__ == "TryStar":
            self.suite(stmt.body)
            self.cond += 1
            for h in stmt.handlers:
                self.suite(h.body)
            self.cond -= 1
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.suite(stmt.finalbody.body)
        elif type(stmt).__name__ == "Match":
            self.ev(stmt.subject)
            self.cond += 1
            for case in stmt.cases:
                self.suite(case.body)
            self.cond -= 1
        else:  # pragma: no cover - future statement types
            pass

    def run_small(self, small) -> None:
        if isinstance(small, cst.Assign):
            value = self.ev(small.value)
            if value is None and _writes.is_sql_write(small.value):
                value = DML  # sql = "INSERT INTO ..."
            for t in small.targets:
                self.assign(t.target, value)
        elif isinstance(small, cst.AnnAssign):
            value = self.ev(small.value) if small.value is not None else None
            if small.value is None:
                ann = small.annotation.annotation
                q = self.a.ctx.qualified_name(ann) if isinstance(ann, (cst.Name, cst.Attribute)) else None
                value = SESSION if orm.is_session_type(q) else None
            self.assign(small.target, value)
        elif isinstance(small, cst.AugAssign):
            self.ev(small.value)
            self.target_reads(small.target)
        elif isinstance(small, cst.Expr):
            self.ev(small.value)
        elif isinstance(small, cst.Return):
            if small.value is not None:
                value = self.ev(small.value)
                if not self.ret_set:
                    self.ret, self.ret_set = value, True
                elif value is not self.ret:
                    self.ret = None
        elif isinstance(small, (cst.Raise,)):
            if small.exc is not None:
                self.ev(small.exc)
        elif isinstance(small, cst.Assert):
            self.ev(small.test)
        elif isinstance(small, cst.Del):
            pass
        elif isinstance(small, cst.Global):
            self.globals.update(n.name.value for n in small.names)
        elif isinstance(small, (cst.Import, cst.ImportFrom)) and self.env is not self.a.module_env:
            self.local_import(small)

    def local_import(self, node) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.env[alias.asname.name.value] = Ref(full)
                else:
                    self.env[full.split(".")[0]] = Ref(full.split(".")[0])
            return
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module is not None else ""
        if node.relative:
            module = "." * len(node.relative) + (module or "")
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.env[local] = Ref(self.a.absolute(f"{module}.{alias.name.value}" if module else alias.name.value))

    def assign(self, target, value) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = UNKNOWN_LOCAL if value is None else value
            if self.frames:
                self.bound[target.value] = (len(self.frames), self.frames[-1])
            elif self.bound:
                self.bound.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self.assign(el.value, None)
        else:
            self.target_reads(target)

    def target_reads(self, target) -> None:
        """``order.customer = x`` reads nothing; ``order.customer.name = x`` reads customer."""
        if isinstance(target, cst.Attribute):
            self.ev(target.value)
        elif isinstance(target, cst.Subscript):
            self.ev(target.value)
            for el in target.slice:
                self.visit(el)
        elif isinstance(target, cst.Name):
            self.env[target.value] = UNKNOWN_LOCAL

    def bind(self, target, value) -> None:
        self.assign(target, value)

    # -- loops -----------------------------------------------------------------------------------
    def run_for(self, stmt: cst.For) -> None:
        value = self.ev(stmt.iter)
        self.iterated(value, stmt.iter)
        frame = Frame(stmt, "for", stmt.iter)
        frame.range = isinstance(stmt.iter, cst.Call) and dotted_name(stmt.iter.func) == "range"
        # `for start in range(0, total, size)` walks batches: one query per batch is the point
        frame.sleep = frame.range and (len(stmt.iter.args) == 3 or _not_data_driven(stmt, self.a.module))
        frame.sleep = (frame.sleep or _loops.retry_iterable(stmt.iter) or _loops.retry_target(stmt.target)
                       or _loops.batch_iterable(stmt.iter))
        frame.fixed = _loops.fixed_iterable(stmt.iter, self.a.literals)
        self.frames.append(frame)
        try:
            self.bind_loop(stmt.target, value, frame)
            self.suite(stmt.body)
        finally:
            self.pop_frame()
        if stmt.orelse is not None:
            self.suite(stmt.orelse.body)

    def bind_loop(self, target, value, frame: Frame) -> None:
        if isinstance(value, Enum) and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
            self.assign(target.elements[0].value, None)
            self.bind_loop(target.elements[1].value, value.inner, frame)
            return
        if not isinstance(target, cst.Name):
            self.assign(target, None)
            return
        inst = None
        if isinstance(value, Src) and value.stage in ("qs", "query", "result") and not value.rows:
            if self.primed():
                value = value.copy(opaque=True)
            ev = RelEvent(target.value, frame, value, (), value.model)
            inst = Inst(value, (), (), ev)
        elif isinstance(value, Inst) and value.event is not None and value.attrs:
            attrs = value.attrs
            if attrs[-1] in ("all", "iterator") and len(attrs) > 1:
                attrs = attrs[:-1]
            base = tuple(value.base) + tuple(attrs)
            if value.src is not None:
                ev = RelEvent(target.value, frame, value.src, base, value.model)
                inst = Inst(value.src, base, (), ev, value.model)
        if inst is not None and inst.event is not None:
            if self.record:
                self.a.rels.append(inst.event)
            self.env[target.value] = inst
            self.bound[target.value] = (len(self.frames), self.frames[-1])
        else:
            self.assign(target, None)

    def pop_frame(self) -> None:
        self.frames.pop()

    def per_table(self, node) -> int:
        """The loop depth at which the receiver of ``.objects`` / ``query(...)`` / ``select(...)``
        was chosen, when a loop chose it (``for model in models: model.objects...``); else 0."""
        if node is None or not self.frames:
            return 0
        depth = 0
        frames = self.frames
        for name in _names(node):
            b = self.bound.get(name.value)
            if b is None or isinstance(self.env.get(name.value), (Ref, Src)):
                continue
            d, frame = b
            # bound in a loop that is still running (a name bound in a loop that has ended
            # counts for the loops still around it)
            while d > 0 and (d > len(frames) or frames[d - 1] is not frame):
                d -= 1
                frame = None if d == 0 else frames[d - 1] if d <= len(frames) else None
            depth = max(depth, d)
        return depth

    def iterated(self, value, node) -> None:
        """Iterating a lazy query built inside a loop runs it once per iteration of that loop."""
        if isinstance(value, Src) and value.stage in ("qs", "query") and value.depth >= 1 and not value.locked:
            kind = "dj-iter" if value.orm == "django" else "sa-exec"
            self.hit(node, kind, min(value.depth, len(self.frames)), batch=value.batch, src=value)

    _primed = None

    def primed(self) -> bool:
        """The function fills relation caches by hand (``set_cached_value``,
        ``prefetch_related_objects``...): it knows what it loaded, stay out of its loops."""
        if self._primed is None:
            self._primed = False
            if self.node is not None:
                text = self.a.module.code_for_node(self.node.body)
                self._primed = any(m in text for m in _PRIMING)
        return self._primed

    def runs_loop_item(self, node: cst.Call) -> bool:
        """``for stmt in statements: cursor.execute(stmt)`` runs a script, not a query per item."""
        pos = _positional(node)
        if not pos or not isinstance(pos[0], cst.Name):
            return False
        name = pos[0].value
        return any(isinstance(f.node, cst.For) and isinstance(f.node.target, cst.Name)
                   and f.node.target.value == name for f in self.frames)

    # -- effects ----------------------------------------------------------------------------------
    def level(self) -> int:
        level = len(self.frames)
        for depth, term in reversed(self.blocks):
            if depth != level or level == 0:
                continue  # a block outside the innermost live loop does not end its iterations
            if term == "exit":
                # leaving a SerializerMethodField getter ends one object's work, not the loop
                return 1 if self.frames and self.frames[0].kind == "serializer" else 0
            if term == "break" and depth == level and level > 0:
                level -= 1
        return level

    def hit(self, node, kind: str, depth: Optional[int] = None, batch: bool = False, src=None) -> None:
        text = shape(node, self.a.module)
        if self.fact["qnode"] is None and not self.guarded and not self.memoized and not self.cond:
            self.fact["qnode"] = node
            self.fact["qtext"] = text
        level = self.level()
        if depth is not None:
            level = min(level, depth)
        if isinstance(src, Src) and src.pertable:
            level = min(level, src.pertable - 1)
        level = self.data_level(level)
        if level <= 0 or not self.record or self.write_args:
            return
        frame = self.frames[level - 1]
        if frame.sleep or (frame.kind == "while" and batch):
            return
        if batch and frame.range:
            return
        self.a.hits.append(Hit(node, self.stmt, frame, kind, text))

    def helper_reads(self, node: cst.Call, callee: Optional[str]) -> None:
        """``render(order)`` in a loop: what ``render`` reads from its parameter, ``order`` reads."""
        if not callee or not self.record:
            return
        for i, arg in enumerate(node.args[:3]):
            if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.Name):
                continue
            value = self.lookup(arg.value.value, arg.value)
            if isinstance(value, Inst) and not value.attrs and value.event is not None and value.src is not None:
                ev = value.event
                try:
                    idx = self.frames.index(ev.frame)
                except ValueError:
                    continue
                if self.level() < idx + 1:
                    continue
                key = (("<helper>", callee, i), True)
                if key in ev.seen:
                    continue
                ev.seen.add(key)
                ev.reads.append(Read((), True, node, self.stmt, (callee, i, shape(node.func, self.a.module))))

    def data_level(self, level: int) -> int:
        """The innermost live loop at or above ``level`` that goes through data."""
        while level > 0 and self.frames[level - 1].fixed:
            level -= 1
        return level

    def call_event(self, node, callee: str) -> None:
        if callee is None or orm.is_library(callee) or callee.rsplit(".", 1)[-1][:1].isupper():
            return
        if not self.cond:
            self.fact["calls"].append(callee)
        level = self.data_level(self.level())
        if level <= 0 or not self.record or self.write_args:
            return
        frame = self.frames[level - 1]
        if frame.sleep:
            return
        self.a.calls.append(CallEvent(node, self.stmt, frame, callee, shape(node.func, self.a.module)))

    def read(self, inst: Inst, attrs: Tuple[str, ...], call: bool, node) -> None:
        ev = inst.event
        if ev is None or not self.record:
            return
        try:
            idx = self.frames.index(ev.frame)
        except ValueError:
            return
        if self.level() < idx + 1:
            return
        key = (attrs, call)
        if key in ev.seen or len(ev.reads) > 40:
            return
        ev.seen.add(key)
        ev.reads.append(Read(attrs, call, node, self.stmt))

    # -- expressions --------------------------------------------------------------------------------
    def visit(self, node) -> None:
        """Evaluate every sub-expression of a node that is not itself handled by ``ev``."""
        for child in children(node):
            if isinstance(child, cst.BaseExpression):
                self.ev(child)
            elif isinstance(child, (cst.Arg, cst.Element, cst.BaseDictElement, cst.ComparisonTarget,
                                    cst.Index, cst.Slice, cst.SubscriptElement, cst.FormattedStringExpression,
                                    cst.BaseFormattedStringContent, cst.StarredElement,
                                    cst.StarredDictElement)):
                self.visit(child)

    def ev(self, node) -> Any:
        if node is None:
            return None
        node_t = type(node)  # exact checks first: the common cases, without ABC isinstance
        if node_t is cst.Name:
            return self.lookup(node.value, node)
        if node_t is cst.Await:
            return self.ev(node.expression)
        if node_t is cst.Attribute:
            return self.attribute(node)
        if node_t is cst.Call:
            return self.call(node)
        if node_t is cst.Subscript:
            return self.subscript(node)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            self.comprehension(node)
            return None
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, cst.NamedExpr):
            value = self.ev(node.value)
            self.assign(node.target, value)
            return value
        if isinstance(node, cst.BooleanOperation):
            self.ev(node.left)
            self.ev(node.right)
            return None
        self.visit(node)
        return None

    def comprehension(self, node) -> None:
        fors = []
        f = node.for_in
        while f is not None:
            fors.append(f)
            f = f.inner_for_in
        first = self.ev(fors[0].iter)
        self.iterated(first, fors[0].iter)
        saved = dict(self.env)
        frame = Frame(node, "comp", fors[0].iter)
        frame.fixed = _loops.fixed_iterable(fors[0].iter, self.a.literals)
        self.frames.append(frame)
        pushed = 1
        try:
            self.bind_loop(fors[0].target, first, frame)
            for cond in fors[0].ifs:
                self.ev(cond.test)
            for inner in fors[1:]:
                value = self.ev(inner.iter)
                self.iterated(value, inner.iter)
                fr = Frame(node, "comp", inner.iter)
                fr.fixed = _loops.fixed_iterable(inner.iter, self.a.literals)
                self.frames.append(fr)
                pushed += 1
                self.bind_loop(inner.target, value, fr)
                for cond in inner.ifs:
                    self.ev(cond.test)
            if isinstance(node, cst.DictComp):
                self.ev(node.key)
                self.ev(node.value)
            else:
                self.ev(node.elt)
        finally:
            for _ in range(pushed):
                self.pop_frame()
            self.env.clear()
            self.env.update(saved)

    def subscript(self, node: cst.Subscript) -> Any:
        base = self.ev(node.value)
        for el in node.slice:
            self.visit(el)
        if isinstance(base, Src):
            if any(isinstance(el.slice, cst.Slice) for el in node.slice):
                return base.copy(batch=True)
            if base.stage in ("qs", "query") and base.orm == "django" and not base.opaque:
                self.hit(node, "dj-get", src=base)
            return None
        if isinstance(base, Inst):
            return None
        return None

    def attribute(self, node: cst.Attribute) -> Any:
        name = node.attr.value
        base = self.ev(node.value)
        if isinstance(base, Inst):
            attrs = base.attrs + (name,)
            if name == "awaitable_attrs":
                return Inst(base.src, base.base, base.attrs, base.event, base.model)
            self.read(base, attrs, False, node)
            return Inst(base.src, base.base, attrs, base.event, base.model)
        if name in orm.DJANGO_MANAGERS:
            model = None
            if isinstance(base, Ref):
                model = base.q if _is_classlike(node.value) or (base.q or "").rsplit(".", 1)[-1][:1].isupper() else None
                if model is None and not _is_classlike(node.value):
                    return None
            elif not (_is_classlike(node.value) or (dotted_name(node.value) or "").lower().endswith("model")
                      or isinstance(node.value, (cst.Call, cst.Subscript))):
                return None
            return Src("django", model, "qs", node, len(self.frames), pertable=self.per_table(node.value),
                       manager=name != "_base_manager")
        if name == "query" and isinstance(base, Ref) and _is_classlike(node.value):
            return Src("sqla", base.q, "query", node, len(self.frames))
        if isinstance(base, Ref) and base.q:
            q = base.q + "." + name
            if orm.is_non_db(q):
                return OTHER
            if orm.is_session_name(name) and name != "db":
                return SESSION
            return Ref(q)
        if isinstance(base, tuple) and base and base[0] == "self":
            if orm.is_session_name(name):
                return SESSION
            if orm.is_cursor_name(name):
                return CURSOR
            return ("selfattr", base[1], name)
        if base is OTHER:
            if orm.is_session_name(name) and name != "db":
                return SESSION
            return None
        if base is None or base is SESSION:
            if orm.is_session_name(name) and name != "db":
                return SESSION
            if orm.is_cursor_name(name) and name != "c":
                return CURSOR
        return None

    def args(self, node: cst.Call) -> List[Any]:
        return [self.ev(a.value) for a in node.args]

    def call(self, node: cst.Call) -> Any:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _writes.WRITE_CALLS and (
                func.attr.value in _writes.ANY_WRITE or not isinstance(func.value, cst.Name)):
            # `Voucher.objects.create(code=unused_code())`, `X.objects.get(pk=p).delete()`:
            # what the write's receiver and arguments read is part of that per-row write
            self.write_args += 1
            try:
                return self._call(node)
            finally:
                self.write_args -= 1
        return self._call(node)

    def _call(self, node: cst.Call) -> Any:
        func = node.func
        if isinstance(func, cst.Attribute):
            recv = self.ev(func.value)
            meth = func.attr.value
            if meth in _writes.ANY_WRITE:
                self.writes = True
            if recv is DML:
                self.args(node)
                return DML
            if meth in _writes.CREATES and not isinstance(func.value, cst.Name):
                self.writes = True  # `self.log_entries.create(...)`: a related-manager write
            if isinstance(recv, Inst):
                if recv.attrs and meth in _writes.QUERYSET_WRITE:
                    self.writes = True  # `order.lines.create(...)`, `post.tags.add(tag)`
                attrs = recv.attrs + (meth,)
                self.read(recv, attrs, True, node)
                self.args(node)
                if not recv.attrs and not recv.base and recv.model and recv.event is not None:
                    # `order.recalculate()`: a model method that queries, once per row
                    self.call_event(node, recv.model + "." + meth)
                return Inst(recv.src, recv.base, attrs, recv.event, recv.model)
            if isinstance(recv, Src):
                return self.src_method(recv, meth, node)
            if recv is SESSION:
                return self.session_method(meth, node)
            if recv is CURSOR:
                vals = self.args(node)
                pos = _positional(node)
                if meth == "execute" and pos and (vals[0] is DML or _writes.is_sql_write(pos[0])
                                                  or _writes.is_dml_expression(pos[0])):
                    self.writes = True
                elif meth == "execute" and not self.runs_loop_item(node):
                    self.hit(node, "raw")
                if meth == "cursor":
                    return CURSOR
                return None
            if isinstance(recv, tuple) and recv and recv[0] == "self":
                self.args(node)
                local = f"{recv[1]}.{meth}"
                if local in self.a.functions:
                    self.call_event(node, self.a.full(local))
                    return self.local_return(local, node)
                return None
            if isinstance(recv, Ref) and recv.q:
                self.args(node)
                q = recv.q + "." + meth
                if meth in ("cursor",) and recv.q.endswith("connection"):
                    return CURSOR
                if orm.is_non_db(q):
                    return OTHER
                if orm.is_session_type(q + "()"):
                    return SESSION
                if _writes.is_dml_callable(q):
                    return DML
                if orm.is_library(q):
                    return CURSOR if meth == "connect" else None
                if not meth[:1].isupper():
                    self.call_event(node, q)
                    self.helper_reads(node, q)
                if q.endswith((".sessionmaker", ".Session", ".AsyncSession")) and q.startswith(("sqlalchemy", "sqlmodel")):
                    return SESSION
                return self.remote_return(q, node)
            if recv is not None and recv is not OTHER and not isinstance(recv, (tuple, Enum)):
                self.args(node)
                return None
            self.args(node)
            if meth == "cursor" and (dotted_name(func.value) or "").endswith("connection"):
                return CURSOR
            return None
        # plain call
        name = func.value if isinstance(func, cst.Name) else None
        target = self.ev(func) if not isinstance(func, cst.Name) else self.lookup(func.value, func)
        values = self.args(node)
        q = target.q if isinstance(target, Ref) else None
        if q in orm.SQLA_SELECT or (q and q.rsplit(".", 1)[-1] == "select" and q.startswith(("sqlalchemy", "sqlmodel"))):
            return self.select(node)
        if name in ("list", "tuple", "set", "sorted", "len", "bool", "reversed") and node.args:
            v = values[0]
            if isinstance(v, Src) and v.stage in ("qs", "query"):
                self.iterated(v, node)
                if name != "len" and name != "bool":
                    return v.copy(stage="result")
            if isinstance(v, Inst) and name in ("list", "sorted", "tuple", "reversed"):
                return v
            return None
        if name == "enumerate" and node.args:
            return Enum(values[0])
        if q is None:
            if isinstance(target, tuple) or target is None or target is OTHER:
                return None
            return None
        if orm.is_session_type(q + "()") or q.rsplit(".", 1)[-1] in ("SessionLocal", "async_session_maker"):
            return SESSION
        if orm.is_non_db(q):
            return OTHER
        if _writes.is_dml_callable(q):
            return DML
        if orm.is_library(q):
            return CURSOR if q.rsplit(".", 1)[-1] == "connect" else None
        local = q[len(self.a.modname) + 1:] if self.a.modname and q.startswith(self.a.modname + ".") else None
        if not orm.is_library(q):
            self.helper_reads(node, q)
        if local is not None and local in self.a.functions:
            self.call_event(node, q)
            return self.local_return(local, node)
        if local is not None and local in self.a.classes:
            return None
        self.call_event(node, q)
        return self.remote_return(q, node)

    def local_return(self, local: str, node) -> Any:
        ret = self.a.returns_of(local)
        if isinstance(ret, Src):
            return ret.copy(node=node, depth=len(self.frames) if ret.stage in ("qs", "query") else ret.depth)
        return None

    def remote_return(self, q: str, node) -> Any:
        """A call to a function of another module: it may return a queryset (decided later)."""
        last = q.rsplit(".", 1)[-1]
        if not last[:1].islower():
            return None
        return Src(None, None, "result", node, len(self.frames), callee=q)

    # -- ORM calls -------------------------------------------------------------------------------
    def select(self, node: cst.Call) -> Src:
        pos = _positional(node)
        model = None
        rows = True
        if len(pos) == 1 and isinstance(pos[0], (cst.Name, cst.Attribute)) and _is_classlike(pos[0]):
            model = self.a.model_ref(pos[0]) if isinstance(pos[0], cst.Name) else self.a.model_ref(pos[0])
            rows = False
        return Src("sqla", model, "stmt", node, len(self.frames), rows=rows,
                   pertable=self.per_table(pos[0]) if pos else 0)

    def session_method(self, meth: str, node: cst.Call) -> Any:
        values = self.args(node)
        pos = _positional(node)
        if meth == "query":
            model = None
            rows = True
            if len(pos) == 1 and isinstance(pos[0], (cst.Name, cst.Attribute)) and _is_classlike(pos[0]):
                model = self.a.model_ref(pos[0])
                rows = False
            return Src("sqla", model, "query", node, len(self.frames), rows=rows,
                       pertable=self.per_table(pos[0]) if pos else 0)
        if meth in _writes.SESSION_WRITE:
            self.writes = True
            return None
        if meth in ("get", "get_one"):
            if pos and isinstance(pos[0], (cst.Name, cst.Attribute)) and _is_classlike(pos[0]) and len(node.args) >= 2:
                self.hit(node, "sa-get")
            return None
        if meth == "refresh":
            self.hit(node, "sa-refresh")
            return None
        if meth in ("execute", "exec", "scalars", "scalar", "stream", "stream_scalars"):
            stmt = values[0] if values else None
            if stmt is DML or (pos and _writes.is_dml_expression(pos[0])):
                self.writes = True  # `session.execute(update(Order)...)`: a write
                return None
            self.hit(node, "sa-exec", batch=isinstance(stmt, Src) and stmt.batch, src=stmt)
            if isinstance(stmt, Src) and stmt.stage == "stmt" and stmt.orm == "sqla":
                if meth == "scalar":
                    return None
                rows = stmt.rows or meth in ("execute", "stream")
                return stmt.copy(stage="result", rows=rows, depth=len(self.frames))
            return None
        return None

    def src_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        if src.orm == "django":
            return self.django_method(src, meth, node)
        if src.orm == "sqla":
            return self.sqla_method(src, meth, node)
        self.args(node)
        return None

    def django_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        src = src.copy(node=node)
        values = self.args(node)
        if meth == "select_related":
            pos = _positional(node)
            if not node.args:
                return src.copy(select_all=True)
            names = [_string(p) for p in pos]
            if any(n is None for n in names) or len(pos) != len(node.args):
                return src.copy(opaque=True)
            return src.copy(prepared=src.prepared | _paths(names))
        if meth == "prefetch_related":
            names = []
            for arg, value in zip(node.args, values):
                if arg.star or arg.keyword is not None:
                    return src.copy(opaque=True)
                s = _string(arg.value)
                if s is not None:
                    names.append(s)
                    continue
                if isinstance(arg.value, cst.Call) and (dotted_name(arg.value.func) or "").endswith("Prefetch"):
                    p = _positional(arg.value)
                    lookup = _string(p[0]) if p else _string(_kw(arg.value, "lookup"))
                    if lookup is None:
                        return src.copy(opaque=True)
                    to_attr = _string(_kw(arg.value, "to_attr"))
                    names.append(lookup)
                    if to_attr:
                        names.append(lookup.rsplit("__", 1)[0] + "__" + to_attr if "__" in lookup else to_attr)
                    qs = _kw(arg.value, "queryset") or (p[1] if len(p) > 1 else None)
                    if qs is not None:
                        inner = self.peek_src(qs)
                        if inner is None or inner.opaque:
                            names.append(lookup + "__*")
                        else:
                            names.extend(lookup + "__" + n for n in inner.prepared)
                    continue
                return src.copy(opaque=True)
            return src.copy(prepared=src.prepared | _paths(names))
        if meth in orm.DJANGO_ROWS:
            return src.copy(rows=True)
        if meth == "select_for_update":
            self.writes = True  # rows are locked to be written: the read serves a write
            return src.copy(locked=True)
        if meth in orm.DJANGO_LAZY:
            return src.copy()
        if meth in orm.DJANGO_EXEC:
            m = meth[1:] if meth.startswith("a") and meth[1:] in orm.DJANGO_EXEC else meth
            if meth in _writes.UPSERTS:
                self.writes = True  # an upsert per row is a write (out of BL201's scope)
                return None
            if src.locked:
                return None  # `select_for_update().get(pk=o.pk)`: the row is locked to be written
            kind = "dj-count" if m in ("count", "exists", "aggregate", "contains") else "dj-get"
            self.hit(node, kind, batch=src.batch, src=src)
            return None
        if meth in _writes.QUERYSET_WRITE or meth in _writes.ANY_WRITE:
            self.writes = True
            return None
        if meth == "raw" or meth.startswith("get_"):
            return None  # custom `get_*` manager methods that return other things
        return src.copy(opaque=True)

    def peek_src(self, node) -> Optional[Src]:
        saved_record = self.record
        self.record = False
        try:
            v = self.ev(node)
        finally:
            self.record = saved_record
        return v if isinstance(v, Src) else None

    def sqla_method(self, src: Src, meth: str, node: cst.Call) -> Any:
        values = self.args(node)
        if src.stage in ("stmt", "query"):
            src = src.copy(node=node)
            if meth == "options":
                prepared, star = set(), False
                for arg in node.args:
                    paths = _loader_paths(arg.value)
                    if paths is None:
                        return src.copy(opaque=True)
                    if "*" in paths:
                        star = True
                    prepared |= paths
                return src.copy(prepared=src.prepared | _paths(prepared), select_all=src.select_all or star)
            if meth == "with_for_update":
                self.writes = True  # rows are locked to be written: the read serves a write
            if meth in orm.SQLA_LAZY:
                pertable = src.pertable
                if meth in ("select_from", "join_from") and node.args:
                    pertable = max([pertable] + [self.per_table(a.value) for a in node.args])
                return src.copy(batch=src.batch or meth in orm.SQLA_BATCH, pertable=pertable)
            if src.stage == "query" and meth in ("update", "delete"):
                self.writes = True  # `session.query(M).filter(...).delete()`
                return None
            if src.stage == "query" and meth in orm.SQLA_QUERY_EXEC:
                self.hit(node, "sa-get" if meth == "get" else "sa-exec", batch=src.batch, src=src)
                if meth == "all":
                    return src.copy(stage="result", depth=len(self.frames))
                return None
            if src.stage == "stmt" and meth in ("subquery", "scalar_subquery", "cte", "exists", "alias", "union"):
                return None
            return src.copy(opaque=True)
        if src.stage == "result":
            if meth in orm.SQLA_RESULT or meth in ("tuples",):
                rows = src.rows
                if meth == "scalars":
                    rows = False if src.model else True
                return src.copy(rows=rows)
            if meth in ("mappings",):
                return src.copy(rows=True)
            return None
        return None


def _paths(names: Iterable[str]) -> frozenset:
    out = set()
    for name in names:
        parts = name.split("__")
        for i in range(1, len(parts) + 1):
            out.add("__".join(parts[:i]))
    return frozenset(out)


def _loader_paths(node) -> Optional[set]:
    """Relation paths an ``options()`` argument loads eagerly; None when it cannot be read."""
    chain = []
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        chain.append(node)
        node = node.func.value
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        chain.append(node)
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        chain.append(node)
    else:
        return None
    chain.reverse()
    paths = set()
    prefix: List[str] = []
    for call in chain:
        fn = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if fn not in orm.SQLA_LOADERS and fn not in ("Load", "load_only", "defer", "undefer", "with_expression"):
            return None
        if fn in ("load_only", "defer", "undefer", "with_expression", "Load"):
            continue
        eager = orm.SQLA_LOADERS[fn] in orm.SQLA_EAGER_LAZY or orm.SQLA_LOADERS[fn] in ("noload", "raise")
        for arg in _positional(call):
            s = _string(arg)
            if s == "*":
                if eager:
                    paths.add("*")
                continue
            name = s.rsplit(".", 1)[-1] if s else (arg.attr.value if isinstance(arg, cst.Attribute) else None)
            if name is None:
                return None
            prefix = prefix + [name]
            if eager:
                paths.add("__".join(prefix))
    return paths


# -- resolution: local (one file) and project-wide ------------------------------------------------

class Unknown(Exception):
    """The answer needs facts from another file."""


class Index:
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

    def model(self, ref: Optional[str]) -> Optional[str]:
        return self._match(ref, self.models)

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
            if out:
                return dict(out, via=".".join(attrs[: i + 1]) + ("()" if not is_property else ""))
        return None

    def resolve_helper(self, ev: dict, helper) -> Optional[dict]:
        """The first relation a helper function reads from the row passed at ``helper[1]``."""
        callee, index, shown = helper
        name = self.func(callee)
        if name is None:
            if self.local:
                raise Unknown()
            return None
        reads = self.funcs[name].get("pr", {}).get(str(index))
        if not reads:
            return None
        param, chains = reads[0], reads[1:]
        unknown = False
        for attrs, called in chains:
            try:
                out = self.resolve_read(ev, tuple(attrs), called)
            except Unknown:
                unknown = True
                continue
            if out:
                return dict(out, helper=shown, param=param)
        if unknown:
            raise Unknown()
        return None

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

    def manager_prep(self, model: str, seen=None) -> List[str]:
        """Relation paths the default manager (``objects``) of ``model`` eager-loads in its
        ``get_queryset()`` (own or inherited); ``["*"]`` when it loads what we cannot read."""
        fact = self.models.get(model)
        if fact is None:
            return []
        seen = seen if seen is not None else set()
        if model in seen:
            return []
        seen.add(model)
        ref = fact.get("om")
        if ref:
            return self._manager_paths(ref, set())
        for base in fact.get("bases", []):
            b = self.model(base) if not base.startswith("?") else None
            if b is not None:
                found = self.manager_prep(b, seen)
                if found:
                    return found
        return []

    def _manager_paths(self, ref: str, seen: set) -> List[str]:
        name = self._match(ref, self.managers)
        if name is None:
            if self.local and not ref.startswith(("django.", "rest_framework.")):
                raise Unknown()  # a manager of another module: the project pass decides
            return []
        if name in seen:
            return []
        seen.add(name)
        fact = self.managers[name]
        if fact.get("prep"):
            return list(fact["prep"])
        for base in fact.get("bases", []):
            found = self._manager_paths(base, seen)
            if found:
                return found
        return []

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
                   "suggest": key, "gfk": f.get("k") == "gfk"}
            if sqla:
                lazy = f.get("lazy")
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

    # -- functions -----------------------------------------------------------------------------
    def func(self, ref: str) -> Optional[str]:
        return self._match(ref, self.funcs)

    def writes_of(self, name: str, depth: int = 0, seen=None) -> bool:
        """The function writes, itself or through the functions it calls (``update()`` that calls
        a ``commit()`` helper): then its own reads serve the write (see ``_writes``)."""
        fact = self.funcs[name]
        if fact.get("w"):
            return True
        if depth >= MAX_CALL_DEPTH:
            return False
        seen = seen or {name}
        unknown = False
        for sub in fact.get("calls", []):
            target = self.func(sub) if not self.local else (sub if sub in self.funcs else None)
            if target is None:
                unknown = unknown or self.local
                continue
            if target in seen:
                continue
            seen.add(target)
            try:
                if self.writes_of(target, depth + 1, seen):
                    return True
            except Unknown:
                unknown = True
        if unknown:
            raise Unknown()
        return False

    def query_of(self, callee: str, depth: int = 0, seen=None) -> Optional[dict]:
        """How a function queries: {'q', 'path', 'line', 'via'}; None if it does not."""
        name = self.func(callee)
        if name is None:
            if self.local:
                raise Unknown()
            return None
        fact = self.funcs[name]
        if fact.get("q") and not self.writes_of(name):
            return {"q": fact["q"], "path": fact.get("path"), "func": name.rsplit(".", 1)[-1]}
        if depth >= MAX_CALL_DEPTH:
            return None
        seen = seen or {name}
        unknown = False
        for sub in fact.get("calls", []):
            target = self.func(sub) if not self.local else (sub if sub in self.funcs else None)
            if target is None:
                if self.local:
                    unknown = True
                continue
            if target in seen:
                continue
            seen.add(target)
            try:
                found = self.query_of(target, depth + 1, seen)
            except Unknown:
                unknown = True
                continue
            if found:
                return found
        if unknown:
            raise Unknown()
        return None


def _terminal_base_text(text: str) -> bool:
    last = text.rsplit(".", 1)[-1]
    return last in ("Model", "Base", "DeclarativeBase", "SQLModel", "object", "db.Model") or text in (
        "models.Model", "db.Model")


# -- project pass ------------------------------------------------------------------------------------

def project_index(index, code: str) -> Tuple[Index, List[Tuple[str, dict]]]:
    models: Dict[str, Dict[str, dict]] = {}
    funcs: Dict[str, Dict[str, dict]] = {}
    managers: Dict[str, Dict[str, dict]] = {}
    files = []
    for path, facts in index.facts(NPlusOneRule.facts_key):
        mod = facts.get("mod", "")
        models.setdefault(mod, {}).update(facts.get("models", {}))
        funcs.setdefault(mod, {}).update(facts.get("funcs", {}))
        managers.setdefault(mod, {}).update(facts.get("mgrs", {}))
        files.append((path, facts))
    return Index(models, funcs, local=False, managers_by_mod=managers), files


def project_reports(index, code: str) -> Iterable[ProjectReport]:
    idx, files = project_index(index, code)
    for path, facts in files:
        if code == "BL201":
            for c in facts.get("calls", []):
                found = idx.query_of(c["callee"])
                if found:
                    p = c["p"]
                    yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                        Analysis.call_message(c["text"], c["loop"], found), c.get("s", ""))
        for ev in facts.get("rels", []):
            ev = dict(ev)
            if ev.get("callee"):
                ret = _helper_return(idx, ev["callee"])
                if ret is None:
                    continue
                ev.update(model=ret["model"], prep=ret.get("prep", []), all=ret.get("all", False),
                          has_src=not ret.get("opaque"), orm=ret.get("orm"))
                if not ev.get("src_text"):
                    ev["src_text"] = ev["callee"].rsplit(".", 1)[-1] + "()"
            seen = set(ev.get("done", []))
            for read in ev.get("reads", []):
                try:
                    if read.get("h"):
                        outcome = idx.resolve_helper(ev, tuple(read["h"]))
                    else:
                        outcome = idx.resolve_read(ev, tuple(read["a"]), read["c"])
                except Unknown:  # pragma: no cover - the project index never raises
                    continue
                if not outcome or outcome["code"] != code or outcome["key"] in seen:
                    continue
                seen.add(outcome["key"])
                p = read["p"]
                yield ProjectReport(path, p[0], p[1], p[2], p[3],
                                    rel_message(outcome, ev["var"], ev["loop"], ev.get("src_text", "")), read.get("s", ""))


def _helper_return(idx: Index, callee: str) -> Optional[dict]:
    name = idx.func(callee)
    if name is None:
        return None
    ret = idx.funcs[name].get("ret")
    if not ret or ret.get("stage") == "stmt":
        return None
    return ret


def analysis_for(ctx) -> Analysis:
    def build() -> Analysis:
        analysis = Analysis(ctx)
        analysis.run()
        return analysis

    return ctx.shared("n-plus-one", build)


class NPlusOneRule(Rule):
    """Shared by BL201 and BL202: both read the one analysis per file and its facts.

    The class has no code, so the registry does not list it; the two rules set theirs.
    """

    facts_key = "n-plus-one"

    def visit_Module(self, node: cst.Module) -> None:
        analysis = analysis_for(self.ctx)
        self.ctx.reports.extend(analysis.local_reports[self.code])
        self._facts = analysis.facts

    def facts(self) -> Any:
        return getattr(self, "_facts", None)

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        yield from project_reports(index, cls.code)
