"""``--since REF``: which lines were added or changed since a git revision.

Compares REF with the working tree (``git diff --unified=0 -M REF``, so uncommitted edits count
and renamed files keep only their edited lines). A file that git does not track (untracked, or
outside the repository) counts as changed everywhere. Paths are compared as real absolute paths.
"""
from __future__ import annotations

import bisect
import functools
import os
import re
import subprocess
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .findings import PARSE_ERROR_CODE, Finding

_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {
    ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13,
    ord('"'): 34, ord("\\"): 92,
}
# settings that would change the diff's shape; everything else in the user's config is harmless
_GIT_CONFIG = ("core.quotePath=false", "diff.relative=false", "diff.noprefix=false", "diff.mnemonicPrefix=false")
# settings that make git run a command: a checkout being linted may be untrusted, and its
# .git/config and .gitattributes must not run anything (issue #24 item 7)
_NO_COMMANDS = (
    ("core.fsmonitor", "false"), ("diff.external", ""), ("core.pager", "cat"), ("core.hooksPath", os.devnull),
    ("core.askPass", ""), ("core.sshCommand", ""), ("credential.helper", ""),
)
# what an environment variable could otherwise run
_DROPPED_ENV = ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND")
_DRIVER_KEYS = {"filter": ("clean", "smudge", "process"), "diff": ("command", "textconv")}


class GitError(Exception):
    """Not a git repository, an unknown revision, or git itself failed (exit code 2)."""


def _git(args: Sequence[str], cwd: str) -> bytes:
    command = ["git"]
    for item in _GIT_CONFIG:
        command += ["-c", item]
    command += list(args)
    overrides = list(_NO_COMMANDS) + list(_driver_overrides(cwd))
    env = _environment(overrides)
    proc = _run(command, cwd, env)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[0] if message else f"git {args[0]} failed with exit code {proc.returncode}")
    return proc.stdout


def _run(command: List[str], cwd: str, env: Dict[str, str]) -> "subprocess.CompletedProcess[bytes]":
    try:
        return subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, env=env)
    except FileNotFoundError:
        raise GitError("--since needs git, and `git` was not found on PATH") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None


