"""Framework knowledge a project declares in ``[tool.backlint.frameworks]``, without writing code.

```toml
[tool.backlint.frameworks]
http-clients = ["acme.http"]               # calls into these send HTTP requests (a house client wrapper)
db-sessions = ["acme.db.get_session"]      # these return a database session or connection
route-decorators = ["acme.api.endpoint"]   # decorators that register an HTTP route (path first)
```

Entries are qualified names (as ``ctx.qualified_name`` spells them) of a module, a class or a
function; a call matches an entry when its qualified name is the entry or starts with it plus a
dot. The engine installs the declarations of a file's configuration before the file is walked,
and the framework modules (``persistence``, ``routes``, the N+1 analysis) ask here.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

KEYS = ("http-clients", "db-sessions", "route-decorators")

_current: Dict[str, Tuple[str, ...]] = {}


def use(declared: Optional[Dict[str, Sequence[str]]]) -> None:
    """Install the declarations for the file about to be checked (the engine calls this)."""
    global _current
    _current = {k: tuple(v) for k, v in (declared or {}).items()}


def _matches(key: str, qualified: Optional[str]) -> bool:
    if not qualified:
        return False
    for entry in _current.get(key, ()):
        if qualified == entry or qualified.startswith(entry + ".") or qualified.startswith(entry + "("):
            return True
    return False


def is_http_client(qualified: Optional[str]) -> bool:
    return _matches("http-clients", qualified)


def is_db_session(qualified: Optional[str]) -> bool:
    return _matches("db-sessions", qualified)


def is_route_decorator(qualified: Optional[str]) -> bool:
    return _matches("route-decorators", qualified)


def validate(table: object) -> Optional[str]:
    if not isinstance(table, dict):
        return "must be a table of lists of qualified names"
    for key, value in table.items():
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(key, KEYS, n=1)
            return f"has an unknown key '{key}'" + (f"; did you mean '{close[0]}'?" if close else f" (keys: {', '.join(KEYS)})")
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return f"'{key}' must be a list of qualified names such as \"acme.http\""
    return None


def decorators() -> Tuple[str, ...]:
    return _current.get("route-decorators", ())


def marker_words() -> Tuple[str, ...]:
    """The last name of every declaration: a file that mentions none of them cannot use them
    (lets rules with text pre-filters still look at files that only use declared pieces)."""
    return tuple(sorted({e.rsplit(".", 1)[-1] for v in _current.values() for e in v}))
