"""BL310: data is deserialized with a format that can run code while loading it."""
from __future__ import annotations

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import origin_sinks as sinks
from ...frameworks import roles
from ...frameworks.origin_values import first_flow
from ._origin_walk import OriginRule

_UNTRUSTED = ("request", "upload", "external")


class UnsafeDeserialization(OriginRule):
    """Data is loaded with pickle, marshal, an unsafe YAML loader or another code-running format.

    ## What it does
    Finds `pickle`/`cPickle`/`dill`/`cloudpickle`/`marshal` `load`/`loads`, `shelve.open`,
    `jsonpickle.decode`, `yaml.load` without a safe loader, `yaml.unsafe_load`,
    `pandas.read_pickle`, `numpy.load(allow_pickle=True)`, `torch.load` without
    `weights_only=True` and `joblib.load`. An **error** when the data is request input, an
    upload, or read from a cache, redis, a queue or a network response; a **warning** when its
    origin is not known in the file (a parameter, the result of another function).

    Not reported: `yaml.safe_load`, `Loader=SafeLoader/CSafeLoader/BaseLoader/FullLoader`,
    `json`, msgpack, `pickle.dumps`; data the application wrote itself: the Flask or Django
    session (signed or kept server-side), decrypted or unsigned data (`fernet.decrypt(...)`,
    `signer.unsign(...)`), bytes it pickled in the same class or function; and files whose path is fixed by the code or the settings:
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
    The origin of data is followed within one file: an object read back from the session by a
    helper in another module, or the result of the application's own worker future, is of
    unknown origin and gets the warning. Measured on 13 real applications
    (docs/precision/sec3.md): 11 findings, 6 true (pickles read back from database rows or
    handed-in bundles), precision 0.55, below the 0.90 a default rule must reach, so BL310 is
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
    precision = "medium"  # measured 0.55 on 13 real applications: docs/precision/sec3.md
    # off by default until its real-code precision reaches 0.90 (6 of 11 findings were right)
    default_enabled = False
    tags = ("security", "external/cwe/cwe-502")
    security_severity = "8.1"
    text_markers = ("pickle", "marshal", "shelve", "yaml", "dill", "read_pickle", "numpy", "torch", "joblib")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.MIGRATION}

    sink_names = frozenset(q.rsplit(".", 1)[-1] for q in sinks.DESERIALIZERS)

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        found = sinks.deserializer(node, self.ctx.qualified_name(func), self.ctx)
        if found is None:
            return
        data, sink = found
        value = self.values.ev(data)
        if value.safe:
            return  # a constant, a setting or a path inside the package
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

        def build_unknown(lines, origin=origin, what=what, sink=sink, node=node):
            src = self.source(origin, lines) if origin is not None else f"`{what}`"
            if origin is not None and origin.name != what:
                src = f"`{what}` from {src}"
            return (f"`{sink}`{self.at(node, lines)} loads {src}, whose origin this file does not show; "
                    "if anyone else can write that data, loading it runs their code. Load only data this "
                    "application wrote and signed, or use a data-only format (`json`, `yaml.safe_load`).")
        self.flow(node, build_unknown, [origin.node if origin is not None else None])
