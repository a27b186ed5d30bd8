"""Results cache: a file's findings, errors-free results and project facts, keyed by its content.

Key = sha256 of the file's bytes + backlint's version + the rules enabled for that file and their
options. A stat signature (mtime, size, inode) short-cuts the hashing of unchanged files. Stored
as JSON (never pickle: the cache lives in the user's tree and must never execute anything) in
``.backlint_cache/`` with its own ``.gitignore``; written atomically (temporary file + rename),
so two concurrent runs can share it: the last writer wins, and either index is complete and
correct for the files it names.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Optional, Tuple

from . import __version__
from .findings import FileResult, Finding
from .fsutil import write_atomic

FORMAT = 1


def code_stamp() -> str:
    """Changes whenever backlint's own code does (an editable install changes rules without a
    version bump): name, size and mtime of every module in the package. A stat per module."""
    root = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                st = os.stat(os.path.join(directory, name))
                parts.append(f"{os.path.relpath(os.path.join(directory, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def directory_stamp(directory: str) -> str:
    """Names, sizes and mtimes of the ``.py`` files in ``directory`` ("" if unreadable)."""
    try:
        with os.scandir(directory) as entries:
            parts = sorted(
                f"{e.name}:{e.stat().st_size}:{e.stat().st_mtime_ns}"
                for e in entries if e.name.endswith(".py") and e.is_file()
            )
    except OSError:
        return ""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _signature(st: os.stat_result) -> List[int]:
    return [st.st_mtime_ns, st.st_size, st.st_ino]


class Cache:
    def __init__(self, directory: str, settings_key: str) -> None:
        self.directory = directory
        digest = hashlib.sha256(f"{FORMAT}|{__version__}|{code_stamp()}|{settings_key}".encode()).hexdigest()[:16]
        self.index_path = os.path.join(directory, f"results-{digest}.json")
        # facts for cross-file rules live in their own file, read only when the project pass
        # has to run again: a fully cached run never loads them
        self.facts_path = os.path.join(directory, f"facts-{digest}.json")
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.project: Dict[str, Any] = {}
        self._facts: Optional[Dict[str, Any]] = None
        self.hits = 0
        self.misses = 0
        self._dirty = False
        self._facts_dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.index_path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("files"), dict):
            self.entries = data["files"]
            project = data.get("project")
            self.project = project if isinstance(project, dict) else {}

    def _all_facts(self) -> Dict[str, Any]:
        if self._facts is None:
            self._facts = {}
            try:
                with open(self.facts_path, "r", encoding="utf-8") as fh:
                    data = json.load(fh)
                if isinstance(data, dict):
                    self._facts = data
            except (OSError, ValueError):
                pass
        return self._facts

    def facts_of(self, path: str) -> Optional[Dict[str, Any]]:
        """The cached facts of ``path`` (None if missing: then its entry cannot be trusted)."""
        return self._all_facts().get(os.path.abspath(path))

    # -- the project pass ------------------------------------------------------------------------
    def project_findings(self, key: str, shown_path) -> Optional[List[Finding]]:
        """Cross-file findings computed before from exactly the same facts, if any."""
        if self.project.get("key") != key:
            return None
        try:
            return [Finding.from_cache(shown_path(f["abspath"]), f) for f in self.project.get("findings", [])]
        except (KeyError, TypeError, ValueError):
            return None

    def store_project(self, key: str, findings: List[Finding]) -> None:
        rows = []
        for finding in findings:
            row = finding.to_cache()
            row["abspath"] = os.path.abspath(finding.path)
            rows.append(row)
        self.project = {"key": key, "findings": rows}
        self._dirty = True

    @staticmethod
    def content_hash(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def lookup(self, path: str, shown: str, enabled_key: str) -> Optional[FileResult]:
        """The cached result for ``path`` if its content (and the rules for it) are unchanged."""
        key = os.path.abspath(path)
        entry = self.entries.get(key)
        try:
            st = os.stat(path)
        except OSError:
            return None
        if entry is None or entry.get("rules") != enabled_key:
            self.misses += 1
            return None
        for directory, stamp in entry.get("deps", ()):
            if directory_stamp(directory) != stamp:
                self.misses += 1
                return None
        if entry.get("sig") != _signature(st):
            try:
                with open(path, "rb") as fh:
                    digest = self.content_hash(fh.read())
            except OSError:
                return None
            if digest != entry.get("hash"):
                self.misses += 1
                return None
            entry["sig"] = _signature(st)  # touched but unchanged: remember the new stat
            self._dirty = True
        self.hits += 1
        result = FileResult(shown, [Finding.from_cache(shown, f) for f in entry.get("findings", [])], [], {})
        result.content_hash = entry.get("hash")
        result.facts_hash = entry.get("fh")
        result.facts_cached = True
        return result

    def other_fact_hashes(self, checked: set) -> Dict[str, str]:
        """{path: facts hash} of cached files not checked in this run but unchanged on disk.

        Lets cross-file rules see the whole project when only a few files are named (the
        pre-commit shape). Only a stat per file: an entry whose stat changed is left out.
        """
        out: Dict[str, str] = {}
        for path, entry in self.entries.items():
            if path in checked or not entry.get("fh"):
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            if entry.get("sig") == _signature(st):
                out[path] = entry["fh"]
        return out

    def store(self, path: str, enabled_key: str, result: FileResult) -> None:
        if result.errors or result.skipped or result.content_hash is None or result.signature is None:
            return  # never cache a failure: an unreadable file or a crashing rule is re-tried
        self.entries[os.path.abspath(path)] = {
            "sig": list(result.signature),
            "hash": result.content_hash,
            "rules": enabled_key,
            "deps": [[d, directory_stamp(d)] for d in result.dependencies],
            "findings": [f.to_cache() for f in result.findings],
            "fh": result.facts_hash,
        }
        self._all_facts()[os.path.abspath(path)] = result.facts
        self._dirty = True
        self._facts_dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                _write_atomic(ignore, "# Created by backlint: the cache is not for version control.\n*\n")
            if self._facts_dirty:  # facts first: an index never names facts that are not written
                _write_atomic(self.facts_path, json.dumps(self._all_facts(), separators=(",", ":")))
            _write_atomic(self.index_path, json.dumps(
                {"format": FORMAT, "files": self.entries, "project": self.project}, separators=(",", ":")))
            self._prune()
        except OSError:
            pass  # a read-only tree: run without a cache rather than fail

    def _prune(self, keep: int = 8) -> None:
        """Indexes of other configurations or versions: keep the most recently used few."""
        indexes = []
        for name in os.listdir(self.directory):
            if name.startswith("results-") and name.endswith(".json"):  # with its facts- twin
                path = os.path.join(self.directory, name)
                try:
                    indexes.append((os.stat(path).st_mtime, path))
                except OSError:
                    continue
        for _, path in sorted(indexes, reverse=True)[keep:]:
            for victim in (path, path.replace(os.sep + "results-", os.sep + "facts-")):
                try:
                    os.unlink(victim)
                except OSError:
                    pass


def facts_hash(facts: Dict[str, Any]) -> str:
    """A stable hash of a file's facts, as the cache will store them (JSON)."""
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def signature(st: os.stat_result) -> List[int]:
    return _signature(st)


def _write_atomic(path: str, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))
