"""BL310: data is deserialized with a format that can run code while loading it."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import declared
from ...frameworks import origin_own as own
from ...frameworks import origin_sinks as sinks
from ...frameworks import project_callers as pc
from ...frameworks import roles
from ...frameworks import sql_callers
from ...frameworks.call_chains import ProjectChains
from ...frameworks.orm import module_name
from ...frameworks.origin_values import first_flow
from ...project import ProjectReport
from ...rule import Rule
from ._origin_walk import OriginRule

_UNTRUSTED = ("request", "upload", "external")


class UnsafeDeserialization(OriginRule):
    """Data is loaded with pickle, marshal, an unsafe YAML loader or another code-running format.

    ## What it does
    Finds `pickle`/`cPickle`/`dill`/`cloudpickle`/`marshal` `load`/`loads`, `shelve.open`,
    `jsonpickle.decode`, `yaml.load` without a safe loader, `yaml.unsafe_load`,
    `pandas.read_pickle`, `numpy.load(allow_pickle=True)`, `torch.load(weights_only=False)`
    (since torch 2.6 `torch.load` loads weights only by default) and `joblib.load`. An **error** when the data is request input, an
    upload, or read from a cache, redis, a queue or a network response; a **warning** when its
    origin is not known in the file (a parameter, the result of another function).

    Not reported: `yaml.safe_load`, `Loader=SafeLoader/CSafeLoader/BaseLoader/FullLoader`,
    `json`, msgpack, `pickle.dumps`; data the application wrote itself: the Flask or Django
    session (signed or kept server-side), decrypted or unsigned data (`fernet.decrypt(...)`,
    `signer.unsign(...)`), bytes it pickled in the same class or function, the result of its own
    `concurrent.futures`/`asyncio` future (annotated as one), a parameter that every caller in the
    file (also `functools.partial(f, ...)`) fills with such data, and the result of a helper of
    this or another module of the project (also one defined further down) that hands back (part
    of) its arguments when this call passes the session or such data, also when what it passes
    is a parameter that every caller of the function, in any module, fills with such data
    (decided in the project pass); and files whose path is fixed by the code or the settings:
    a path inside the package (built from `__file__`), a literal path or a setting. Decision on
    shipped artifacts: they are not reported at all, since whoever can replace a file of the
    installed package can already change its code; the rule is about data that crosses a trust
    boundary. Tests, migrations and tool fixtures are not checked.

    ## Why is this bad?
    "Do not deserialize untrusted data" (OWASP Deserialization Cheat Sheet). Unpickling calls
    whatever callables the data names (`os.system` included), and so do `marshal`, unsafe YAML
    tags (`!!python/object/apply`) and pickle-based formats: loading attacker-supplied bytes
    runs the attacker's code. A cache or queue shared with other services is such a boundary
    too.

    ## Example
    ```python
    import pickle

    def restore(request):
        state = pickle.loads(request.body)
        return state
    ```

    ## Use instead
    ```python
    import json

    def restore(request):
        state = json.loads(request.body)
        return state
    ```

    ## Known problems
    The origin of data is followed within one file, plus one call of a helper of this or
    another module (in the project pass). The callers of a function count only when none can
    hide: every file that imports its class or function (or a module on its path, or the
    package re-exporting it by name) must be one the rule walks (it has a sink word, a session
    read, or passes a `session` on), and use it only in calls it can read (`f(...)`,
    `Cls.m(...)`, `Cls(...).m(...)`); an instance kept in a variable, a subclass, a decorator
    or an `isinstance` leaves the parameter unknown. Calls through `getattr`, strings or code
    outside the checked tree are not seen. A parameter that the load reads directly (not
    through a helper) is decided by the callers in its own file only. Measured on 23 real
    applications (docs/precision/sec12.md): 6 findings, all true (pickles read back from
    database rows, a key-value table or handed-in bundles); its errors (request, upload,
    cache, queue or network data) are the definite cases, its warnings ask whether anyone else
    can write the data.

    ## References
    - OWASP Deserialization Cheat Sheet
    - Python docs, pickle: "Warning: The pickle module is not secure"
    - CWE-502: Deserialization of Untrusted Data
    """

    code = "BL310"
    name = "unsafe-deserialization"
    category = "unsafe-deserialization"
    severity = Severity.WARNING
    precision = "high"  # measured 6/6 (every finding) on 23 real applications: docs/precision/sec12.md
    tags = ("security", "external/cwe/cwe-502")
    security_severity = "8.1"
    # Every file is looked at: one without a sink still tells the project pass what it imports
    # (``project_callers``: who can call a function whose parameter a load depends on). The rule
    # walks only files with a word of ``_WALK_MARKERS``.
    text_markers = ()
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.MIGRATION}

    sink_names = frozenset(q.rsplit(".", 1)[-1] for q in sinks.DESERIALIZERS)

    def __init__(self, ctx, settings) -> None:
        text = ctx.text
        if not (any(m in text for m in _WALK_MARKERS) or ("session" in text and any(m in text for m in _SESSION_MARKERS))
                or any(m in text for m in declared.marker_words())):
            Rule.__init__(self, ctx, settings)
            self.walks = self.active = False  # facts only: this file's imports
            return
        super().__init__(ctx, settings)

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._defined = sql_callers.defined_functions(node) if self.active else set()
        self._calls: Dict[str, List[sql_callers.CallSite]] = {}
        self._deferred: List[tuple] = []  # (sink, build, nodes, params, [(ref, call safeties)], statement, target)
        path = self.ctx.path
        self._mod, self._pkg = module_name(path), os.path.basename(path) == "__init__.py"
        self._handles, self._blanked = pc.import_handles(self.ctx.text, self._mod, self._pkg)
        self._defs = pc.top_level_defs(node)
        bound = {local: base for local, _, base in self._handles if local != "*"}
        bound.update((name, f"{self._mod}.{name}") for name in self._defs)
        self._recorder = pc.CallRecorder(bound)

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        if self._defined:
            # what this file passes to its own functions (`_load(payload)`, `partial(_load, payload)`)
            key = sql_callers.call_key(node, self._defined)
            if key is not None:
                sql_callers.record_call(node, key, self.values, self._calls)
            else:
                sql_callers.record_partial(node, self._defined, self.values, self._calls, self.ctx)
        if self.active:
            self._recorder.visit(node, self.values.ev)  # a caller other modules' loads may depend on

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not type(func) in (cst.Name, cst.Attribute):
            return
        found = sinks.deserializer(node, self.ctx.qualified_name(func), self.ctx)
        if found is None:
            return
        data, sink = found
        value = self.values.ev(data)
        if value.safe or self.values.signature_checked():
            return  # a constant, a setting, a path inside the package; data whose HMAC was checked
        origin = first_flow(value, *_UNTRUSTED)
        what = self.values.code(data)
        if origin is not None:
            def build(lines, origin=origin, what=what, sink=sink, node=node):
                src = self.source(origin, lines)
                if origin.name != what:
                    src = f"`{what}` from {src}"
                return (f"Untrusted data deserialized: {src} \u2192 `{sink}`{self.at(node, lines)}; "
                        "loading it runs any code the sender put in it. Use a data-only format "
                        "(`json`, `yaml.safe_load`, msgpack), or sign the payload and verify it first.")
            self.flow(node, build, [origin.node], severity=Severity.ERROR)
            return
        origin = first_flow(value, "parameter")
        pure = own.pure(value)

        def build_unknown(lines, origin=origin, what=what, sink=sink, node=node):
            src = self.source(origin, lines) if origin is not None else f"`{what}`"
            if origin is not None and origin.name != what:
                src = f"`{what}` from {src}"
            return (f"`{sink}`{self.at(node, lines)} loads {src}, whose origin this file does not show; "
                    "if anyone else can write that data, loading it runs their code. Load only data this "
                    "application wrote and signed, or use a data-only format (`json`, `yaml.safe_load`).")
        nodes = [origin.node if origin is not None else None]
        if pure:
            # unsafe only through parameters and calls of other modules' functions: decided
            # when the module is read (callers in this file) and in the project pass
            calls = [(f.function, self._argument_safety(f.node)) for f in value.flows if f.kind == "call"]
            params = [f for f in value.flows if f.kind == "parameter"]
            target = self._target() if any(_placeholder(s) for _, (p, k, _) in calls
                                           for s in list(p) + list(k.values())) else None
            self._deferred.append((node, build_unknown, nodes, params, calls, self.ctx.enclosing_statement(), target))
            return
        self.flow(node, build_unknown, nodes)

    # -- what the file alone cannot decide -----------------------------------------------------
    def leave_Module(self, node: cst.Module) -> None:
        self._sites: List[tuple] = []
        for sink, build, nodes, params, calls, statement, target in self._deferred:
            if any(not sql_callers.safe_from_every_caller(p, self._calls) for p in params):
                self._pending.append((sink, build, nodes, None, statement, None))
            elif calls:
                if target is not None and target["m"]:
                    # this file's `self.<method>(...)` calls are callers too
                    target["l"] = [[[x is True for x in p], {k: v is True for k, v in kw.items()}, star or star_kw]
                                   for p, kw, star, star_kw in self._calls.get("self." + target["m"], ())]
                self._sites.append((sink, build, nodes, calls, target))
            # else: every caller in this file passes data the application wrote itself
        self._deferred = []
        super().leave_Module(node)

    def facts(self) -> Optional[Dict[str, Any]]:
        if not self.walks:
            path = self.ctx.path
            mod, pkg = module_name(path), os.path.basename(path) == "__init__.py"
            handles, _ = pc.import_handles(self.ctx.text, mod, pkg, blank=False)
            if not handles:
                return None
            fact = {"h": pc.idle_facts(handles), "mod": mod}
            if any(h[0] == "*" for h in handles):
                fact["s"] = pc.words(pc.import_handles(self.ctx.text, mod, pkg)[1])
            return fact
        sites = getattr(self, "_sites", [])
        exports = self.values.exports if self.active else {}
        out_sites = []
        if sites:
            sinks = [site[0] for site in sites if site[0] is not None]
            others = [n for site in sites for n in site[2] if n is not None]  # named by line only
            positions = self.ctx.locate(sinks, (), others)
            lines = {key: pos[0] for key, pos in positions.items()}
            for sink, build, _, calls, target in sites:
                if id(sink) in positions:
                    out_sites.append([list(positions[id(sink)]), build(lines),
                                      [[ref, list(p), k, star] for ref, (p, k, star) in calls], target])
        fact = {"mod": self._mod, "pkg": self._pkg, "funcs": exports, "sites": out_sites, "w": True,
                "h": pc.handle_facts(self._handles, self._blanked, self._defs, self._mod),
                "c": self._recorder.calls}
        if any(h[0] == "*" for h in self._handles):
            fact["s"] = pc.words(self._blanked)
        return fact

    # -- parameters that the callers in other modules decide -----------------------------------
    def _argument_safety(self, call: cst.Call):
        """``own.argument_safety``, except that an argument that is (part of) parameters of the
        enclosing function is ``["#p", [[name, position], ...]]``: safe when every caller of that
        function passes safe values there (decided in the project pass)."""
        scope = self.values.function_scope()

        def placeholder(value):
            if scope is not None and own.pure(value) and all(
                    f.kind == "parameter" and f.function == scope.name and not f.handler for f in value.flows):
                return ["#p", [[f.name, f.position] for f in value.flows]]
            return False

        return own.argument_safety(call, self.values.ev, placeholder)

    def _target(self) -> Optional[Dict[str, Any]]:
        """The enclosing module-level function or method of a module-level class, as the project
        pass looks up its callers: owner, method, first parameter, defaults that are constants,
        and the calls of ``self.<method>`` in this file."""
        scope = self.values.function_scope()
        func = self.ctx.enclosing_function()
        if scope is None or func is None or scope.parent is None or func.name.value != scope.name:
            return None
        outer = scope.parent
        if outer.kind == "class" and outer.parent is not None and outer.parent.kind == "module":
            owner, method = outer.name, scope.name
        elif outer.kind == "module":
            owner, method = scope.name, None
        else:
            return None
        params = list(func.params.posonly_params) + list(func.params.params)
        static = any(type(d.decorator) is cst.Name and d.decorator.value == "staticmethod" for d in func.decorators)
        first = params[0].name.value if params and method and not static else ""
        defaults = [p.name.value for p in params + list(func.params.kwonly_params)
                    if type(p.default) in (cst.SimpleString, cst.Integer, cst.Float, cst.Name)
                    and (not type(p.default) is cst.Name or p.default.value in ("None", "True", "False"))]
        return {"o": owner, "m": method, "f": first if first in ("self", "cls") else "", "d": defaults}


    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        """Report a load of another module's function result unless that function is known to
        return data the application wrote itself for the arguments passed here."""
        all_facts = list(index.facts(cls.code))
        funcs = ProjectChains([(p, f) for p, f in all_facts if f.get("w")])
        callers = pc.CallerIndex(all_facts)
        for path, fact in all_facts:
            mod, pkg = fact.get("mod") or "", bool(fact.get("pkg"))
            for pos, message, calls, *rest in fact.get("sites", ()):
                target = rest[0] if rest else None
                fill = _Filler(callers, mod, target)
                if not all(_resolves(funcs, ref, mod, pkg, [fill(s) for s in positional],
                                     {k: fill(s) for k, s in keywords.items()}, star)
                           for ref, positional, keywords, star in calls):
                    yield ProjectReport(path, pos[0], pos[1], pos[2], pos[3], message)


# (each is one scan of the file's text; ``ickle`` finds pickle, cPickle, jsonpickle, read_pickle)
_WALK_MARKERS = ("ickle", "marshal", "shelve", "yaml", "dill", "numpy", "torch", "joblib",
                 # for the project pass also the response builders that helpers whose results
                 # other modules load return when an entry is missing
                 "Response(")
# session reads, and the callers that pass the session on (`runner.run(sql, session)`); looked
# for only in a text that has the word
_SESSION_MARKERS = ("session[", "session.get(", "session)", "session,")


def _placeholder(safety) -> bool:
    return isinstance(safety, list)


class _Filler:
    """Turns a parameter placeholder of a site into True when every caller of the enclosing
    function, in any module, passes safe values for those parameters (``project_callers``)."""

    def __init__(self, callers: pc.CallerIndex, mod: str, target: Optional[Dict[str, Any]]) -> None:
        self.callers, self.mod, self.target = callers, mod, target
        self._verdict: Optional[List] = None

    def __call__(self, safety):
        if not _placeholder(safety):
            return safety is True
        target = self.target
        if target is None:
            return False
        if self._verdict is None:
            owner = f"{self.mod}.{target['o']}" if self.mod else target["o"]
            method = target.get("m")
            hidden = self.callers.hidden(owner, method)
            found = [] if hidden else self.callers.callers(target["o"] + ("." + method if method else ""))
            self._verdict = [hidden, found + [("i", p, k, s) for p, k, s in target.get("l", ())]]
        hidden, found = self._verdict
        return not hidden and all(
            pc.parameter_safe(found, name, position, target.get("f", ""), name in target.get("d", ()))
            for name, position in safety[1])


def _resolves(funcs: ProjectChains, ref: str, mod: str, pkg: bool, positional, keywords, star,
              depth: int = 1) -> bool:
    """``ref`` called from module ``mod`` returns the application's own data for these
    arguments (the functions it hands results of on are followed up to 3 levels)."""
    full = funcs.full_name(ref, mod, pkg)
    entry = funcs.funcs.get(full) if full is not None else None
    if entry is None or depth > 3:
        return False
    inner_mod, inner_pkg = funcs.module_of[full]

    def callee(inner_ref: str):
        inner_full = funcs.full_name(inner_ref, inner_mod, inner_pkg)
        found = funcs.funcs.get(inner_full) if inner_full is not None else None
        if found is None or not _resolves(funcs, inner_ref, inner_mod, inner_pkg, (), {}, False, depth + 1):
            return None
        return found

    return own.resolves(entry, positional, keywords, star, callee)
