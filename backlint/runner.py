"""The run: discovery, the results cache, worker processes, project rules.

Imports no libcst: a run whose files are all answered by the cache never loads the parser. The
per-file work is in engine.py, imported only when some file has to be checked.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import registry
from .config import Settings
from .discovery import Discovery, display_path
from .findings import FileResult, Finding, InternalError, RunResult
from .project import ProjectIndex, ProjectReport
from .fsutil import write_atomic  # noqa: F401  (re-exported for the CLI)
from .selection import Selector
from .shutdown import Interrupted  # noqa: F401  (for callers)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cache_directory(settings: Settings) -> str:
    """``settings.cache_dir`` (the CLI puts --cache-dir, else BACKLINT_CACHE_DIR there, both may be
    absolute; `cache-dir` from a configuration file is kept inside the project by config.py),
    else <root>/.backlint_cache."""
    return settings.cache_dir or os.path.join(settings.root, ".backlint_cache")


def check(
    paths: Sequence[str],
    settings: Settings,
    fix: bool = False,
    diff: bool = False,
    jobs: Optional[int] = None,
    cache: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
) -> RunResult:
    """Check ``paths``. With ``cache``, unchanged files are answered from the results cache.

    ``progress(done, total)`` is called as files that had to be checked finish.
    """
    run = RunResult()
    if not settings.named_dirs:
        # directories named by the caller: an examples/ directory asked for is application code
        import dataclasses

        named = tuple(sorted({os.path.abspath(p) for p in paths if p != "-" and os.path.isdir(p)}))
        settings = dataclasses.replace(settings, named_dirs=named)
    discovery = Discovery(settings)
    files, missing = discovery.files(list(paths))
    for path, problem in missing:
        run.errors.append(InternalError(display_path(path), problem, kind="io-error"))
    if settings.hierarchical:
        files = _nested_excludes(files, paths, settings)
    for path, problem in discovery.unreadable:  # never skipped silently: its files are unknown
        run.skipped.append(InternalError(
            display_path(path), f"skipped: cannot read this directory ({problem}); the files in it were not checked",
            kind="skipped"))
    jobs = jobs or default_jobs()
    store = None
    results: List[FileResult] = []
    todo = files
    keys: Dict[str, str] = {}
    contexts: Dict[str, str] = {}
    if cache:
        from .cache import Cache

        store = Cache(cache_directory(settings), settings.fingerprint())
        selectors = _Selectors(settings)
        todo = []
        for path in files:
            # the file's roles change what rules do (and named directories change its roles);
            # a file under a nested configuration is keyed by that configuration too. The key is
            # a function of the path and of what context() digests, so an entry stored under the
            # same context already holds it (computing it costs a role classification per file)
            contexts[path] = selectors.context(path)
            keys[path] = store.known_key(path, contexts[path]) or file_key(selectors, settings, path)
            hit = store.lookup(path, display_path(path), keys[path], settings.max_file_size or None)
            if hit is not None and (fix or diff) and _has_fix_to_apply(hit, settings):
                hit = None  # --fix/--diff re-check only the files that have something to fix
            if hit is not None:
                results.append(hit)
            else:
                todo.append(path)
        run.cache_hits = len(results)
    early = _unreadable(todo, settings)
    checked = [p for p in todo if p not in early]
    done = iter(_run_files(checked, settings, fix, diff, jobs, progress) if checked else [])
    fresh = [early[p] if p in early else next(done) for p in todo]
    if store is not None:
        for path, result in zip(todo, fresh):
            store.store(path, keys[path], result, contexts.get(path))
    results.extend(fresh)
    facts: Dict[str, Dict[str, Any]] = {}
    for result in results:
        if result.skipped:
            run.skipped.append(InternalError(result.path, result.skipped, kind="skipped"))
            continue
        run.files_checked += 1
        run.findings.extend(result.findings)
        run.errors.extend(result.errors)
        if result.fixes_applied:
            run.fixes_applied += result.fixes_applied
            run.files_fixed += 1
        diff_text = result.facts.pop("__diff__", None)
        if diff_text:
            run.diffs.append(diff_text)
        facts[result.path] = result.facts  # empty for cache hits: their facts stay in the cache
    run.facts = facts
    if _has_project_rules(settings):
        found = _project_pass(settings, results, files, store, run, keys, jobs)
        checked = set(facts)
        run.findings.extend(f for f in found if f.path in checked)
    if store is not None:
        store.save()
        run.warnings.extend(store.warnings)
    run.sort()
    return run


def _unreadable(paths: List[str], settings: Settings) -> Dict[str, FileResult]:
    """The files the engine would skip before reading a byte (over the file's max-file-size, not
    a regular file), answered here with the engine's own reason (``read_bounded``'s): a run whose
    only misses are such files (never cached) imports no parser and starts no worker."""
    import stat

    from .config import settings_for
    from .safe_read import NotReadable, read_bounded

    out: Dict[str, FileResult] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue  # the engine reports it
        limit = settings_for(settings, path).max_file_size or None
        if stat.S_ISREG(st.st_mode) and (limit is None or st.st_size <= limit):
            continue
        try:
            read_bounded(path, limit)
        except NotReadable as exc:
            result = FileResult(display_path(path))
            result.skipped = str(exc)
            out[path] = result
        except OSError:
            pass  # the engine reports it
    return out


def _has_fix_to_apply(result: FileResult, settings: Settings) -> bool:
    return any(f.fix is not None and (f.fix.applicability == "safe" or settings.unsafe_fixes) for f in result.findings)


def file_key(selectors: "_Selectors", settings: Settings, path: str) -> str:
    """What, besides its content, a file's cached result depends on: the rules enabled for it,
    its roles (named directories change them), and a nested configuration's own settings."""
    selector, own = selectors.of(path)
    return ",".join(sorted(selector.enabled_for(path))) + "|" + ",".join(
        sorted(selector.roles.classify(path).roles)) + ("" if own is settings else "|" + own.fingerprint())


