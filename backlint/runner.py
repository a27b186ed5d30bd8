"""The run: discovery, the results cache, worker processes, project rules.

Imports no libcst: a run whose files are all answered by the cache never loads the parser. The
per-file work is in engine.py, imported only when some file has to be checked.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Dict, List, Optional, Sequence

from . import registry
from .config import Settings
from .discovery import Discovery, display_path
from .findings import FileResult, Finding, InternalError, RunResult
from .project import ProjectIndex, ProjectReport
from .fsutil import write_atomic  # noqa: F401  (re-exported for the CLI)
from .selection import Selector


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cache_directory(settings: Settings) -> str:
    return settings.cache_dir or os.path.join(settings.root, ".backlint_cache")


def check(
    paths: Sequence[str],
    settings: Settings,
    fix: bool = False,
    diff: bool = False,
    jobs: Optional[int] = None,
    cache: bool = False,
) -> RunResult:
    """Check ``paths``. With ``cache``, unchanged files are answered from the results cache."""
    run = RunResult()
    files, missing = Discovery(settings).files(list(paths))
    for path, problem in missing:
        run.errors.append(InternalError(display_path(path), problem, kind="io-error"))
    jobs = jobs or default_jobs()
    store = None
    results: List[FileResult] = []
    todo = files
    keys: Dict[str, str] = {}
    if cache and not (fix or diff):
        from .cache import Cache

        store = Cache(cache_directory(settings), settings.fingerprint())
        selector = Selector(settings)
        todo = []
        for path in files:
            keys[path] = ",".join(sorted(selector.enabled_for(path)))
            hit = store.lookup(path, display_path(path), keys[path])
            if hit is not None:
                results.append(hit)
            else:
                todo.append(path)
        run.cache_hits = len(results)
    fresh = _run_files(todo, settings, fix, diff, jobs) if todo else []
    if store is not None:
        for path, result in zip(todo, fresh):
            store.store(path, keys[path], result)
        store.save()
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
        facts[result.path] = result.facts
    run.facts = facts
    project_facts = facts
    if store is not None and _has_project_rules(settings):
        checked = {os.path.abspath(p) for p in files}
        extra = {display_path(p): f for p, f in store.other_facts(checked).items()}
        if extra:
            project_facts = {**extra, **facts}
    _run_project_rules(settings, project_facts, run, report_for=set(facts))
    run.sort()
    return run


def _run_files(files: List[str], settings: Settings, fix: bool, diff: bool, jobs: int) -> List[FileResult]:
    """Check ``files``: in this process with ``jobs == 1``, else in a watchdog pool."""
    if jobs <= 1:
        from .engine import check_chunk, init_worker

        init_worker(settings)
        return check_chunk((files, fix, diff))
    return _pool(files, settings, fix, diff, jobs)


class _Worker:
    def __init__(self, context, settings: Settings, fix: bool, diff: bool) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, settings, fix, diff), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.index: Optional[int] = None
        self.started = 0.0

    def give(self, index: int, path: str) -> None:
        import time

        self.index = index
        self.started = time.monotonic()
        self.conn.send(path)

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        self.conn.close()


def _worker_main(conn, settings: Settings, fix: bool, diff: bool) -> None:
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    from .engine import check_chunk, init_worker

    init_worker(settings)
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        conn.send(check_chunk(([path], fix, diff))[0])


def _pool(files: List[str], settings: Settings, fix: bool, diff: bool, jobs: int) -> List[FileResult]:
    """One file at a time per worker process, with a per-file deadline.

    A worker that crashes (the native parser can) or overruns ``file-timeout`` is killed and
    replaced; its file is reported and every other file is still checked. Results come back in
    the order of ``files`` whatever the scheduling, so output is identical to ``-j 1``.
    """
    import multiprocessing
    import time
    from multiprocessing.connection import wait

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    results: List[Optional[FileResult]] = [None] * len(files)
    queue = list(range(len(files) - 1, -1, -1))  # pop() from the end: files in order
    workers = [_Worker(context, settings, fix, diff) for _ in range(min(jobs, len(files)))]
    timeout = settings.file_timeout

    def feed(worker: _Worker) -> None:
        if queue:
            index = queue.pop()
            worker.give(index, files[index])
        else:
            worker.index = None

    def replace(worker: _Worker) -> _Worker:
        worker.stop(kill=True)
        fresh = _Worker(context, settings, fix, diff)
        workers[workers.index(worker)] = fresh
        return fresh

    try:
        for worker in workers:
            feed(worker)
        while any(w.index is not None for w in workers):
            busy = [w for w in workers if w.index is not None]
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + timeout for w in busy) - now)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            now = time.monotonic()
            for worker in busy:
                index = worker.index
                assert index is not None
                shown = display_path(files[index])
                if worker.conn in ready or worker.conn.poll():
                    try:
                        results[index] = worker.conn.recv()
                        feed(worker)
                        continue
                    except (EOFError, OSError):
                        pass  # died while answering: handled as a crash below
                if worker.conn in ready or worker.process.sentinel in ready:
                    worker.process.join(timeout=1)
                    code = worker.process.exitcode
                    crashed = FileResult(shown)
                    crashed.errors.append(InternalError(
                        shown, f"the worker checking this file died (exit code {code}); "
                        "the file was not checked; please report this file to backlint"))
                    results[index] = crashed
                    feed(replace(worker))
                elif now - worker.started >= timeout:
                    late = FileResult(shown)
                    late.skipped = f"skipped: checking took longer than file-timeout ({timeout:g} s)"
                    results[index] = late
                    feed(replace(worker))
    finally:
        for worker in workers:
            worker.stop(kill=any(r is None for r in results))
    return [r for r in results if r is not None]


def _has_project_rules(settings: Settings) -> bool:
    rules = registry.all_rules()
    return any(hasattr(rules[c], "check_project") for c in settings.enabled)


def _run_project_rules(settings: Settings, facts: Dict[str, Dict[str, Any]], run: RunResult,
                       report_for: Optional[set] = None) -> None:
    """Run cross-file rules over ``facts``; report only on files in ``report_for`` (the checked ones)."""
    rules = registry.all_rules()
    project_rules = [rules[c] for c in sorted(settings.enabled) if hasattr(rules[c], "check_project")]
    if not project_rules:
        return
    index = ProjectIndex(facts)
    selector = Selector(settings)
    for rule in project_rules:
        try:
            reports: List[ProjectReport] = list(rule.check_project(index, settings.options_for(rule.code)))
        except Exception as exc:
            run.errors.append(InternalError("<project>", f"{rule.name} raised {type(exc).__name__}: {exc}", rule=rule.code))
            continue
        for rep in reports:
            if report_for is not None and rep.path not in report_for:
                continue
            if rule.code not in selector.enabled_for(rep.path):
                continue
            sups = facts.get(rep.path, {}).get("__suppressions__", [])
            if any(
                rule.code in codes and (kind == "file" or line == rep.start_line or (own and line == rep.start_line - 1))
                for line, own, kind, codes in sups
            ):
                continue
            run.findings.append(
                Finding(rule.code, rule.name, rule.category, rep.severity or rule.severity, rep.path, rep.start_line,
                        rep.start_column, rep.end_line, rep.end_column, rep.message, None, rep.snippet)
            )
