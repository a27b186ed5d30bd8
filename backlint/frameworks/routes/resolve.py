"""Joining per-file route facts into the project's route table (``backlint routes``).

Prefixes from ``include_router``, ``register_blueprint``, ``include()``, ``Mount``,
``add_subapp``, Litestar routers and DRF routers are applied along the mount chain; string
constants are folded across files; what cannot be resolved is shown as ``{?}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from .common import (
    _ALL_ACTIONS, ANY, METHOD_ORDER, ROOT_KINDS, UNKNOWN, VIEWSET_ACTIONS, display_path, join_path,
    norm_methods,
)

_SETTINGS = "django.conf.settings."
MAX_PREFIXES = 100  # full prefixes kept per router: include graphs can have exponentially many paths

# -- project-wide resolution -----------------------------------------------------------------

@dataclass
class Route:
    method: str
    path: str
    handler: str
    file: str
    line: int
    framework: str
    kind: Optional[str] = None  # "api" | "page" | None: see route_kinds.py

    def as_dict(self) -> Dict[str, Any]:
        out = {"method": self.method, "path": self.path, "handler": self.handler, "file": self.file,
               "line": self.line, "framework": self.framework}
        if self.kind:
            out["kind"] = self.kind
        return out


class _Project:
    def __init__(self, facts_by_path: Dict[str, Dict[str, Any]]) -> None:
        self.files = facts_by_path
        self.modules: Dict[str, str] = {}
        for path, facts in facts_by_path.items():
            self.modules[facts["module"]] = path
        self.objects: Dict[str, Tuple[str, Dict[str, Any]]] = {}
        for path, facts in facts_by_path.items():
            for name, obj in facts["objects"].items():
                self.objects[f"{facts['module']}.{name}"] = (path, obj)
        self.parents: Dict[str, List[Dict[str, Any]]] = {}
        for path, facts in facts_by_path.items():
            for edge in facts["edges"]:
                child = self.canonical(edge["child"])
                if child is not None:
                    self.parents.setdefault(child, []).append(dict(edge, parent=self.canonical(edge["parent"]) or
                                                                   edge["parent"]))
        self.root_urlconfs = {self.canonical(f["root_urlconf"] + ".urlpatterns") for f in facts_by_path.values()
                              if f.get("root_urlconf")}
        self.constants: Dict[str, List[Any]] = {}
        for facts in facts_by_path.values():
            for name, parts in facts.get("constants", {}).items():
                self.constants[f"{facts['module']}.{name}"] = parts
        # fold prefixes and paths written with constants (API + VERSION_1 + "/items")
        for facts in facts_by_path.values():
            for obj in facts["objects"].values():
                if obj.get("prefix_parts"):
                    obj["prefix"] = self.fold(obj["prefix_parts"])
            for edge in facts["edges"]:
                if edge.get("prefix_parts"):
                    edge["prefix"] = self.fold(edge["prefix_parts"])
            for route in facts["routes"]:
                if route.get("path_parts"):
                    route["path"] = self.fold(route["path_parts"])
        self.parents = {}
        for path, facts in facts_by_path.items():
            for edge in facts["edges"]:
                child = self._child(edge)
                if child is not None:
                    self.parents.setdefault(child, []).append(dict(edge, parent=self.canonical(edge["parent"]) or
                                                                   edge["parent"]))

    def _child(self, edge: Dict[str, Any]) -> Optional[str]:
        """The object an edge mounts: ``include(api_urls)`` names a list when one of that name
        exists, else the module of that name (its ``urlpatterns``)."""
        alt = edge.get("child_alt")
        if alt:
            found = alt if alt in self.objects else next(
                (key for key in self.objects if key.endswith("." + alt)), None)
            if found is not None and self.objects[found][1].get("kind") == "urlconf":
                return found
        return self.canonical(edge["child"])

    def constant(self, ref: str) -> Optional[List[Any]]:
        if ref in self.constants:
            return self.constants[ref]
        for key, parts in self.constants.items():
            if key.endswith("." + ref) or ref.endswith("." + key):
                return parts
        if ref.startswith(_SETTINGS):  # django.conf.settings.X: X of the project's settings module
            name = ref[len(_SETTINGS):]
            for key, parts in self.constants.items():
                module, _, kname = key.rpartition(".")
                if kname == name and module.rsplit(".", 1)[-1].endswith("settings"):
                    return parts
        return None

    def fold(self, parts: List[Any], depth: int = 0) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            found = self.constant(part["ref"]) if depth < 10 else None
            if found is None and part["ref"].startswith(_SETTINGS):
                out.append("{settings." + part["ref"][len(_SETTINGS):] + "}")  # a deployment setting, named
                continue
            out.append(self.fold(found, depth + 1) if found is not None else UNKNOWN)
        return "".join(out)

    def canonical(self, ref: Optional[str]) -> Optional[str]:
        """Map a reference to a known object key: exact, through a package re-export, or by suffix."""
        if ref is None:
            return None
        if ref in self.objects:
            return ref
        module, _, name = ref.rpartition(".")
        # `from app.routers import users` then `users.router` -> app.routers.users.router (exact above);
        # a reference written from a different root (`shop.app.x` vs `app.x`): match by suffix
        for key in self.objects:
            if key.endswith("." + ref) or ref.endswith("." + key):
                return key
        # `from .views import bp` re-exported by a package __init__: name lookup inside the package
        for key in self.objects:
            kmod, _, kname = key.rpartition(".")
            if kname == name and module and kmod.startswith(module + "."):
                return key
        return None

    def function_view(self, ref: Optional[str]) -> Optional[Dict[str, Any]]:
        if ref is None:
            return None
        module, _, name = ref.rpartition(".")
        for mod, path in self.modules.items():
            if mod == module or mod.endswith("." + module) or module.endswith("." + mod):
                view = self.files[path]["views"].get(name)
                if view is not None:
                    return view
        return None

    def prefixes(self, key: str, own: str, depth: int = 0, chain: FrozenSet[str] = frozenset()) -> List[str]:
        """Every full prefix under which routes of object ``key`` (whose own prefix is ``own``) are served.

        ``chain`` holds the objects already on the way up: an include cycle (two routers that
        include each other) is followed at most once, and at most ``MAX_PREFIXES`` are kept.
        """
        if depth > 20:
            return [UNKNOWN]
        chain = chain | {key}
        parents = [edge for edge in self.parents.get(key, []) if edge["parent"] not in chain]
        if not parents and self.parents.get(key):  # every include of it is part of a cycle
            return [join_path(UNKNOWN, own)] if depth == 0 else []
        entry = self.objects.get(key)
        kind = entry[1]["kind"] if entry else None
        if not parents:
            if kind in ROOT_KINDS or key in self.root_urlconfs:
                return [own]
            if kind == "urlconf" and not self.root_urlconfs and entry is not None and \
                    entry[1].get("framework") == "django" and key.endswith(".urlpatterns") and not key.endswith(">"):
                return [own]  # a urlconf nobody includes is taken as a root
            return [join_path(UNKNOWN, own)]
        out: List[str] = []
        for edge in parents:
            parent = edge["parent"]
            pentry = self.objects.get(parent)
            pown = pentry[1].get("prefix", "") if pentry else ""
            bases = self.prefixes(parent, pown or "", depth + 1, chain) if pentry else [UNKNOWN]
            middle = edge["prefix"] if edge.get("override") else join_path(edge["prefix"] or "", own)
            if edge.get("override"):
                middle = edge["prefix"]
            for base in bases:
                out.append(join_path(base, middle) if middle else base)
            if len(out) >= MAX_PREFIXES:
                return out[:MAX_PREFIXES]
        return out

    def routes(self) -> List[Route]:
        out: List[Route] = []
        for path, facts in sorted(self.files.items()):
            for route in facts["routes"]:
                owner = self.canonical(route.get("owner"))
                entry = self.objects.get(owner) if owner else None
                own = entry[1].get("prefix", "") if entry else ""
                prefixes = self.prefixes(owner, own or "") if owner else [UNKNOWN]
                if "drf_register" in route:
                    out.extend(self._drf(route, prefixes, path))
                    continue
                rpath = route["path"]
                methods = route.get("methods")
                if route.get("view"):
                    methods = self._view_methods(route["view"])
                for prefix in prefixes:
                    full = display_path(join_path(prefix, rpath))
                    if route.get("framework") in ("litestar", "sanic") and len(full) > 1:
                        full = full.rstrip("/") or "/"
                    for method in (methods or [ANY]):
                        out.append(Route(method, full, route["handler"], path, route.get("line", 0),
                                         route.get("framework", ""), route.get("kind")))
        return out

    def _view_methods(self, view: Dict[str, Any]) -> Optional[List[str]]:
        if view.get("mapping"):
            return list(norm_methods(view["mapping"]))
        found = self.function_view(view.get("ref"))
        if found is None:
            return None
        if found["kind"] == "class":
            return found.get("methods") or None
        return found.get("methods")

    def _drf(self, route: Dict[str, Any], prefixes: List[str], path: str) -> List[Route]:
        reg = route["drf_register"]
        viewset = self.function_view(reg["viewset"]) or {"actions": list(_ALL_ACTIONS), "extra": []}
        actions = set(viewset.get("actions", []))
        out = []
        name = route["handler"]
        base = reg["prefix"]
        for prefix in prefixes:
            for detail, suffix in ((False, "/"), (True, "/<pk>/")):
                for action in _ALL_ACTIONS:
                    method, is_detail = VIEWSET_ACTIONS[action]
                    if action in actions and is_detail == detail:
                        full = display_path(join_path(prefix, base + suffix))
                        out.append(Route(method, full, f"{name}.{action}", path, route.get("line", 0), "drf", "api"))
            for extra in viewset.get("extra", []):
                middle = "/<pk>/" if extra["detail"] else "/"
                full = display_path(join_path(prefix, base + middle + extra["url_path"] + "/"))
                for method in extra["methods"]:
                    out.append(Route(method, full, f"{name}.{extra['name']}", path, route.get("line", 0), "drf",
                                     "api"))
        return out


def resolve(facts_by_path: Dict[str, Dict[str, Any]]) -> List[Route]:
    """Every route of the project with its full path, from per-file facts."""
    routes = _Project(facts_by_path).routes()
    routes.sort(key=lambda r: (r.path, METHOD_ORDER.get(r.method, 99), r.file, r.line))
    return routes
