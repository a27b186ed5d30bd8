"""Results cache: a file's findings, errors-free results and project facts, keyed by its content.

Key = sha256 of the file's bytes + backlint's version + the rules enabled for that file and their
options. One index file per configuration names every file's entry; a file's cross-file facts are
stored apart from it, content-addressed: ``backlint-facts/<sha256 of the facts>.json``, one small
file per distinct facts value, named from the index entry (``fb``). A run that changes five files
writes five facts files (fewer when their facts did not change) and reads none unless the
project pass has to run again; then it reads only the facts files it needs. Every lookup hashes the file's content (a stat can miss an edit made within the same
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

FORMAT = 3


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
FACTS_DIR = PREFIX + "facts"  # per-file facts, content-addressed (see the module docstring)
_HEX = frozenset("0123456789abcdef")


def _is_blob_name(name: Any) -> bool:
    """``<64 hex digits>.json``: the only names backlint reads, writes or deletes in FACTS_DIR."""
    return isinstance(name, str) and len(name) == 69 and name.endswith(".json") and _HEX.issuperset(name[:64])


class Cache:
    def __init__(self, directory: str, settings_key: str) -> None:
        self.directory = directory
        digest = hashlib.sha256(f"{FORMAT}|{__version__}|{code_stamp()}|{settings_key}".encode()).hexdigest()[:16]
        self.index_path = os.path.join(directory, f"{PREFIX}results-{digest}.json")
        # facts for cross-file rules live in their own files, read only when the project pass
        # has to run again: a fully cached run never loads them
        self.facts_dir = os.path.join(directory, FACTS_DIR)
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.project: Dict[str, Any] = {}
        self._stored_facts: Dict[str, Dict[str, Any]] = {}  # abspath -> facts stored in this run
        self._payloads: Dict[str, Optional[bytes]] = {}  # facts file name -> its verified payload
        self._new_blobs: Dict[str, bytes] = {}  # facts file name -> payload, written before the index
        self._bad_blobs: set = set()  # facts files found damaged: rewritten, never kept
        self.hits = 0
        self.misses = 0
        self._dirty = False
        self.warnings: List[str] = []
        self._warned: set = set()
        self._load()

    def _warn(self, kind: str, message: str) -> None:
        if kind not in self._warned:  # one warning per kind of problem, however many entries
            self._warned.add(kind)
            self.warnings.append(message)

    def _read(self, path: str, what: str, quiet: bool = False) -> Optional[Any]:
        """The verified JSON payload of one cache file, or None (missing or damaged: rebuilt).
        ``quiet``: no warning (another configuration's index, read only by the pruner)."""
        payload = self._read_payload(path, what, quiet=quiet)
        if payload is None:
            return None
        try:
            return json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            if not quiet:
                self._warn("damaged-" + what, f"cache: {path} is damaged (truncated or altered); it is rebuilt")
            return None

    def _read_payload(self, path: str, what: str, name: Optional[str] = None, quiet: bool = False) -> Optional[bytes]:
        """The bytes after the header, if they match the header's SHA-256 (and, for a facts file,
        its name); None if the file is missing or damaged (one warning per kind)."""
        try:
            raw, _ = read_bounded(path, _MAX_CACHE_FILE)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None  # the cache path is a file: reported when saving
        except (OSError, NotReadable) as exc:
            if not quiet:
                self._warn("unreadable-" + what, f"cache: ignoring {path}: {exc}; it is rebuilt")
            return None
        header, newline, payload = raw.partition(b"\n")
        try:
            digest = hashlib.sha256(payload).hexdigest()
            ok = bool(newline) and header.startswith(_HEADER) and header[len(_HEADER):].decode("ascii") == digest \
                and (name is None or name[:64] == digest)
        except UnicodeDecodeError:
            ok = False
        if not ok:
            if not quiet:
                self._warn("damaged-" + what, f"cache: {path} is damaged (truncated or altered); it is rebuilt")
            return None
        return payload

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

    def facts_of(self, path: str) -> Optional[Dict[str, Any]]:
        """The cached facts of ``path`` (None if missing or damaged: then they must be computed
        again). Reads the one facts file the index entry names."""
        key = os.path.abspath(path)
        if key in self._stored_facts:
            return self._stored_facts[key]
        entry = self.entries.get(key)
        name = entry.get("fb") if isinstance(entry, dict) else None
        if not _is_blob_name(name):
            return None
        if name not in self._payloads:
            self._payloads[name] = self._read_blob(name)
        payload = self._payloads[name]
        if payload is None:
            return None
        try:
            facts = json.loads(payload.decode("utf-8"))  # a fresh object for every file sharing it
        except (UnicodeDecodeError, ValueError, RecursionError):
            facts = None
        return facts if isinstance(facts, dict) else None

    def _read_blob(self, name: str) -> Optional[bytes]:
        payload = self._read_payload(os.path.join(self.facts_dir, name), "facts", name)
        if payload is None:
            self._bad_blobs.add(name)  # missing or damaged: the next store of these facts writes it
        return payload

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

    def known_key(self, path: str, context: str) -> Optional[str]:
        """The key stored with ``path``'s entry if it was computed in the same ``context``
        (runner.file_key depends only on the path and the context)."""
        entry = self.entries.get(os.path.abspath(path))
        if isinstance(entry, dict) and entry.get("kc") == context and isinstance(entry.get("rules"), str):
            return entry["rules"]
        return None

    def store(self, path: str, enabled_key: str, result: FileResult, context: Optional[str] = None) -> None:
        if result.errors or result.skipped or result.content_hash is None or result.signature is None:
            return  # never cache a failure: an unreadable file or a crashing rule is re-tried
        from .secret_spans import cache_rows

        try:
            payload = json.dumps(result.facts, separators=(",", ":")).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            return  # facts that are not plain JSON are not cached: the file is checked again
        name = hashlib.sha256(payload).hexdigest() + ".json"
        key = os.path.abspath(path)
        self.entries[key] = {
            "sig": list(result.signature),
            "hash": result.content_hash,
            "rules": enabled_key,
            "deps": [[d, directory_stamp(d)] for d in result.dependencies],
            "findings": cache_rows(result.findings),
            "fh": result.facts_hash,
            "fb": name,
            "kc": context,
        }
        self._stored_facts[key] = result.facts
        self._new_blobs[name] = payload
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            ours = self._prepare_directory()
            if self._new_blobs:  # facts first: an index never names facts that are not written
                self._write_blobs()
            _write_cache_file(self.index_path, {"format": FORMAT, "files": self.entries, "project": self.project})
        except (OSError, ValueError) as exc:  # a read-only tree: run without a cache rather than fail
            reason = getattr(exc, "strerror", None) or str(exc)
            self._warn("unwritable", f"cache: not saved in {self.directory}: {reason} (results are not affected)")
            return
        if ours:
            self._prune()

    def _write_blobs(self) -> None:
        """Write the facts files this run's index names and the cache lacks (or has damaged).
        An existing, intact one is kept and its time refreshed (the pruner spares recent ones).
        Not fsynced: a reader verifies each against its name, and rebuilds what fails."""
        try:
            os.mkdir(self.facts_dir)
        except FileExistsError:
            pass
        if not stat.S_ISDIR(os.lstat(self.facts_dir).st_mode):  # never write through a link
            raise NotADirectoryError(20, f"{FACTS_DIR} in the cache directory is not a directory")
        for name, payload in self._new_blobs.items():
            path = os.path.join(self.facts_dir, name)
            if name not in self._bad_blobs:
                try:
                    if stat.S_ISREG(os.lstat(path).st_mode):
                        os.utime(path)
                        continue
                except OSError:
                    pass
            write_atomic(path, _HEADER + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload,
                         durable=False)
            self._bad_blobs.discard(name)

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
        most recently used few), temporary files left by killed runs, and facts files no kept
        index names."""
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
        newest = sorted(indexes, reverse=True)
        for _, name in newest[keep:]:
            _unlink(os.path.join(self.directory, name))
            # the single facts file of a format-2 cache (before facts were stored per file)
            _unlink(os.path.join(self.directory, PREFIX + "facts-" + name[len(PREFIX + "results-"):]))
        if self._new_blobs:
            self._collect_facts([os.path.join(self.directory, name) for _, name in newest[:keep]], now)

    def _collect_facts(self, indexes: List[str], now: float) -> None:
        """Delete facts files that no kept index names, once they outnumber the live ones.

        Runs only after a run wrote facts, and reads the other kept indexes only when the facts
        directory holds more than twice the files this index names (so it is rare). A facts file
        younger than an hour is kept (a concurrent run may be about to name it); an index that
        cannot be read stops the collection (its facts could be deleted otherwise).
        """
        live = {e.get("fb") for e in self.entries.values() if isinstance(e, dict)}
        try:
            if not stat.S_ISDIR(os.lstat(self.facts_dir).st_mode):
                return
            with os.scandir(self.facts_dir) as it:
                blobs = [e for e in it if _is_blob_name(e.name)]
        except OSError:
            return
        if len(blobs) <= 2 * len(live) + 64:
            return
        named = set(live)
        for path in indexes:
            if os.path.abspath(path) == os.path.abspath(self.index_path):
                continue
            data = self._read(path, "index", quiet=True)
            files = data.get("files") if isinstance(data, dict) else None
            if not isinstance(files, dict):
                return
            named.update(e.get("fb") for e in files.values() if isinstance(e, dict))
        for entry in blobs:
            if entry.name in named:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > _STALE_TEMP:
                _unlink(entry.path)


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
