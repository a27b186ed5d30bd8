"""The project-wide index that cross-file rules read.

Each file contributes *facts* while it is checked (``Rule.facts()``: plain, JSON-able data, so it
can be cached with the file's findings and sent back from worker processes). After every file is
checked the engine builds one :class:`ProjectIndex` and hands it to each enabled ``ProjectRule``.
Nothing here imports user code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .findings import Severity


@dataclass(frozen=True)
class ProjectReport:
    """A finding produced by a project rule: it carries its own location."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    message: str
    snippet: str = ""
    severity: Optional[Severity] = None


class ProjectIndex:
    def __init__(self, facts_by_path: Dict[str, Dict[str, Any]]) -> None:
        self._facts = facts_by_path  # path -> {rule code -> facts}

    @property
    def paths(self) -> List[str]:
        return sorted(self._facts)

    def facts(self, code: str) -> Iterator[Tuple[str, Any]]:
        """(path, facts) for every file that contributed facts under ``code``."""
        for path in sorted(self._facts):
            value = self._facts[path].get(code)
            if value is not None:
                yield path, value
