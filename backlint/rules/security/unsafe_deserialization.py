"""BL310: data is deserialized with a format that can run code while loading it."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import origin_own as own
from ...frameworks import origin_sinks as sinks
from ...frameworks import roles
from ...frameworks import sql_callers
from ...frameworks.call_chains import ProjectChains
from ...frameworks.orm import module_name
from ...frameworks.origin_values import first_flow
from ...project import ProjectReport
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
    another module of the project that hands back (part of) its arguments when this call passes
    the session or such data (decided in the project pass); and files whose path is fixed by the code or the settings:
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
    The origin of data is followed within one file, plus one call of a helper of another
    module (in the project pass). A parameter filled by a caller in another module stays of
    unknown origin and gets the warning, also when every caller passes the session (pgadmin's
    query runner). Measured on 23 real applications (docs/precision/sec5.md, judged again in
    docs/precision/sec6.md): 7 findings, 6 true (pickles read back from database rows or
    handed-in bundles),
    below the 0.90 a default rule must reach on too few findings to say more, so BL310 is
    **off by default**: enable it with `extend-select = ["BL310"]` and review its warnings;
    its errors (request, upload, cache, queue or network data) are the definite cases.

    ## References
    - OWASP Deserialization Cheat Sheet
    - Python docs, pickle: "Warning: The pickle module is not secure"
    - CWE-502: Deserialization of Untrusted Data
    """

    code = "BL310"
    name = "unsafe-deserialization"
    category = "unsafe-deserialization"
    severity = Severity.WARNING
    precision = "medium"  # measured 6/7 on 23 real applications: docs/precision/sec5.md
    # off by default until its real-code precision reaches 0.90 (6 of 7 findings were right)
    default_enabled = False
    tags = ("security", "external/cwe/cwe-502")
    security_severity = "8.1"
    # the sinks' modules; for the project pass also the helpers whose results other modules
    # load: session reads, and the response builders such helpers return when an entry is missing
    text_markers = ("pickle", "marshal", "shelve", "yaml", "dill", "read_pickle", "numpy", "torch", "joblib",
                    "session[", "session.get(", "Response(")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.MIGRATION}

    sink_names = frozenset(q.rsplit(".", 1)[-1] for q in sinks.DESERIALIZERS)

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._defined = sql_callers.defined_functions(node) if self.active else set()
        self._calls: Dict[str, List[sql_callers.CallSite]] = {}
        self._deferred: List[tuple] = []  # (sink, build, nodes, [(ref, call safeties)], statement)

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        if self._defined:
            # what this file passes to its own functions (`_load(payload)`, `partial(_load, payload)`)
            key = sql_callers.call_key(node, self._defined)
            if key is not None:
                sql_callers.record_call(node, key, self.values, self._calls)
            else:
                sql_callers.record_partial(node, self._defined, self.values, self._calls, self.ctx)

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
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
            calls = [(f.function, own.argument_safety(f.node, self.values.ev)) for f in value.flows if f.kind == "call"]
            params = [f for f in value.flows if f.kind == "parameter"]
            self._deferred.append((node, build_unknown, nodes, params, calls, self.ctx.enclosing_statement()))
            return
        self.flow(node, build_unknown, nodes)

    # -- what the file alone cannot decide -----------------------------------------------------
    def leave_Module(self, node: cst.Module) -> None:
        self._sites: List[tuple] = []
        for sink, build, nodes, params, calls, statement in self._deferred:
            if any(not sql_callers.safe_from_every_caller(p, self._calls) for p in params):
                self._pending.append((sink, build, nodes, None, statement))
            elif calls:
                self._sites.append((sink, build, nodes, calls))
            # else: every caller in this file passes data the application wrote itself
        self._deferred = []
        super().leave_Module(node)

    def facts(self) -> Optional[Dict[str, Any]]:
        sites = getattr(self, "_sites", [])
        exports = self.values.exports if self.active else {}
        if not sites and not exports:
            return None
        out_sites = []
        if sites:
            sinks = [sink for sink, _, _, _ in sites if sink is not None]
            others = [n for _, _, nodes, _ in sites for n in nodes if n is not None]  # named by line only
            positions = self.ctx.locate(sinks, (), others)
            lines = {key: pos[0] for key, pos in positions.items()}
            for sink, build, _, calls in sites:
                if id(sink) in positions:
                    out_sites.append([list(positions[id(sink)]), build(lines),
                                      [[ref, list(p), k, star] for ref, (p, k, star) in calls]])
        path = self.ctx.path
        return {"mod": module_name(path), "pkg": os.path.basename(path) == "__init__.py",
                "funcs": exports, "sites": out_sites}

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        """Report a load of another module's function result unless that function is known to
        return data the application wrote itself for the arguments passed here."""
        all_facts = list(index.facts(cls.code))
        funcs = ProjectChains(all_facts)
        for path, fact in all_facts:
            mod, pkg = fact.get("mod") or "", bool(fact.get("pkg"))
            for pos, message, calls in fact.get("sites", ()):
                if not all(_resolves(funcs, ref, mod, pkg, positional, keywords, star)
                           for ref, positional, keywords, star in calls):
                    yield ProjectReport(path, pos[0], pos[1], pos[2], pos[3], message)


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
