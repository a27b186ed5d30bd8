"""Discovers rules: every ``Rule`` subclass with a code in a module under ``backlint.rules``.

Nothing else lists rules by hand. Codes and names are checked for uniqueness here, so a clash is
an import-time error in the test suite, never a silent shadowing.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import Dict, Iterable, List, Optional, Type

from .rule import Rule, rule_problems

_RULES: Optional[Dict[str, Type[Rule]]] = None


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
        _RULES = dict(sorted(found.items()))
    return _RULES


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
    if upper.startswith("BL") and (upper[2:].isdigit() or upper == "BL") and len(upper) <= 5:
        return [c for c in rules if c.startswith(upper)]
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