def _environment(overrides: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    """The environment git runs in: no system config, no command-running variables, and
    ``overrides`` passed as GIT_CONFIG_KEY_n/VALUE_n (no quoting problems with odd names)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV and not k.startswith("GIT_CONFIG_")}
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    for i, (key, value) in enumerate(overrides):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(len(overrides))
    return env


@functools.lru_cache(maxsize=8)
def _driver_overrides(cwd: str) -> List[Tuple[str, str]]:
    """Empty every filter and diff driver command the configuration defines.

    ``.gitattributes`` in the checkout chooses a driver by name; git runs it only if some config
    file defines its command, so emptying each defined one disables them all (an empty command
    is "no command" to git). Reading the configuration runs nothing.
    """
    proc = _run(["git", "config", "--null", "--list"], cwd, _environment(list(_NO_COMMANDS)))
    if proc.returncode != 0:
        return []
    out: List[Tuple[str, str]] = []
    seen: Set[Tuple[str, str]] = set()
    for entry in proc.stdout.split(b"\0"):
        key = entry.split(b"\n", 1)[0].decode("utf-8", "surrogateescape")
        section, _, rest = key.partition(".")
        name, _, variable = rest.rpartition(".")
        section = section.lower()
        if section in _DRIVER_KEYS and name and (section, name) not in seen:
            seen.add((section, name))
            out.extend((f"{section}.{name}.{v}", "") for v in _DRIVER_KEYS[section])
            if section == "filter":
                out.append((f"filter.{name}.required", "false"))
    return out


def _unquote(name: bytes) -> bytes:
    """Undo git's C-style quoting of a path (``"a\\tb"``, octal escapes for other bytes)."""
    if not (len(name) >= 2 and name[:1] == b'"' and name[-1:] == b'"'):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == 92 and i + 1 < len(body):  # backslash
            nxt = body[i + 1]
            if i + 4 <= len(body) and all(48 <= c <= 55 for c in body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return bytes(out)


def _decode(path: bytes) -> str:
    return os.fsdecode(path)


def parse_diff(output: bytes) -> Dict[str, List[Tuple[int, int]]]:
    """``git diff --unified=0`` output -> {new path: [(first, last) added line ranges]}.

    Hunk bodies are skipped by their line counts, so an added line that happens to start with
    ``++ `` or ``@@`` is never mistaken for a header.
    """
    changed: Dict[str, List[Tuple[int, int]]] = {}
    current: Optional[str] = None
    lines = output.split(b"\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            name = line[4:]
            if name.endswith(b"\t"):  # git ends names that contain a space with a tab
                name = name[:-1]
            name = _unquote(name)
            if name == b"/dev/null":
                current = None
            else:
                current = _decode(name[2:] if name.startswith(b"b/") else name)
                changed.setdefault(current, [])
        else:
            match = _HUNK_RE.match(line)
            if not match:
                continue
            old_count = int(match.group(2)) if match.group(2) is not None else 1
            new_start = int(match.group(3))
            new_count = int(match.group(4)) if match.group(4) is not None else 1
            if current is not None and new_count > 0:
                changed[current].append((new_start, new_start + new_count - 1))
            remaining = old_count + new_count
            while remaining > 0 and i < len(lines):
                body = lines[i]
                i += 1
                if body.startswith(b"\\"):  # "\ No newline at end of file"
                    continue
                remaining -= 1
    return changed


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


class ChangedLines:
    """What changed since the revision; decides which findings ``--since`` keeps."""

    def __init__(self, top: str, changed: Dict[str, List[Tuple[int, int]]], tracked: Set[str]) -> None:
        self.top = _real(top)
        self.changed: Dict[str, Tuple[List[int], List[int]]] = {}
        for rel, ranges in changed.items():
            merged = sorted(ranges)
            self.changed[_real(os.path.join(top, rel))] = ([a for a, _ in merged], [b for _, b in merged])
        self.tracked = {_real(os.path.join(top, rel)) for rel in tracked}

    def _inside(self, path: str) -> bool:
        return path == self.top or path.startswith(self.top.rstrip(os.sep) + os.sep)

    def status(self, path: str) -> str:
        """``outside`` | ``untracked`` | ``changed`` | ``unchanged`` for a file path."""
        real = _real(path)
        if not self._inside(real):
            return "outside"
        if real in self.changed and self.changed[real][0]:
            return "changed"
        if real in self.tracked:
            return "unchanged"
        return "untracked"

    def overlaps(self, path: str, first: int, last: int) -> bool:
        """Whether lines ``first..last`` touch an added line (hunks are sorted and disjoint)."""
        starts, ends = self.changed.get(_real(path), ([], []))
        index = bisect.bisect_left(ends, first)
        return index < len(starts) and starts[index] <= last

    def keeps(self, finding: Finding) -> bool:
        status = self.status(finding.path)
        if status in ("outside", "untracked"):
            return True
        if status == "unchanged":
            return False
        if finding.code == PARSE_ERROR_CODE:  # where the parser gives up is not where the edit was
            return True
        return self.overlaps(finding.path, finding.start_line, max(finding.start_line, finding.end_line))


class Revision:
    """A git revision to compare the working tree with, validated up front."""

    def __init__(self, ref: str, start: str = ".") -> None:
        if not ref or ref.startswith("-"):
            raise GitError(f"--since: invalid revision {ref!r}")
        directory = os.path.abspath(start)
        if not os.path.isdir(directory):
            directory = os.path.dirname(directory) or "."
        if not os.path.isdir(directory):
            directory = os.getcwd()
        try:
            top = os.fsdecode(_git(["rev-parse", "--show-toplevel"], directory).rstrip(b"\r\n"))
        except GitError as exc:
            raise GitError(f"--since {ref}: {directory} is not inside a git work tree ({exc})") from None
        if not top:
            raise GitError(f"--since {ref}: {directory} is not inside a git work tree")
        self.ref = ref
        self.top = top
        try:
            sha = _git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], self.top)
        except GitError:
            sha = b""
        self.commit = sha.decode("ascii", "replace").strip()
        if not self.commit:
            raise GitError(
                f"--since {ref}: unknown revision (in a shallow CI checkout, fetch it first, "
                f"e.g. actions/checkout with `fetch-depth: 0`)"
            )

    def changed_lines(self) -> ChangedLines:
        diff = _git(
            ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "-M",
             "--src-prefix=a/", "--dst-prefix=b/", self.commit, "--"],
            self.top,
        )
        tracked_raw = _git(["ls-files", "-z", "--cached"], self.top)
        tracked = {_decode(p) for p in tracked_raw.split(b"\0") if p}
        return ChangedLines(self.top, parse_diff(diff), tracked)
