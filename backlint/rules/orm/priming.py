"""Relation caches filled by hand (``prefetch_related_objects(rows, ...)``, ``set_cached_value``,
``obj._prefetched_objects_cache[...] = ...``): the code knows what it loaded, so a loop over
those rows is not reported. A mention counts for a loop only when it names the loop's
variable or a name of what the loop goes through, not for every loop of the function."""
from __future__ import annotations

import re
from typing import List

PRIMING = ("set_cached_value", "fields_cache", "_prefetched_objects_cache", "prefetch_related_objects",
           "set_committed_value")


def mentions_priming(text: str) -> bool:
    """Any of the words at all (the file's text: a function's code is part of it)."""
    return any(word in text for word in PRIMING)


def priming_lines(text: str) -> List[str]:
    """The lines of a function's code that fill a relation cache."""
    if not mentions_priming(text):
        return []
    return [line for line in text.splitlines() if any(word in line for word in PRIMING)]


def primes(lines: List[str], names) -> bool:
    """One of the priming lines names one of ``names`` (as a whole word)."""
    for name in names:
        if not name or name in ("self", "objects", "all"):
            continue
        pattern = re.compile(r"\b" + re.escape(name) + r"\b")
        if any(pattern.search(line) for line in lines):
            return True
    return False
