"""Every caller of a function or method, across the project, and whether all of them are seen.

BL310 silences a load whose data comes from a parameter only when every caller fills that
parameter with the application's own data (``pgadmin``'s query runner, handed the Flask
session by its one caller in another module). "Every caller" is only worth something when no
caller can hide, so each file hands the project pass two things:

* its **handles**: the names through which it can reach project code, that is every import of
  a module or name that is not a library's (found in the text, also inside functions) and, in
  the defining module, its top-level classes and functions; where the rule walks, for each, how
  often it is used outside import statements and definitions, and the dotted chains it is used
  with (``start_running_query.StartRunningQuery``); elsewhere the imports only (``idle_facts``):
  such a file hides whatever its imports can lead to, also through a module that re-exports
  it (``CallerIndex._exporters``);
* in files where the rule walks (``calls``), each call rooted at a handle, in one of the shapes
  a caller can be read from: ``f(...)``, ``mod.f(...)``, ``Cls.m(...)``, ``Cls(...).m(...)``,
  with which of its arguments the value-origin tracker shows safe.

In the project pass (:class:`CallerIndex`) a target's callers are the recorded calls whose name
resolves to it; the target is *hidden* (no verdict) when any file can reach its class or
function in a way no recorded call accounts for: a file where the rule does not walk imports it,
or a file uses it other than in such a call (an instance kept in a variable, a subclass, a
decorator, an ``isinstance``, a re-export by an unused import, ``import *``). What stays unseen:
calls through ``getattr`` or strings, and code outside the checked tree; the rule's docs say so.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .._lazy import cst

from .orm import absolute, is_library
from .origin_own import argument_safety

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*(?:\\\n[^\n#;]*)*)"
    r"|import[ \t]+([^\n#;]*(?:\\\n[^\n#;]*)*))",
    re.M,
)
_ALIAS = re.compile(r"^([\w.]+|\*)(?:\s+as\s+(\w+))?$")
_WORD = re.compile(r"[A-Za-z_]\w*")
_CHAIN = re.compile(r"(?:\s*\.\s*\w+)*")
_DEPTH = 4  # segments kept of a chain after its handle


def _import_statements(text: str) -> Iterator["re.Match[str]"]:
    """``_IMPORT.finditer(text)``, tried only at the start of lines that have the word ``import``
    (every match has it on its first line): the regex tried at every position of the text was
    most of the cost of a file's facts."""
    end = 0
    last = -1
    at = text.find("import")
    while at >= 0:
        if at >= end:
            start = text.rfind("\n", 0, at) + 1
            if start != last and start >= end:
                last = start
                match = _IMPORT.match(text, start)
                if match is not None:
                    end = match.end()
                    yield match
        at = text.find("import", at + 6)


def import_handles(text: str, mod: str, pkg: bool, blank: bool = True) -> Tuple[List[Tuple[str, str, str]], str]:
    """(local name, what it imports, what the local name is bound to) of every project import
    in ``text`` (absolute names; ``import a.b`` imports ``a.b`` and binds ``a``), and the text with
    the import statements blanked out (what is left are the uses; ``""`` unless ``blank``)."""
    handles: List[Tuple[str, str, str]] = []
    pieces: List[str] = []
    last = 0
    for match in _import_statements(text):
        source, names, plain = match.group(1), match.group(2), match.group(3)
        body = (names if source is not None else plain) or ""
        for item in body.replace("\\\n", " ").strip("() \t\n").split(","):
            alias = _ALIAS.match(" ".join(item.split()))
            if alias is None:
                continue
            name, local = alias.group(1), alias.group(2)
            if source is not None and name == "*":
                qual, local = source, "*"
            elif source is not None:
                qual = source + name if source.endswith(".") else f"{source}.{name}"
                local = local or name
            else:
                qual = name
            base = qual if local else name.split(".", 1)[0]  # `import a.b.c` binds `a`
            local = local or base
            qual = absolute(qual, mod, pkg) or qual
            base = absolute(base, mod, pkg) or base
            if qual and not is_library(qual):
                handles.append((local, qual, base))
        if blank:
            pieces.append(text[last:match.start()])
            pieces.append(" " * (match.end() - match.start()))
            last = match.end()
    if not blank:
        return handles, ""
    pieces.append(text[last:])
    return handles, "".join(pieces)


def words(blanked: str) -> List[str]:
    """The identifiers of a file that has an ``import *`` (what it may use of it), else nothing."""
    return sorted(set(_WORD.findall(blanked)))


