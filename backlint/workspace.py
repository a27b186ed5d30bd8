"""A project held in memory, for checks of text that is not (yet) on disk: stdin and the editor.

``Workspace.load()`` checks the project once (answered from the results cache when it is warm)
and keeps each file's own findings and cross-file facts. ``update(path, data)`` re-checks one
file from the given bytes, as if it were at ``path``: its configuration, per-file-ignores and
roles are those of ``path``, and the cross-file rules see its new facts beside every other
file's, so an edit in ``models.py`` changes N+1 findings in ``views.py``. No libcst here until a
file has to be checked.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

from .config import Settings, settings_for
from .discovery import Discovery, display_path
from .findings import FileResult, Finding, RunResult


class Workspace:
    def __init__(self, settings: Settings, paths: Sequence[str] = (".",)) -> None:
        self.settings = settings
        self.paths = list(paths)
        self.results: Dict[str, FileResult] = {}  # display path -> the file's own result
        self.facts: Dict[str, Dict] = {}  # display path -> facts (what ProjectIndex reads)
        self.project: List[Finding] = []
        self.errors: List = []
        self._linters: Dict[int, object] = {}
        self._stale = True

    # -- loading ------------------------------------------------------------------------------
    def load(self, jobs: Optional[int] = None, use_cache: bool = True) -> None:
        """Check every file of the project once; keep per-file results and facts."""
        from . import runner

        files, _missing = Discovery(self.settings).files(self.paths)
        if self.settings.hierarchical:
            files = runner._nested_excludes(files, self.paths, self.settings)
        if use_cache and not self.settings.no_cache:
            from .cache import Cache

            runner.check(self.paths, self.settings, jobs=jobs, cache=True)  # fills the cache
            store = Cache(runner.cache_directory(self.settings), self.settings.fingerprint())
            selectors = runner._Selectors(self.settings)
            for path in files:
                hit = store.lookup(path, display_path(path), runner.file_key(selectors, self.settings, path))
                facts = store.facts_of(path) if hit is not None else None
                if hit is None or facts is None:
                    self._check_disk(path)
                    continue
                hit.facts = facts
                self.results[hit.path] = hit
                self.facts[hit.path] = facts
        else:
            for path in files:
                self._check_disk(path)
        self.recompute()

    def _linter(self, path: str):
        from .engine import Linter

        own = settings_for(self.settings, path)
        linter = self._linters.get(id(own))
        if linter is None:
            linter = self._linters[id(own)] = Linter(own)
        return linter

    def _check_disk(self, path: str) -> None:
        result = self._linter(path).check_path(path)
        self._keep(result)

    def _keep(self, result: FileResult) -> None:
        self.results[result.path] = result
        before = self.facts.get(result.path)
        if result.skipped:
            self.facts.pop(result.path, None)
        else:
            self.facts[result.path] = result.facts
        if self.facts.get(result.path) != before:
            self._stale = True  # cross-file results must be computed again

    # -- edits --------------------------------------------------------------------------------
    def update(self, path: str, data: bytes, fix: bool = False) -> FileResult:
        """Check ``data`` as the content of ``path``; cross-file results follow (call ``recompute``)."""
        shown = display_path(path)
        result = self._linter(path).check_source(shown, data, os.path.abspath(path), apply_fixes=fix)
        self._keep(result)
        return result

    def forget(self, path: str) -> None:
        shown = display_path(path)
        self.results.pop(shown, None)
        if self.facts.pop(shown, None) is not None:
            self._stale = True

    def recompute(self, force: bool = False) -> None:
        """Cross-file findings over the current facts of every file (only when some file's facts
        changed since the last time: an edit inside a function body usually changes none)."""
        from . import runner

        if not (self._stale or force):
            return
        self._stale = False
        run = RunResult()
        if runner._has_project_rules(self.settings):
            self.project = runner._project_findings(self.settings, dict(self.facts), run)
        else:
            self.project = []
        self.errors = run.errors

    def findings_for(self, path: str) -> List[Finding]:
        shown = display_path(path)
        own = self.results.get(shown)
        found = list(own.findings) if own is not None else []
        found += [f for f in self.project if f.path == shown]
        found.sort(key=Finding.sort_key)
        return found

    def run_result(self, paths: Sequence[str]) -> RunResult:
        """A RunResult for ``paths`` (display paths) as the reporters expect it."""
        run = RunResult()
        for path in paths:
            result = self.results.get(display_path(path))
            if result is None:
                continue
            if result.skipped:
                from .findings import InternalError

                run.skipped.append(InternalError(result.path, result.skipped, kind="skipped"))
                continue
            run.files_checked += 1
            run.findings.extend(self.findings_for(path))
            run.errors.extend(result.errors)
        run.errors.extend(self.errors)
        run.sort()
        return run
