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


_GLOBAL_EXCLUDES: Optional[List[str]] = None


def _global_excludes_path() -> Optional[str]:
    """git's core.excludesFile: from the user's global git config, else $XDG_CONFIG_HOME/git/ignore.

    Only the global (user) configuration is read, never the repository's, and nothing is run but
    `git config --global`, which executes no repository hooks, filters or fsmonitor.
    """
    import subprocess

    configured = None
    try:
        proc = subprocess.run(["git", "config", "--global", "--path", "--get", "core.excludesFile"],
                              capture_output=True, text=True, timeout=5, cwd=os.path.expanduser("~"),
                              stdin=subprocess.DEVNULL)
        if proc.returncode == 0 and proc.stdout.strip():
            configured = proc.stdout.strip()
    except (OSError, subprocess.SubprocessError, ValueError):
        configured = None
    if configured:
        return os.path.expanduser(configured)
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "git", "ignore")


def _global_excludes() -> List[str]:
    global _GLOBAL_EXCLUDES
    if _GLOBAL_EXCLUDES is None:
        lines: List[str] = []
        path = _global_excludes_path()
        if path:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
            except OSError:
                lines = []
        _GLOBAL_EXCLUDES = lines
    return _GLOBAL_EXCLUDES


class _GitIgnore:
    """.gitignore files from the repository root down, each anchored at its own directory.

    Verdicts for directories are memoized: a path's verdict depends only on its own name and the
    chain of directories above it, and a walk asks about siblings in the same directory.
    """

    def __init__(self) -> None:
        self._specs: Dict[str, Optional[pathspec.GitIgnoreSpec]] = {}
        self._roots: Dict[str, Optional[str]] = {}
        self._chains: Dict[str, List[str]] = {}

    def _git_root(self, directory: str) -> Optional[str]:
        if directory not in self._roots:
            if os.path.exists(os.path.join(directory, ".git")):
                root: Optional[str] = directory
            else:
                parent = os.path.dirname(directory)
                root = None if parent == directory else self._git_root(parent)
            self._roots[directory] = root
        return self._roots[directory]

    def _chain(self, directory: str, top: str) -> List[str]:
        """Directories from ``top`` down to ``directory`` that have ignore rules."""
        chain = self._chains.get(directory)
        if chain is None:
            if directory == top:
                above: List[str] = []
            else:
                parent = os.path.dirname(directory)
                above = [] if parent == directory else self._chain(parent, top)
            chain = above + ([directory] if self._load(directory) is not None else [])
            self._chains[directory] = chain
        return chain

    def _load(self, directory: str) -> Optional[pathspec.GitIgnoreSpec]:
        if directory not in self._specs:
            spec = None
            lines: List[str] = []
            names = [".gitignore", os.path.join(".git", "info", "exclude")]
            if os.path.exists(os.path.join(directory, ".git")):
                # git's own order: core.excludesFile first (lowest precedence), anchored at the top
                lines.extend(_global_excludes())
            for name in names:
                try:
                    with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                        lines.extend(fh.read().splitlines())
                except OSError:
                    pass
            if lines:
                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._specs[directory] = spec
        return self._specs[directory]

    def ignored(self, path: str, is_dir: bool) -> bool:
        path = os.path.abspath(path)
        directory = os.path.dirname(path)
        top = self._git_root(directory)
        if top is None:
            return False
        verdict = False
        for base in self._chain(directory, top):  # outermost first, inner files override
            spec = self._specs[base]
            assert spec is not None
            rel = os.path.relpath(path, base).replace(os.sep, "/")
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
        # Plain names (".venv") and "*.suffix" patterns are answered by a set lookup and an
        # endswith; only the other patterns go through pathspec (one regex per pattern per entry).
        # A walk prunes excluded directories, so matching each entry's own name is equivalent.
        names, suffixes, others = set(), [], []
        for pattern in tuple(settings.exclude) + tuple(settings.extend_exclude):
            if not any(c in pattern for c in "*?[]!/\\"):
                names.add(pattern)
            elif pattern.startswith("*") and not any(c in pattern[1:] for c in "*?[]!/\\"):
                suffixes.append(pattern[1:])
            else:
                others.append(pattern)
        self.names = names
        self.suffixes = tuple(suffixes)
        self.exclude = _spec(others) if others else None
        self.gitignore = _GitIgnore() if settings.respect_gitignore else None
        # directories a walk could not list: (path, reason); the run reports them as skipped
        self.unreadable: List[Tuple[str, str]] = []

    def excluded(self, path: str, is_dir: bool, anchor: Optional[str] = None, use_gitignore: bool = True) -> bool:
        name = os.path.basename(path)
        if name in self.names or (self.suffixes and name.endswith(self.suffixes)):
            return True
        if self.exclude is not None:
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
        real_dirs: Dict[str, str] = {}
        for given in paths:
            if not os.path.lexists(given):
                problems.append((given, "no such file or directory"))
                continue
            if os.path.isdir(given):
                for path in self._walk(given):
                    key = _realpath(path, real_dirs)
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
            except OSError as exc:
                self.unreadable.append((directory, exc.strerror or str(exc)))
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


def _realpath(path: str, real_dirs: Dict[str, str]) -> str:
    """``os.path.realpath(path)`` for a path the walk found: its directory resolved once for all
    its files, then one ``lstat`` per file (a link is resolved in full, as before)."""
    head, tail = os.path.split(path)
    if not head or not tail or tail in (".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    real = real_dirs.get(head)
    if real is None:
        real = real_dirs[head] = os.path.realpath(head)
    return os.path.join(real, tail)


def display_path(path: str) -> str:
    """Paths in output: relative to the working directory when below it, "/" separators."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute.startswith(cwd) and absolute[len(cwd):len(cwd) + 1] == os.sep and cwd != os.sep:
        rel = absolute[len(cwd) + 1:]  # what relpath answers for a normalized path below cwd
    else:
        rel = os.path.relpath(absolute, cwd)
    if not rel.startswith(".."):
        return rel.replace(os.sep, "/")
    return absolute.replace(os.sep, "/")
