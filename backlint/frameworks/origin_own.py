"""Data the application wrote itself, and values whose origin is another project function.

Part of the value-origin model (``origin_values``). "Own" data crosses no trust boundary: the
Flask/Django session (signed or kept server-side), data that was decrypted or whose signature
was checked, bytes the same code pickled, and the result of a ``concurrent.futures``/``asyncio``
future (what the application's own worker returned).

A value that comes from a call of a *project* function the file cannot see (imported from
another module of the project) carries a ``call`` flow: it is unknown in the file, but the
project pass can look the callee up in the facts of its own module (``export``) and decide
there, with the safety of the arguments this call passes (``resolves``). A value whose only
reason to be unsafe is its flows (parameters and such calls) has the note ``FLOWS``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._lazy import cst

from ..semantics import dotted_name
from .call_chains import project_ref
from .value_guards import terminates
from .value_kinds import Origin, Val

SIGNED = Val(safe=True, note="signed")  # written (and signed or kept) by the application itself
WORKER = Val(safe=True, note="worker")  # returned by the application's own worker (a future)
RESPONSE = Val(safe=True, note="response")  # an HTTP response object built by the code
FLOWS = "flows"  # note of an unsafe value that is unsafe only because of its flows
FUTURE = "#future"  # `obj` of a value that is a concurrent.futures/asyncio future

PICKLERS = ("pickle", "cloudpickle", "dill", "marshal", "_pickle", "cPickle")
AUTHENTICATING_METHODS = frozenset({"decrypt", "unsign", "verify", "unsign_timestamp"})
_DIGEST_CHECKS = frozenset({"hmac.compare_digest", "secrets.compare_digest"})
_FUTURE_QUALS = frozenset({"concurrent.futures.Future", "asyncio.Future", "concurrent.futures._base.Future"})


def pickled_here(written: str) -> bool:
    """``pickle.dumps(...)`` and friends: bytes this code just pickled itself."""
    module, _, last = written.rpartition(".")
    return last in ("dumps", "dump") and module.split(".", 1)[0] in PICKLERS


def rejects_bad_signature(node: cst.If, ctx) -> bool:
    """``if not hmac.compare_digest(tag, expected): return`` (or raise): past it, the function
    handles data whose signature it checked."""
    test = node.test
    if not (type(test) is cst.UnaryOperation and type(test.operator) is cst.Not
            and type(test.expression) is cst.Call):
        return False
    return (ctx.qualified_name(test.expression.func) or "") in _DIGEST_CHECKS and terminates(node.body)


def setting_read(node: cst.Attribute, ctx) -> bool:
    """``settings.X``, ``django.conf.settings.X``, ``current_app.config...``, and a settings
    object reached through attributes (``self.settings_service.settings.sqlite_pragmas``): the
    deployment's own values, the same for SQL, the shell and deserialization."""
    qual = ctx.qualified_name(node) or ""
    if qual.startswith(("django.conf.settings.", "flask.current_app.config")):
        return True
    base = node.value
    if type(base) is cst.Name:
        return base.value == "settings"
    return type(base) is cst.Attribute and base.attr.value == "settings"


def future_annotation(ann: cst.BaseExpression, ctx) -> bool:
    """``concurrent.futures.Future[bytes]``, ``Future`` imported from there, ``asyncio.Future``."""
    if type(ann) is cst.Subscript:
        ann = ann.value
    qual = ctx.qualified_name(ann) or dotted_name(ann) or ""
    return qual in _FUTURE_QUALS


def call_flow(node: cst.Call, qual: Optional[str]) -> Optional[Val]:
    """The value of a call of an imported project function, or None for any other call.

    A call flow is never named in a message (the project pass resolves it to what the function
    returns), so its name is spelled from the reference and the call itself tells two flows
    apart (``call``): generating the call's code here was the origin rules' largest cost."""
    if not qual or qual.startswith("builtins."):
        return None
    ref = project_ref(qual)
    if ref is None or "." not in ref.lstrip("."):
        return None
    return Val(flows=(Origin("call", ref + "()", node, ref, call=id(node)),), note=FLOWS)


