"""Discovers rules: every ``Rule`` subclass with a code in a module under ``backlint.rules``.

Nothing else lists rules by hand. Codes and names are checked for uniqueness here, so a clash is
an import-time error in the test suite, never a silent shadowing.
"""
from __future__ import annotations

import difflib
import importlib
import re
import pkgutil
from typing import Dict, Iterable, List, Optional, Tuple, Type

from .rule import Rule, rule_problems

_RULES: Optional[Dict[str, Type[Rule]]] = None
ENTRY_POINT_GROUP = "backlint.rules"
# problems loading third-party rules: (plugin, message), each reported once per run by the CLI
PLUGIN_ERRORS: List[Tuple[str, str]] = []


class RegistryError(Exception):
    pass


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def all_rules() -> Dict[str, Type[Rule]]:
    """Code -> rule class, sorted by code."""
    global _RULES
    if _RULES is None:
        from . import rules as package

        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
        found: Dict[str, Type[Rule]] = {}
        names: Dict[str, str] = {}
        for cls in _subclasses(Rule):
            if not cls.code or not cls.__module__.startswith(package.__name__ + "."):
                continue
            problems = rule_problems(cls)
            if problems:
                raise RegistryError(f"{cls.__module__}.{cls.__name__}: " + "; ".join(problems))
            if cls.code in found:
                raise RegistryError(f"duplicate rule code {cls.code}: {found[cls.code].__name__}, {cls.__name__}")
            if cls.name in names:
                raise RegistryError(f"duplicate rule name {cls.name}: {names[cls.name]}, {cls.code}")
            found[cls.code] = cls
            names[cls.name] = cls.code
        for cls, plugin in _plugin_rules():
            problems = rule_problems(cls, plugin=True)
            if cls.code in found or cls.name in names:
                problems.append(f"code {cls.code} or name {cls.name} is already taken")
            if problems:
                PLUGIN_ERRORS.append((plugin, f"{cls.__module__}.{cls.__name__}: " + "; ".join(problems)))
                continue
            cls.plugin = plugin
            found[cls.code] = cls
            names[cls.name] = cls.code
        _RULES = dict(sorted(found.items()))
    return _RULES


def _plugin_rules() -> List[Tuple[type, str]]:
    """Rule classes from installed packages' ``backlint.rules`` entry points.

    An entry point names a module (every Rule subclass defined in it counts) or a class. A plugin
    that fails to import is recorded in PLUGIN_ERRORS and left out; every other rule still runs.
    """
    import inspect

    if not _may_have_plugins():
        return []
    try:
        from importlib.metadata import entry_points

        eps = entry_points(group=ENTRY_POINT_GROUP)
    except Exception as exc:  # broken metadata of some installed package
        PLUGIN_ERRORS.append(("<entry points>", f"cannot list plugins: {type(exc).__name__}: {exc}"))
        return []
    out: List[Tuple[type, str]] = []
    for ep in sorted(eps, key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value.split(":")[0].split(".")[0]
        label = f"{dist} ({ep.name} = {ep.value})"
        try:
            target = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a plugin may raise anything at import: never take the run down
            PLUGIN_ERRORS.append((label, f"failed to load: {type(exc).__name__}: {exc}"))
            continue
        if inspect.isclass(target) and issubclass(target, Rule):
            classes = [target]
        elif inspect.ismodule(target):
            classes = [c for c in vars(target).values()
                       if inspect.isclass(c) and issubclass(c, Rule) and c.code and c.__module__ == target.__name__]
        else:
            PLUGIN_ERRORS.append((label, "is neither a module nor a Rule subclass"))
            continue
        out.extend((c, dist) for c in sorted(classes, key=lambda c: c.code))
    return out


def _may_have_plugins() -> bool:
    """False only when no installed distribution can declare a ``backlint.rules`` entry point.

    ``importlib.metadata`` costs about 7 % of a one-file run (its import and reading every
    distribution's metadata); this looks at the same places more cheaply: the ``*.dist-info`` and
    ``*.egg-info`` folders of the ``sys.path`` directories, and whether any ``entry_points.txt``
    there names the group at all. Anything it cannot judge (a zip or egg on ``sys.path``, another
    finder that lists distributions) answers True, and ``importlib.metadata`` decides as before.
    """
    import os
    import sys
    from importlib.machinery import PathFinder

    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return True
    needle = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        if not isinstance(entry, str):
            return True
        directory = entry or "."
        try:
            names = os.listdir(directory)
        except NotADirectoryError:
            return True  # a zip file on sys.path
        except OSError:
            if os.path.lexists(directory):
                return True  # exists, cannot be listed: let importlib.metadata judge
            continue  # a path entry that does not exist (python311.zip)
        if directory.lower().endswith(".egg"):
            return True
        for name in names:
            low = name.lower()
            if low.endswith(".egg"):
                return True
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(directory, name, "entry_points.txt"), "rb") as fh:
                    if needle in fh.read():
                        return True
            except FileNotFoundError:
                continue
            except NotADirectoryError:
                continue  # an egg-info file (PKG-INFO only): no entry points
            except OSError:
                return True
    return False


def plugin_stamp() -> str:
    """Names and versions of the plugins whose rules are loaded (part of the cache key)."""
    rules = all_rules()
    seen = sorted({getattr(r, "plugin", "") for r in rules.values() if getattr(r, "plugin", None)})
    if not seen:
        return ""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in seen:
        try:
            parts.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            parts.append(dist)
    return ",".join(parts)


def by_name() -> Dict[str, Type[Rule]]:
    return {cls.name: cls for cls in all_rules().values()}


def resolve(token: str) -> Optional[str]:
    """A code or rule name as a user wrote it -> the rule's code, or None."""
    rules = all_rules()
    upper = token.strip().upper()
    if upper in rules:
        return upper
    rule = by_name().get(token.strip().lower())
    return rule.code if rule else None


def matching(selector: str) -> List[str]:
    """Codes selected by a code, a code prefix (``BL``, ``BL4``), a rule name, a category tag
    (``unsafe-migration``), a tag (``security``), or ``ALL``."""
    rules = all_rules()
    sel = selector.strip()
    if sel.upper() == "ALL":
        return list(rules)
    code = resolve(sel)
    if code:
        return [code]
    upper = sel.upper()
    prefix = re.fullmatch(r"([A-Z]{2,8})(\d{0,2})", upper)
    if prefix:
        found = [c for c in rules if c.startswith(upper) and re.fullmatch(r"[A-Z]+\d{3}", c)
                 and re.match(r"[A-Z]+", c).group(0) == prefix.group(1)]
        if found:
            return found
    low = sel.lower()
    by_category = [c for c, r in rules.items() if r.category == low]
    if by_category:
        return by_category
    return [c for c, r in rules.items() if low in r.tags]


def categories() -> List[str]:
    """Every category tag and tag that selects rules."""
    found = {r.category for r in all_rules().values()} | {t for r in all_rules().values() for t in r.tags}
    return sorted(found)


def suggest(token: str) -> Optional[str]:
    if len(token.strip()) < 5:
        return None  # a near code such as BLX: any single code would be a misleading guess
    candidates = list(all_rules()) + list(by_name()) + categories()
    close = difflib.get_close_matches(token.strip(), candidates, n=1, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(token.strip().upper(), candidates, n=1, cutoff=0.5)
    return close[0] if close else None