def top_level_defs(module: cst.Module) -> List[str]:
    return [s.name.value for s in module.body if type(s) in (cst.ClassDef, cst.FunctionDef)]


def uses(text: str, names: Iterable[str], defined: Sequence[str] = ()) -> Dict[str, List[Any]]:
    """name -> [number of uses, unique chains after it] (``""`` for the bare name); the
    ``class X``/``def X`` of a defined name is not a use. (``str.find`` per name: one regex
    alternation of every name scanned each file's text several times slower.)"""
    out: Dict[str, List[Any]] = {}
    for name in names:
        if name == "*" or name in out:
            continue
        count, chains = 0, []
        size = len(name)
        at = text.find(name)
        while at >= 0:
            end = at + size
            before = text[at - 1] if at else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before in "_.") and not (after.isalnum() or after == "_"):
                count += 1
                tail = _CHAIN.match(text, end)
                chain = "".join(tail.group(0).split()) if tail is not None else ""
                chain = ".".join(chain.split(".")[: _DEPTH + 1])
                if chain not in chains:
                    chains.append(chain)
            at = text.find(name, end)
        out[name] = [count, chains]
    for name in defined:
        if name in out:
            out[name][0] -= 1  # its definition
    return out


def handle_facts(handles: Sequence[Tuple[str, str, str]], blanked: str, defs: Sequence[str],
                 mod: str) -> List[List[Any]]:
    """The ``h`` facts: [local, qualified name, uses, the full chains it is used with] per handle."""
    bases = [(local, qual, base) for local, qual, base in handles]
    bases += [(name, f"{mod}.{name}" if mod else name, f"{mod}.{name}" if mod else name) for name in defs]
    counted = uses(blanked, [local for local, _, _ in bases], defs)
    out: List[List[Any]] = []
    for local, qual, base in bases:
        if local == "*":
            out.append([local, qual, 0, []])
            continue
        count, chains = counted.get(local, (0, []))
        out.append([local, qual, count, [base + c for c in chains]])
    return out


def idle_facts(handles: Sequence[Tuple[str, str, str]]) -> List[List[Any]]:
    """The ``h`` facts of a file the rule does not walk: its uses are not counted (-1), since
    any import there that can lead to a function hides it (``CallerIndex.hidden``); what it
    binds stands for the chains."""
    return [[local, qual, -1, [] if local == "*" else [base]] for local, qual, base in handles]