class _Selectors:
    """One Selector per configuration: a file's rules follow the configuration closest to it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_settings: Dict[int, Selector] = {}
        self.contexts: Dict[int, str] = {}

    def context(self, path: str) -> str:
        """A digest of everything besides the path that ``file_key`` reads: the file's own
        configuration (selection, per-file-ignores, roles), its root and the named directories."""
        _, own = self.of(path)
        digest = self.contexts.get(id(own))
        if digest is None:
            import hashlib

            text = repr((own.root, tuple(own.named_dirs), own.fingerprint(), own is self.settings))
            digest = self.contexts[id(own)] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return digest

    def of(self, path: str):
        from .config import settings_for

        own = settings_for(self.settings, path)
        selector = self.by_settings.get(id(own))
        if selector is None:
            selector = self.by_settings[id(own)] = Selector(own)
        return selector, own


def _nested_excludes(files: List[str], paths: Sequence[str], settings: Settings) -> List[str]:
    """Drop files that their own (nested) configuration excludes, unless named on the command line."""
    from .config import settings_for

    named = {os.path.abspath(p) for p in paths}
    kept = []
    discoveries: Dict[int, Discovery] = {}
    for path in files:
        own = settings_for(settings, path)
        if own is not settings and os.path.abspath(path) not in named:
            discovery = discoveries.get(id(own))
            if discovery is None:
                discovery = discoveries[id(own)] = Discovery(own)
            if discovery.excluded(path, False) or discovery._excluded_with_parents(path):
                continue
        kept.append(path)
    return kept


def _run_files(files: List[str], settings: Settings, fix: bool, diff: bool, jobs: int,
               progress: Optional[Callable[[int, int], None]] = None) -> List[FileResult]:
    """Check ``files``: in this process with ``jobs == 1``, else in a watchdog pool."""
    if jobs <= 1:
        from .engine import check_chunk, init_worker

        init_worker(settings)
        out = []
        for path in files:
            out.extend(check_chunk(([path], fix, diff)))
            if progress is not None:
                progress(len(out), len(files))
        return out
    # load the parser and build the linter (every rule module imported, option tables made)
    # before the workers fork: they inherit it instead of each doing it again, and no worker
    # imports libcst inside its first file's file-timeout (on a loaded machine a small file
    # would be skipped as "too slow")
    from .engine import init_worker
    from .pool import run_pool

    init_worker(settings)
    return run_pool(files, settings, fix, diff, jobs, progress)


def _project_pass(settings: Settings, results: List[FileResult], files: List[str], store, run: RunResult,
                  keys: Optional[Dict[str, str]] = None, jobs: int = 1) -> List[Finding]:
    """Cross-file findings over the whole project (not only the files named in this run).

    With a cache, the facts of unchanged files that were not named come from it, and when every
    file's facts are the same as last time the previous findings are reused without loading
    any facts at all. Findings are returned for every file; the caller keeps the checked ones.
    """
    if store is None:
        return _project_findings(settings, {r.path: r.facts for r in results if not r.skipped}, run)
    hashes: Dict[str, str] = {}
    origin: Dict[str, str] = {}  # display path -> absolute path, for facts kept in the cache
    for path, result in zip(_result_paths(results, files), results):
        if result.skipped or result.facts_hash is None:
            continue
        hashes[result.path] = result.facts_hash
        if result.facts_cached:
            origin[result.path] = os.path.abspath(path)
    checked = {os.path.abspath(p) for p in files}
    for path, digest in store.other_fact_hashes(checked, settings.max_file_size or None).items():
        shown = display_path(path)
        if shown not in hashes:
            hashes[shown] = digest
            origin[shown] = path
    import hashlib
    import json

    key = hashlib.sha256(json.dumps(sorted(hashes.items())).encode()).hexdigest()
    cached = store.project_findings(key, display_path)
    if cached is not None:
        return cached
    project_facts: Dict[str, Dict[str, Any]] = {}
    for result in results:
        if not result.skipped and not result.facts_cached:
            project_facts[result.path] = result.facts
    lost: Dict[str, str] = {}
    for shown, path in origin.items():
        kept = store.facts_of(path)
        if kept is not None:
            project_facts[shown] = kept
        else:
            lost[shown] = path
    if lost:
        # facts the cache should have but has not (damaged, deleted): computed again, never
        # left out; a project pass over part of the project would silently lose findings
        _recompute_facts(settings, store, lost, project_facts, hashes, keys or {}, jobs)
    errors_before = len(run.errors)
    found = _project_findings(settings, project_facts, run)
    if len(run.errors) == errors_before and len(project_facts) == len(hashes):
        store.store_project(key, found)
    return found


def _recompute_facts(settings: Settings, store, lost: Dict[str, str], project_facts: Dict[str, Dict[str, Any]],
                     hashes: Dict[str, str], keys: Dict[str, str], jobs: int) -> None:
    paths = list(lost.values())
    selector = None
    for path, result in zip(paths, _run_files(paths, settings, False, False, jobs)):
        shown = display_path(path)
        if result.skipped or result.errors:
            hashes.pop(shown, None)  # as for a file skipped in this run
            continue
        project_facts[shown] = result.facts
        hashes[shown] = result.facts_hash or hashes.get(shown, "")
        key = keys.get(path)
        if key is None:
            if selector is None:
                selector = Selector(settings)
            key = ",".join(sorted(selector.enabled_for(path))) + "|" + ",".join(
                sorted(selector.roles.classify(path).roles))
        store.store(path, key, result)


def _result_paths(results: List[FileResult], files: List[str]) -> List[str]:
    """The real path of each result (results hold display paths)."""
    by_shown = {display_path(p): p for p in files}
    return [by_shown.get(r.path, r.path) for r in results]


def _has_project_rules(settings: Settings) -> bool:
    rules = registry.all_rules()
    return any(hasattr(rules[c], "check_project") for c in settings.enabled)


def _project_findings(settings: Settings, facts: Dict[str, Dict[str, Any]], run: RunResult) -> List[Finding]:
    """Run every enabled cross-file rule over ``facts``; apply selection and suppressions."""
    rules = registry.all_rules()
    project_rules = [rules[c] for c in sorted(settings.enabled) if hasattr(rules[c], "check_project")]
    found: List[Finding] = []
    if not project_rules:
        return found
    index = ProjectIndex(facts)
    selectors = _Selectors(settings)
    for rule in project_rules:
        try:
            reports: List[ProjectReport] = list(rule.check_project(index, settings.options_for(rule.code)))
        except Exception as exc:
            run.errors.append(InternalError("<project>", f"{rule.name} raised {type(exc).__name__}: {exc}", rule=rule.code))
            continue
        for rep in reports:
            if rule.code not in selectors.of(rep.path)[0].enabled_for(rep.path):
                continue
            sups = facts.get(rep.path, {}).get("__suppressions__", [])
            if any(
                rule.code in codes and (kind == "file" or line == rep.start_line or (own and line == rep.start_line - 1))
                for line, own, kind, codes in sups
            ):
                continue
            found.append(
                Finding(rule.code, rule.name, rule.category, rep.severity or rule.severity, rep.path, rep.start_line,
                        rep.start_column, rep.end_line, rep.end_column, rep.message, None, rep.snippet)
            )
    return found
