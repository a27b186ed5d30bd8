"""Plain data that flows from the engine to reporters.

Nothing here imports libcst: reporters, the baseline and the cache work on these
objects only, so they can run without paying for the parser.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

PARSE_ERROR_CODE = "BL000"
UNUSED_SUPPRESSION_CODE = "BL001"
SECRET_CATEGORY = "hardcoded-secret"  # findings whose source text must never be written out


class Severity(str, enum.Enum):
    """How loudly a finding speaks. Maps to SARIF ``level`` and annotation kinds."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Edit:
    """Replace the source between two 1-based (line, column) positions with ``text``.

    Columns count Unicode code points, ``end`` is exclusive.
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str

    def to_dict(self) -> Dict[str, Any]:
        return {
            "start_line": self.start_line,
            "start_column": self.start_column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.text,
        }


@dataclass(frozen=True)
class Fix:
    """A fix as reporters see it: a description and the text edits that apply it."""

    description: str
    applicability: str  # "safe" (applied by --fix) or "unsafe" (needs --unsafe-fixes)
    edits: Tuple[Edit, ...]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "description": self.description,
            "applicability": self.applicability,
            "edits": [e.to_dict() for e in self.edits],
        }


@dataclass(frozen=True)
class Related:
    """Another place in the same file that belongs to a finding (e.g. every database call of a
    handler reported once): SARIF ``relatedLocations``, ``related`` in JSON."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    message: str

    def to_dict(self) -> Dict[str, Any]:
        return {"start_line": self.start_line, "start_column": self.start_column, "end_line": self.end_line,
                "end_column": self.end_column, "message": self.message}


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    category: str
    severity: Severity
    path: str  # as given / relative to the working directory, "/" separators
    start_line: int  # 1-based
    start_column: int  # 1-based, code points
    end_line: int
    end_column: int  # 1-based, exclusive
    message: str
    fix: Optional[Fix] = None
    # source lines of the reported statement, used for fingerprints / baselines
    snippet: str = ""
    # set instead of ``snippet`` for findings read back from the cache whose source must not be
    # stored (hardcoded secrets): the fingerprint's source hash, computed before caching
    snippet_hash: str = ""
    related: Tuple[Related, ...] = ()

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        return (self.path, self.start_line, self.start_column, self.code, self.message)

    def to_cache(self) -> Dict[str, Any]:
        data = self.to_dict()
        del data["path"]
        if self.category == SECRET_CATEGORY:
            from .baseline import source_hash  # never write a secret's source into the cache

            data["snippet_hash"] = source_hash(self)
        else:
            data["snippet"] = self.snippet
        return data

    @classmethod
    def from_cache(cls, path: str, data: Dict[str, Any]) -> "Finding":
        fix = data.get("fix")
        return cls(
            data["code"], data["name"], data["category"], Severity(data["severity"]), path,
            data["start_line"], data["start_column"], data["end_line"], data["end_column"],
            data["message"],
            Fix(fix["description"], fix["applicability"], tuple(Edit(**e) for e in fix["edits"])) if fix else None,
            data.get("snippet", ""),
            data.get("snippet_hash", ""),
            tuple(Related(**r) for r in data.get("related", ())),
        )

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "severity": self.severity.value,
            "path": self.path,
            "start_line": self.start_line,
            "start_column": self.start_column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "fix": self.fix.to_dict() if self.fix else None,
        }
        if self.related:  # only findings that have them: every other finding's JSON is unchanged
            out["related"] = [r.to_dict() for r in self.related]
        return out


@dataclass(frozen=True)
class InternalError:
    """Something went wrong inside backlint (a rule raised, a file could not be read).

    Always makes the run exit with code 2, and never stops other files or rules.
    """

    path: str
    message: str
    rule: Optional[str] = None  # code of the rule that raised, if any
    kind: str = "internal-error"  # or "io-error"

    def to_dict(self) -> Dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "rule": self.rule, "message": self.message}

    def describe(self) -> str:
        who = f"rule {self.rule} " if self.rule else ""
        return f"{self.path}: {self.kind}: {who}{self.message}"


@dataclass
class FileResult:
    path: str
    findings: List[Finding] = field(default_factory=list)
    errors: List[InternalError] = field(default_factory=list)
    facts: Dict[str, Any] = field(default_factory=dict)
    fixed_source: Optional[bytes] = None  # set only when fixes were applied in memory
    fixes_applied: int = 0
    dependencies: List[str] = field(default_factory=list)  # directories the results also read
    skipped: Optional[str] = None  # why the file was not checked (size limit, time limit)
    content_hash: Optional[str] = None  # sha256 of the bytes that were checked (for the cache)
    facts_hash: Optional[str] = None  # sha256 of ``facts`` (keys the cached project pass)
    facts_cached: bool = False  # answered from the cache: ``facts`` are in the cache, not here
    signature: Optional[List[int]] = None  # stat (mtime_ns, size, inode) taken before reading


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    errors: List[InternalError] = field(default_factory=list)
    files_checked: int = 0
    fixes_applied: int = 0
    files_fixed: int = 0
    diffs: List[str] = field(default_factory=list)
    cache_hits: int = 0
    skipped: List[InternalError] = field(default_factory=list)  # kind "skipped": fail the run unless skipped-ok
    warnings: List[str] = field(default_factory=list)  # e.g. a damaged cache file (rebuilt): stderr only
    # per-file facts contributed by rules (path -> {rule code -> facts}); what ProjectIndex reads
    facts: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.errors.sort(key=lambda e: (e.path, e.rule or "", e.message))
