"""The per-file N+1 analysis: runs a ``FunctionPass`` over the module body and every function,
decides what this file alone can decide and keeps the rest as facts for the project pass."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..._lazy import cst
from ...frameworks import orm
from ...rule import Report
from . import _loops, _managers, other_orms, param_querysets, serializer_usage
from .function_pass import FunctionPass
from .index import Index
from .messages import advice, call_code, call_message, ev_dict, rel_message
from .models import ModelFacts, _not_a_relation
from .syntax import shape
from .values import CallEvent, Frame, Hit, OTHER, Ref, RelEvent, Src, Unknown


class Analysis(ModelFacts):
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
        self.local_reports: Dict[str, List[Report]] = {"BL201": [], "BL202": [], "BL205": []}
        self.facts: Dict[str, Any] = {}
        self.literals: Dict[str, Any] = {}
        self.managers: Dict[str, dict] = {}
        self.param_rels: List[Any] = []  # loops over a parameter (see param_querysets)
        self.param_args: List[Any] = []  # calls passing a query
        self.serializer_uses: List[Any] = []  # serializers given a queryset of many rows
        self.busy: List[cst.FunctionDef] = []  # functions whose pass recorded something: where to locate first

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
        if type(node) is cst.Name:
            return self.lookup(node.value, node)
        if type(node) is cst.Attribute:
            base = self._peek(node.value)
            if isinstance(base, Ref) and base.q:
                return Ref(base.q + "." + node.attr.value)
        return None

    # -- entry -------------------------------------------------------------------------------
    def run(self) -> None:
        body = self.module.body
        self.literals = _loops.module_literals(body)
        for stmt in body:
            if type(stmt) is cst.ClassDef:
                self.classes[stmt.name.value] = stmt
                for item in stmt.body.body if type(stmt.body) is cst.IndentedBlock else ():
                    if type(item) is cst.FunctionDef:
                        self.functions[f"{stmt.name.value}.{item.name.value}"] = item
            elif type(stmt) is cst.FunctionDef:
                self.functions[stmt.name.value] = stmt
        for stmt in body:
            if type(stmt) is cst.ClassDef:
                self.collect_model(stmt)
        # the module body itself (scripts, module-level querysets)
        try:
            FunctionPass(self, None, None, record=True).run_module(body)
        except RecursionError:  # absurdly nested code: skip it rather than fail the file
            pass
        for local, node in self.functions.items():
            cls = local.split(".")[0] if "." in local else None
            before = self.recorded()
            fp = FunctionPass(self, node, cls, record=True)
            try:
                fp.run_function(local)
            except RecursionError:
                pass
            else:
                if local not in self.ret_cache and _reusable_return(fp.ret):
                    # what a later caller's `returns_of` would compute again with `record=False`:
                    # the two passes differ only in the rows a loop fetches (`fetched_row`), which
                    # are instances with an event; any other return value is the same
                    self.ret_cache[local] = fp.ret
            if self.recorded() != before:
                self.busy.append(node)
        self.finish()

    def recorded(self) -> tuple:
        return len(self.hits), len(self.calls), len(self.rels), len(self.param_args), len(self.serializer_uses)

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
            unfollowed = other_orms.decided_later(ev)
            for read in ev.reads:
                if read.helper is None and _not_a_relation(read):
                    continue
                if unfollowed:
                    keep.append(read)
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
        # loops and the queries they go through are named by their line only (``starts``)
        lines: List[cst.CSTNode] = [h.frame.node for h in self.hits]
        lines += [c.frame.node for c, _ in local_calls]
        lines += [ev.frame.node for ev, _, _ in local_rels]
        lines += [ev.src.node for ev, _, _ in local_rels if ev.src is not None]
        want: List[cst.CSTNode] = []
        for c in deferred_calls:
            lines.append(c.frame.node)
            want.append(c.node)
        for ev, keep, _ in deferred_rels:
            lines.append(ev.frame.node)
            if ev.src is not None:
                lines.append(ev.src.node)
            want += [r.node for r in keep]
        param_querysets.scan(self)  # loops over a parameter, read syntactically
        want += param_querysets.nodes(self)
        serializer_usage.scan_views(self, FunctionPass(self, None, None, record=False))
        want += serializer_usage.nodes(self)
        # searched first: the loops among the nodes (they hold the reads), then the functions
        loops = [n for n in lines + want if isinstance(n, cst.BaseCompoundStatement)]
        self.pos = pos = self.ctx.locate(want, loops + self.busy, lines) if want or lines else {}
        self.lines = self.ctx.text.splitlines()
        # 3. reports and facts
        for h in self.hits:
            if h.frame.kind == "serializer":
                msg = (f"`{h.text}` runs a query for every object {h.frame.label}; annotate the value on the "
                       f"view's queryset (`annotate()`/`Subquery`) or prefetch it, and read it from `obj`.")
            elif h.same:
                msg = (f"`{h.text}` runs the same query on every iteration of {self.loop_desc(h.frame)} "
                       f"(nothing in it changes with the loop); run it once before the loop and reuse the result.")
            else:
                msg = f"`{h.text}` runs a query on every iteration of {self.loop_desc(h.frame)}; {advice(h.kind)}."
            self.local_reports["BL201"].append(Report("BL201", h.node, msg, h.stmt))
        for c, found in local_calls:
            code = call_code(c.text, found)
            self.local_reports[code].append(
                Report(code, c.node, call_message(c.text, self.loop_desc(c.frame), found, c.same, code), c.stmt))
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
        self.facts.update(param_querysets.facts(self))
        self.facts.update(serializer_usage.facts(self))

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
        fact = {"callee": c.callee, "text": c.text, "loop": self.loop_desc(c.frame),
                "p": list(p) if p else [1, 1, 1, 1], "s": self.snippet(p)}
        if c.same:
            fact["same"] = True
        return fact


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
                if fact.get("qk"):
                    entry["qk"] = fact["qk"]
            ret = fact.get("ret")
            if ret is not None:
                entry["ret"] = ret
            if fact.get("pr"):
                entry["pr"] = fact["pr"]
            seq = list(dict.fromkeys(fact["calls"]))
            if len(seq) > 1 and seq != entry["calls"]:
                entry["seq"] = seq  # in call order
            if fact.get("w"):
                entry["w"] = True
                entry["wi"] = len(dict.fromkeys(fact["calls"][: fact.get("wi", len(fact["calls"]))]))
                if fact.get("wt") and not fact.get("wu"):
                    entry["wt"] = fact["wt"]  # every write names its table: these
            out[local] = entry
        return out



def _reusable_return(value) -> bool:
    return value is None or type(value) is Src or type(value) is Ref


def analysis_for(ctx) -> Analysis:
    def build() -> Analysis:
        analysis = Analysis(ctx)
        analysis.run()
        return analysis

    return ctx.shared("n-plus-one", build)
