"""Which files to check: ``.py``/``.pyi`` under the given paths, minus excluded and git-ignored ones.

Files named explicitly are always checked (pre-commit passes file names) unless ``force-exclude``.
Directory symlinks are not followed (no loops); a directory named ``x.py`` is a directory.
"""
from __future__ import annotations

import os
from typing import Dict, Iterator, List, Optional, Tuple

import pathspec

from .config import Settings

PY_SUFFIXES = (".py", ".pyi")


def _spec(patterns) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", list(patterns))


def _relative(path: str, root: str) -> Optional[str]:
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        return None
    return rel.replace(os.sep, "/")


def _git_root(start: str) -> Optional[str]:
    here = start
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


class _GitIgnore:
    """.gitignore files from the repository root down, each anchored at its own directory."""

    def __init__(self) -> None:
        self._cache: Dict[str, Optional[pathspec.GitIgnoreSpec]] = {}

    def _load(self, directory: str) -> Optional[pathspec.GitIgnoreSpec]:
        if directory not in self._cache:
            spec = None
            lines: List[str] = []
            for name in (".gitignore", os.path.join(".git", "info", "exclude")):
                try:
                    with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                        lines.extend(fh.read().splitlines())
                except OSError:
                    pass
            if lines:
                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._cache[directory] = spec
        return self._cache[directory]

    def ignored(self, path: str, is_dir: bool) -> bool:
        path = os.path.abspath(path)
        top = _git_root(os.path.dirname(path))
        if top is None:
            return False
        directory = os.path.dirname(path)
        chain = []
        while True:
            chain.append(directory)
            if directory == top:
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        verdict = False
        for directory in reversed(chain):  # outermost first, inner files override
            spec = self._load(directory)
            if spec is None:
                continue
            rel = os.path.relpath(path, directory).replace(os.sep, "/")
            if is_dir:
                rel += "/"
            result = spec.check_file(rel)
            if result.include is not None:
                verdict = bool(result.include)
        return verdict


class Discovery:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.root
        self.exclude = _spec(tuple(settings.exclude) + tuple(settings.extend_exclude))
        self.gitignore = _GitIgnore() if settings.respect_gitignore else None

    def excluded(self, path: str, is_dir: bool, anchor: Optional[str] = None, use_gitignore: bool = True) -> bool:
        name = os.path.basename(path)
        rel = _relative(os.path.abspath(path), anchor or self.root)
        candidates = [name + ("/" if is_dir else "")]
        if rel is not None and rel != ".":
            candidates.append(rel + ("/" if is_dir else ""))
        if any(self.exclude.match_file(c) for c in candidates):
            return True
        if is_dir and os.path.isfile(os.path.join(path, "pyvenv.cfg")):
            return True  # a virtualenv, whatever its name
        if use_gitignore and self.gitignore is not None and self.gitignore.ignored(path, is_dir):
            return True
        return False

    def files(self, paths: List[str]) -> Tuple[List[str], List[Tuple[str, str]]]:
        """(files to check, [(path, problem)] for paths that do not exist)."""
        found: List[str] = []
        problems: List[Tuple[str, str]] = []
        seen = set()
        for given in paths:
            if not os.path.lexists(given):
                problems.append((given, "no such file or directory"))
                continue
            if os.path.isdir(given):
                for path in self._walk(given):
                    key = os.path.realpath(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(path)
            else:
                if self.settings.force_exclude and self._excluded_with_parents(given):
                    continue
                key = os.path.realpath(given)
                if key not in seen:
                    seen.add(key)
                    found.append(given)
        return found, problems

    def _excluded_with_parents(self, path: str) -> bool:
        path = os.path.abspath(path)
        if self.excluded(path, False):
            return True
        parent = os.path.dirname(path)
        while parent and parent != os.path.dirname(parent):
            rel = _relative(parent, self.root)
            if rel is None or rel == ".":
                break
            if self.excluded(parent, True):
                return True
            parent = os.path.dirname(parent)
        return False

    def _walk(self, top: str) -> Iterator[str]:
        # A directory named on the command line is checked even if it is excluded itself; its
        # contents are then matched relative to it, so the exclusion of the directory as a whole
        # does not leak into everything below it.
        anchor: Optional[str] = None
        use_gitignore = True
        absolute_top = os.path.abspath(top)
        if self.excluded(absolute_top, True, use_gitignore=False):
            anchor = absolute_top
        if self.gitignore is not None and self.gitignore.ignored(absolute_top, True):
            use_gitignore = False
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            subdirs = []
            for entry in entries:
                path = entry.path
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if not self.excluded(path, True, anchor, use_gitignore):
                        subdirs.append(path)
                elif is_file and entry.name.endswith(PY_SUFFIXES):  # broken links are skipped
                    if not self.excluded(path, False, anchor, use_gitignore):
                        yield path
            stack.extend(reversed(subdirs))


def display_path(path: str) -> str:
    """Paths in output: relative to the working directory when below it, "/" separators."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, os.getcwd())
    if not rel.startswith(".."):
        return rel.replace(os.sep, "/")
    return absolute.replace(os.sep, "/")