# -- calls, recorded while the rule walks ---------------------------------------------------------
def _chain(node: cst.BaseExpression) -> Optional[List[str]]:
    parts: List[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if not type(node) is cst.Name:
        return None
    parts.append(node.value)
    return parts[::-1]


class CallRecorder:
    """The calls of one file that are rooted at a handle, with their arguments' safety."""

    def __init__(self, handles: Dict[str, str]) -> None:
        self.handles = handles  # local name -> what it is bound to
        self.calls: List[List[Any]] = []
        self._consumed: Set[int] = set()

    def visit(self, node: cst.Call, ev) -> None:
        if id(node) in self._consumed:
            return  # `Cls(...)` of `Cls(...).m(...)`: recorded with the method call
        func = node.func
        shape = "d"
        if type(func) is cst.Attribute and type(func.value) is cst.Call:
            parts = _chain(func.value.func)
            if parts is None or parts[0] not in self.handles:
                return
            self._consumed.add(id(func.value))
            parts = parts + [func.attr.value]
            shape = "i"
        else:
            parts = _chain(func)
            if parts is None or parts[0] not in self.handles:
                return
        ref = ".".join([self.handles[parts[0]]] + parts[1:])
        positional, keywords, star = argument_safety(node, ev)
        self.calls.append([parts[0], ref, shape, positional, keywords, star])


# -- the project pass ------------------------------------------------------------------------------
def _segments_related(chain: List[str], owner: List[str]) -> bool:
    """``chain`` names the owner (its class or function name is one of its segments), or is a
    module or package the owner can be reached through (a run of the owner's segments)."""
    return owner[-1] in chain or _is_run(chain, owner)


def _is_run(chain: List[str], segs: List[str]) -> bool:
    """``chain`` is a run of consecutive ``segs`` (``shop.views`` in ``src.shop.views.Cart``)."""
    n = len(chain)
    return any(segs[i:i + n] == chain for i in range(len(segs) - n + 1))


def _reaches(qual: str, chains: Sequence[str], owner: List[str], exporters: Sequence[List[str]]) -> bool:
    """An import of ``qual``, used with ``chains``, can lead to ``owner``: one of them names it
    or a module it is in, or ``qual`` is one of the ``exporters`` (or a package holding one)."""
    if any(_segments_related(c.split("."), owner) for c in [qual, *chains]):
        return True
    if exporters:
        q = qual.split(".")
        return any(_is_run(q, e) for e in exporters)
    return False


def _matches(ref: str, tail: str) -> bool:
    """``ref`` names the function whose last segments are ``tail`` (``Cls.m`` or ``f``): by
    name only, since a module's name comes from its path (``src.shop.views``) while code
    imports ``shop.views``, or the names a package re-exports (``shop.Cart``). Same-named
    functions elsewhere count as callers too, which only asks more of the verdict."""
    return ref == tail or ref.endswith("." + tail)


class CallerIndex:
    """Every file's handles and recorded calls (the BL310 facts ``h``, ``c``, ``w``)."""

    def __init__(self, facts: Iterable[Tuple[str, Dict[str, Any]]]) -> None:
        self.files = [(fact.get("h") or [], fact.get("c") or [], bool(fact.get("w")), frozenset(fact.get("s") or ()),
                       fact.get("mod") or "") for _path, fact in facts]

    def _exporters(self, segs: List[str]) -> List[List[str]]:
        """The modules (as segments) that import the owner or a module that does: through them
        a file can reach it without naming it (``from shop import api`` ... ``api.Cart``)."""
        found: List[List[str]] = []
        seen: Set[str] = set()
        grew = True
        while grew:
            grew = False
            for handles, _calls, _walked, _words, mod in self.files:
                if not mod or mod in seen:
                    continue
                if any(local != "*" and _reaches(qual, chains, segs, found) for local, qual, _n, chains in handles):
                    seen.add(mod)
                    found.append(mod.split("."))
                    grew = True
        return found

    def hidden(self, owner: str, method: Optional[str]) -> bool:
        """Some file reaches ``owner`` (``mod.Cls`` or ``mod.f``) in a way no recorded call accounts for."""
        segs = owner.split(".")
        name = segs[-1]
        exporters: Optional[List[List[str]]] = None
        for handles, calls, walked, words, _mod in self.files:
            per_local: Dict[str, int] = {}
            for local, ref, shape, *_ in calls:
                per_local[local] = per_local.get(local, 0) + 1
                if method is not None and shape == "d" and _matches(ref, name):
                    return True  # `Cls(...)` kept or passed on: its methods are called out of sight
            for local, qual, count, chains in handles:
                if local == "*":
                    # `from pkg.mod import *`: the file holds (and re-exports) the owner unnamed;
                    # a use of it there is no recorded call; re-exports are met by their name
                    if _segments_related(qual.split("."), segs) and name in words:
                        return True
                    continue
                if walked:
                    if count > per_local.get(local, 0) and _reaches(qual, chains, segs, ()):
                        return True
                    continue
                # a file the rule does not walk: its uses are not counted, so any import that
                # can lead to the owner hides it, also one of a module that re-exports it
                if exporters is None:
                    exporters = self._exporters(segs)
                if _reaches(qual, chains, segs, exporters):
                    return True
        return False

    def callers(self, tail: str) -> List[Tuple[str, List[bool], Dict[str, bool], bool]]:
        """The recorded calls of the function whose name ends with ``tail`` (``Cls.m``, ``f``)."""
        return [(shape, positional, keywords, star)
                for _h, calls, _w, _s, _m in self.files
                for _local, ref, shape, positional, keywords, star in calls if _matches(ref, tail)]


def parameter_safe(callers: Sequence[Tuple[str, Sequence[bool], Dict[str, bool], bool]], name: str,
                   position: int, first: str, has_default: bool) -> bool:
    """True when there is a caller and every caller passes a safe value for the parameter
    ``name`` at ``position`` (``self``/``cls`` counted) of a function whose first parameter is
    ``first``. Shapes: ``i`` through an instance or ``self`` (no ``self`` passed), ``d`` through
    the class or the module (``self`` passed explicitly, ``cls`` not)."""
    if not callers:
        return False
    for shape, positional, keywords, star in callers:
        if name in keywords:
            if keywords[name] is not True:
                return False
            continue
        offset = 1 if first == "cls" or (first == "self" and shape == "i") else 0
        index = position - offset
        if 0 <= index < len(positional):
            if positional[index] is not True:
                return False
        elif star or not has_default:
            return False
    return True
