"""Which functions reach an effect (a blocking call, a new client, an email) through calls.

The resilience rules BL402, BL404 and BL405 ask the same question: does this root (an async
function, an HTTP handler) do the effect itself, or call a project function that does, possibly
in another module? The per-file half (:class:`Collector`) records, while the shared walk runs,
each module-level function and method (``f``, ``Class.method``): its own effects and the project
functions it calls. The project half (:func:`resolve`) joins every file's facts.

Chains are followed through at most :data:`MAX_HOPS` project functions
(``handler -> a() -> b() -> c() -> requests.post``). A callee counts only when its name resolves:
a module-level function of the same file, ``self.method()`` of the same class, or an imported
project function (absolute or relative import). Calls on instances of unknown type are not
followed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .orm import absolute, is_library

MAX_HOPS = 3


@dataclass
class Frame:
    """What one function does, as seen in the walk."""

    name: Optional[str]  # "f" or "Class.method" for indexed functions, None for nested ones
    is_async: bool
    node: Any
    is_root: bool = False
    root_label: str = ""
    effects: List[Tuple[str, Any, Any]] = field(default_factory=list)  # (display, node, statement)
    calls: List[Tuple[str, Any, bool, Any]] = field(default_factory=list)  # (ref, call, awaited, statement)


def display_of(full: str) -> str:
    """``shop.services.charge`` -> ``services.charge()``; ``views.Cart.post`` -> ``Cart.post()``."""
    parts = full.split(".")
    return ".".join(parts[-2:]) + "()" if len(parts) > 1 else full + "()"


class LocalIndex:
    """The functions of one file, for chains that stay inside it."""

    def __init__(self, frames: Dict[str, Frame]) -> None:
        self.frames = frames

    def chain(self, name: str, follow, depth: int = 1, seen: Optional[Set[str]] = None) -> Optional[List[str]]:
        """Displays from ``name()`` to the effect, or None. ``follow(frame, awaited)`` says
        whether a call into that frame carries its effects to the caller."""
        frame = self.frames.get(name)
        if frame is None or depth > MAX_HOPS:
            return None
        seen = seen or set()
        if name in seen:
            return None
        seen = seen | {name}
        label = name + "()"
        if frame.effects:
            return [label, frame.effects[0][0]]
        for ref, _node, awaited, _stmt in frame.calls:
            if not ref.startswith("local:"):
                continue
            callee = self.frames.get(ref[6:])
            if callee is None or not follow(callee.is_async, awaited):
                continue
            rest = self.chain(ref[6:], follow, depth + 1, seen)
            if rest:
                return [label] + rest
        return None


def facts_for(frames: Dict[str, Frame], sites: Sequence[Tuple[str, str, bool, Tuple[int, int, int, int]]],
              module: str, is_package: bool, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Plain data for the project pass: every indexed function and the roots' unresolved calls.

    ``sites``: (root label, ref, awaited, position) of calls in roots whose chain the file alone
    could not finish.
    """
    funcs: Dict[str, Any] = {}
    for name, frame in frames.items():
        calls = sorted({(ref, awaited) for ref, _n, awaited, _s in frame.calls})
        if not frame.effects and not calls:
            continue
        entry: Dict[str, Any] = {"a": frame.is_async}
        if frame.effects:
            entry["e"] = frame.effects[0][0]
        if calls:
            entry["c"] = [[ref, aw] for ref, aw in calls]
        funcs[name] = entry
    out = {"mod": module, "pkg": is_package, "funcs": funcs,
           "sites": [[label, ref, aw, list(pos)] for label, ref, aw, pos in sites]}
    if extra:
        out["x"] = extra
    return out


class ProjectChains:
    """Every file's functions by full dotted name (``module.func``, ``module.Class.method``)."""

    def __init__(self, facts: Iterable[Tuple[str, Dict[str, Any]]]) -> None:
        self.funcs: Dict[str, Dict[str, Any]] = {}
        self.module_of: Dict[str, Tuple[str, bool]] = {}
        self.by_last: Dict[str, List[str]] = {}
        for _path, fact in facts:
            mod = fact.get("mod") or ""
            for name, entry in fact.get("funcs", {}).items():
                full = f"{mod}.{name}" if mod else name
                self.funcs[full] = entry
                self.module_of[full] = (mod, bool(fact.get("pkg")))
                self.by_last.setdefault(name.rsplit(".", 1)[-1], []).append(full)

    def full_name(self, ref: str, mod: str, is_package: bool) -> Optional[str]:
        if ref.startswith("local:"):
            full = f"{mod}.{ref[6:]}" if mod else ref[6:]
            return full if full in self.funcs else None
        target = absolute(ref, mod, is_package) or ref
        if target in self.funcs:
            return target
        # the module names come from paths: `src/shop/services.py` is `src.shop.services`, while
        # the code imports `shop.services`; a unique suffix match settles it
        candidates = [f for f in self.by_last.get(target.rsplit(".", 1)[-1], ()) if f.endswith("." + target)]
        return candidates[0] if len(candidates) == 1 else None

    def chain(self, full: str, follow, depth: int = 1, seen: Optional[Set[str]] = None) -> Optional[List[str]]:
        entry = self.funcs.get(full)
        if entry is None or depth > MAX_HOPS:
            return None
        seen = seen or set()
        if full in seen:
            return None
        seen = seen | {full}
        label = display_of(full)
        if entry.get("e"):
            return [label, entry["e"]]
        mod, pkg = self.module_of[full]
        for ref, awaited in entry.get("c", ()):
            callee = self.full_name(ref, mod, pkg)
            if callee is None or not follow(self.funcs[callee].get("a", False), awaited):
                continue
            rest = self.chain(callee, follow, depth + 1, seen)
            if rest:
                return [label] + rest
        return None


def project_ref(qualified: Optional[str]) -> Optional[str]:
    """A callee's qualified name if it may be a project function (not stdlib, not a framework,
    not a method of an object built by a call)."""
    if not qualified or "()" in qualified or is_library(qualified):
        return None
    return qualified


def arrow(parts: Sequence[str]) -> str:
    return " → ".join(f"`{p}`" for p in parts)
