"""Results cache: a file's findings, errors-free results and project facts, keyed by its content.

Key = sha256 of the file's bytes + backlint's version + the rules enabled for that file and their
options. Every lookup hashes the file's content (a stat can miss an edit made within the same
second with the same size). Stored as JSON (never pickle: the cache lives in the user's tree and
must never execute anything) in ``.backlint_cache/``.

What the cache guarantees (docs/architecture.md has the user-facing version):

- Results equal a ``--no-cache`` run's. Each cache file starts with a header line holding the
  SHA-256 of the rest; a file that is truncated, damaged, not a regular file (a FIFO is never
  opened for blocking reads) or unreadable is discarded with one warning and rebuilt. One
  malformed entry is discarded on its own (one warning), never trusted, never fatal.
- Files are written atomically (temporary file + rename): a run killed mid-write leaves the old
  file or the new one, and two concurrent runs each leave a complete, correct file.
- A cache directory that cannot be written (read-only, or a path that is a file): the run is
  still correct, uncached, with one warning.
- backlint deletes only what it can prove it wrote: in a directory it created itself (it holds
  the marker file ``MARKER``), files named with its own prefix ``backlint-``. A directory that
  existed before (``--cache-dir reports``) is written to but never pruned, and gets no
  ``.gitignore``.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from typing import Any, Dict, List, Optional, Tuple

from . import __version__
from .findings import FileResult, Finding
from .fsutil import write_atomic
from .safe_read import NotReadable, read_bounded

FORMAT = 2


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


MARKER = ".backlint-cache-dir"  # in a directory backlint created: only there does it ever delete
PREFIX = "backlint-"
_HEADER = b"backlint-cache-v2 sha256="
_MAX_CACHE_FILE = 1 << 30  # a cache file larger than this is not ours
_STALE_TEMP = 3600.0  # seconds: temporary files older than this were left by a killed run


class Cache:
    def __init__(self, directory: str, settings_key: str) -> None:
        self.directory = directory
        digest = hashlib.sha256(f"{FORMAT}|{__version__}|{code_stamp()}|{settings_key}".encode()).hexdigest()[:16]
        self.index_path = os.path.join(directory, f"{PREFIX}results-{digest}.json")
        # facts for cross-file rules live in their own file, read only when the project pass
        # has to run again: a fully cached run never loads them
        self.facts_path = os.path.join(directory, f"{PREFIX}facts-{digest}.json")
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.project: Dict[str, Any] = {}
        self._facts: Optional[Dict[str, Any]] = None
        self.hits = 0
        self.misses = 0
        self._dirty = False
        self._facts_dirty = False
        self.warnings: List[str] = []
        self._warned: set = set()
        self._load()

    def _warn(self, kind: str, message: str) -> None:
        if kind not in self._warned:  # one warning per kind of problem, however many entries
            self._warned.add(kind)
            self.warnings.append(message)

    def _read(self, path: str, what: str) -> Optional[Any]:
        """The verified JSON payload of one cache file, or None (missing or damaged: rebuilt)."""
        try:
            raw, _ = read_bounded(path, _MAX_CACHE_FILE)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None  # the cache path is a file: reported when saving
        except (OSError, NotReadable) as exc:
            self._warn("unreadable-" + what, f"cache: ignoring {path}: {exc}; it is rebuilt")
            return None
        header, newline, payload = raw.partition(b"\n")
        try:
            ok = bool(newline) and header.startswith(_HEADER) and \
                header[len(_HEADER):].decode("ascii") == hashlib.sha256(payload).hexdigest()
            data = json.loads(payload.decode("utf-8")) if ok else None
        except (UnicodeDecodeError, ValueError, RecursionError):
            data = None
        if data is None:
            self._warn("damaged-" + what, f"cache: {path} is damaged (truncated or altered); it is rebuilt")
        return data

    def _load(self) -> None:
        data = self._read(self.index_path, "index")
        if data is None:
            return
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("files"), dict):
            self.entries = data["files"]
            project = data.get("project")
            self.project = project if isinstance(project, dict) else {}
        else:
            self._warn("damaged-index", f"cache: {self.index_path} is not a backlint {FORMAT} index; it is rebuilt")

    def _all_facts(self) -> Dict[str, Any]:
        if self._facts is None:
            data = self._read(self.facts_path, "facts")
            self._facts = data if isinstance(data, dict) else {}
        return self._facts

    def facts_of(self, path: str) -> Optional[Dict[str, Any]]:
        """The cached facts of ``path`` (None if missing: then they must be computed again)."""
        facts = self._all_facts().get(os.path.abspath(path))
        return facts if isinstance(facts, dict) else None

    # -- the project pass ------------------------------------------------------------------------
    def project_findings(self, key: str, shown_path) -> Optional[List[Finding]]:
        """Cross-file findings computed before from exactly the same facts, if any."""
        if self.project.get("key") != key:
            return None
        try:
            return [Finding.from_cache(shown_path(f["abspath"]), f) for f in self.project.get("findings", [])]
        except (KeyError, TypeError, ValueError, AttributeError):
            self._warn("malformed-entry", "cache: discarded a malformed entry")
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

    def _current_hash(self, path: str, limit: Optional[int]) -> Optional[str]:
        try:
            data, _ = read_bounded(path, limit)
        except (OSError, NotReadable):
            return None
        return self.content_hash(data)

    def lookup(self, path: str, shown: str, enabled_key: str, limit: Optional[int] = None) -> Optional[FileResult]:
        """The cached result for ``path`` if its content (and the rules for it) are unchanged."""
        key = os.path.abspath(path)
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        try:
            if entry.get("rules") != enabled_key:
                self.misses += 1
                return None
            for directory, stamp in entry.get("deps", ()):
                if directory_stamp(directory) != stamp:
                    self.misses += 1
                    return None
            digest = self._current_hash(path, limit)
            if digest is None or digest != entry.get("hash"):
                self.misses += 1
                return None
            findings = [Finding.from_cache(shown, f) for f in entry.get("findings", [])]
            result = FileResult(shown, findings, [], {})
            result.content_hash = entry["hash"]
            result.facts_hash = entry.get("fh")
            if result.facts_hash is not None and not isinstance(result.facts_hash, str):
                raise TypeError("facts hash")
        except (KeyError, TypeError, ValueError, AttributeError):
            self._warn("malformed-entry", "cache: discarded a malformed entry; its file is checked again")
            del self.entries[key]
            self._dirty = True
            self.misses += 1
            return None
        self.hits += 1
        result.facts_cached = True
        return result

    def other_fact_hashes(self, checked: set, limit: Optional[int] = None) -> Dict[str, str]:
        """{path: facts hash} of cached files not checked in this run but unchanged on disk.

        Lets cross-file rules see the whole project when only a few files are named (the
        pre-commit shape). Unchanged means the same content hash, as for a lookup.
        """
        out: Dict[str, str] = {}
        for path, entry in self.entries.items():
            if path in checked or not isinstance(entry, dict) or not isinstance(entry.get("fh"), str):
                continue
            if self._current_hash(path, limit) == entry.get("hash"):
                out[path] = entry["fh"]
        return out

    def store(self, path: str, enabled_key: str, result: FileResult) -> None:
        if result.errors or result.skipped or result.content_hash is None or result.signature is None:
            return  # never cache a failure: an unreadable file or a crashing rule is re-tried
        from .secret_spans import cache_rows

        self.entries[os.path.abspath(path)] = {
            "sig": list(result.signature),
            "hash": result.content_hash,
            "rules": enabled_key,
            "deps": [[d, directory_stamp(d)] for d in result.dependencies],
            "findings": cache_rows(result.findings),
            "fh": result.facts_hash,
        }
        self._all_facts()[os.path.abspath(path)] = result.facts
        self._dirty = True
        self._facts_dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            ours = self._prepare_directory()
            if self._facts_dirty:  # facts first: an index never names facts that are not written
                _write_cache_file(self.facts_path, self._all_facts())
            _write_cache_file(self.index_path, {"format": FORMAT, "files": self.entries, "project": self.project})
        except (OSError, ValueError) as exc:  # a read-only tree: run without a cache rather than fail
            reason = getattr(exc, "strerror", None) or str(exc)
            self._warn("unwritable", f"cache: not saved in {self.directory}: {reason} (results are not affected)")
            return
        if ours:
            self._prune()

    def _prepare_directory(self) -> bool:
        """Create the cache directory if needed; whether backlint created it (its marker is there)."""
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.directory)), exist_ok=True)
            os.mkdir(self.directory)
        except FileExistsError:
            if not os.path.isdir(self.directory):
                raise NotADirectoryError(20, "the cache path exists and is not a directory")
            if os.path.isfile(os.path.join(self.directory, MARKER)):
                return True
            if _read_small(os.path.join(self.directory, ".gitignore")) != _GITIGNORE:
                return False
            # a cache directory made by an earlier backlint (its .gitignore, byte for byte)
        _write_atomic(os.path.join(self.directory, MARKER),
                      "backlint created this directory for its cache and deletes only its own files in it.\n")
        if _read_small(os.path.join(self.directory, ".gitignore")) is None:
            _write_atomic(os.path.join(self.directory, ".gitignore"), _GITIGNORE)
        return True

    def _prune(self, keep: int = 8) -> None:
        """In a directory backlint created: indexes of other configurations or versions (keep the
        most recently used few, with their facts) and temporary files left by killed runs."""
        indexes = []
        now = time.time()
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            path = os.path.join(self.directory, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # never a link, a FIFO or a directory
            if name.startswith(PREFIX + "results-") and name.endswith(".json"):
                indexes.append((st.st_mtime, name))
            elif name.startswith(".backlint-") and name.endswith(".tmp") and now - st.st_mtime > _STALE_TEMP:
                _unlink(path)
        for _, name in sorted(indexes, reverse=True)[keep:]:
            _unlink(os.path.join(self.directory, name))
            _unlink(os.path.join(self.directory, PREFIX + "facts-" + name[len(PREFIX + "results-"):]))


_GITIGNORE = "# Created by backlint: the cache is not for version control.\n*\n"


def _read_small(path: str) -> Optional[str]:
    try:
        return read_bounded(path, 4096)[0].decode("utf-8", "replace")
    except (OSError, NotReadable):
        return None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_cache_file(path: str, data: Any) -> None:
    payload = json.dumps(data, separators=(",", ":")).encode("utf-8", "surrogatepass")
    write_atomic(path, _HEADER + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload)


def facts_hash(facts: Dict[str, Any]) -> str:
    """A stable hash of a file's facts, as the cache will store them (JSON)."""
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def signature(st: os.stat_result) -> List[int]:
    return _signature(st)


def _write_atomic(path: str, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))