def local_definitions(module: cst.Module) -> frozenset:
    """``f`` and ``Cls.m`` for the module's top-level functions and its top-level classes' methods."""
    names = set()
    for stmt in module.body:
        if type(stmt) is cst.FunctionDef:
            names.add(stmt.name.value)
        elif type(stmt) is cst.ClassDef and type(stmt.body) is cst.IndentedBlock:
            names.update(f"{stmt.name.value}.{inner.name.value}" for inner in stmt.body.body
                         if type(inner) is cst.FunctionDef)
    return frozenset(names)


def later_call(node: cst.Call, tracker) -> Optional[Val]:
    """A call of a function or method of this module that has no summary yet (it is defined
    further down: ``Cls.helper(...)``, ``self.helper(...)``, ``helper(...)``): a ``call`` flow to
    ``local:Cls.helper``, which the project pass resolves with this module's own facts.
    ``tracker``: the ``OriginValues`` walking the module (its scopes and ``local_defs``)."""
    func = node.func
    if type(func) is cst.Name:
        root = key = func.value
    elif type(func) is cst.Attribute and type(func.value) is cst.Name:
        root = func.value.value
        if root in ("self", "cls"):
            outer = tracker.class_scope()
            if outer is None or outer.parent is None or outer.parent.kind != "module":
                return None
            key = f"{outer.name}.{func.attr.value}"
        else:
            key = f"{root}.{func.attr.value}"
    else:
        return None
    if key not in tracker.local_defs:
        return None
    scope = tracker.scope
    while root not in ("self", "cls") and scope is not None and scope.kind != "module":
        if scope.get(root) is not None:
            return None  # a local name, not the module's function or class
        scope = scope.parent
    # the flow's name is spelled from the names (generating the call's code per call costs)
    return Val(flows=(Origin("call", f"{key}()", node, "local:" + key),), note=FLOWS)


def pure(value: Val) -> bool:
    """Unsafe only because of parameters and project calls (which later passes may resolve)."""
    return (not value.safe and value.note == FLOWS and bool(value.flows)
            and all(f.kind in ("parameter", "call") for f in value.flows))


# -- facts: what a function of this module returns, for the project pass ----------------------
def export(summary: Val, params: Dict[object, str]) -> Optional[Dict[str, Any]]:
    """The facts entry of a function whose result is safe when the arguments at ``params`` are
    (none: always), or None when its result is not known to be safe."""
    calls = [f.function for f in summary.flows if f.kind == "call"]
    if not (summary.safe or pure(summary)) or len(calls) != len(summary.flows):
        return None
    pairs = [[key, name] for key, name in params.items() if key != "#method"]
    entry: Dict[str, Any] = {"p": pairs, "m": bool(params.get("#method"))}
    if calls:
        entry["c"] = calls  # other project functions whose results it hands back too
    return entry


def argument_safety(call: cst.Call, ev, unsafe=None) -> Tuple[List[Any], Dict[str, Any], bool]:
    """(positional safeties, keyword safeties, star arguments?) of ``call``, by ``ev``; an
    argument that is not safe gets ``unsafe(value)`` when given (a placeholder), else False."""
    positional: List[Any] = []
    keywords: Dict[str, Any] = {}
    star = False
    for arg in call.args:
        if arg.star:
            star = True
            continue
        value = ev(arg.value)
        safe: Any = value.safe
        if not safe and unsafe is not None:
            safe = unsafe(value)
        if arg.keyword is not None:
            keywords[arg.keyword.value] = safe
        else:
            positional.append(safe)
    return positional, keywords, star


def resolves(entry: Optional[Dict[str, Any]], positional: Sequence[bool], keywords: Dict[str, bool],
             star: bool, callee=None) -> bool:
    """True when the exported function ``entry`` returns safe data for these arguments (a
    method's positions count ``self``, which a call through an instance or the class of a
    class method does not pass). ``callee(ref)``: the entry of a function it calls in turn
    (``entry["c"]``), which must return safe data whatever it is passed."""
    if entry is None:
        return False
    for ref in entry.get("c", ()):
        inner = callee(ref) if callee is not None else None
        if inner is None or inner.get("p") or not resolves(inner, (), {}, False, callee):
            return False
    pairs = entry.get("p", ())
    if star and pairs:
        return False
    offset = 1 if entry.get("m") else 0
    for key, name in pairs:
        if name in keywords:
            if not keywords[name]:
                return False
            continue
        index = key - offset if isinstance(key, int) else -1
        if not (0 <= index < len(positional)) or not positional[index]:
            return False
    return True
