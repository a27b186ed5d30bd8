"""Human output. Knows nothing about libcst.

- ``text`` (default): ``path:line:col: CODE [rule-name] (severity) [*] message``; ``[*]`` marks a
  fix that ``--fix`` applies (``[~]`` one that needs ``--unsafe-fixes``);
- ``concise``: ``path:line:col: CODE message``, one short line per finding, for grep and editors;
- ``full``: the text line, then the source lines with the finding underlined and its fix.
"""
from __future__ import annotations

import collections
from typing import List, TextIO

from ..findings import RunResult
from ._safe import visible

_COLORS = {"path": "\x1b[1m", "code": "\x1b[31m", "name": "\x1b[2m", "reset": "\x1b[0m",
           "error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m", "frame": "\x1b[34m"}


def _mark(f, unsafe_fixes: bool) -> str:
    if f.fix is None:
        return ""
    return " [*]" if f.fix.applicability == "safe" or unsafe_fixes else " [~]"


def render(run: RunResult, out: TextIO, color: bool = False, quiet: bool = False, statistics: bool = False,
           mode: str = "text", unsafe_fixes: bool = False) -> None:
    def c(kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_COLORS['reset']}" if color else text

    if statistics:
        counts = collections.Counter((f.code, f.name) for f in run.findings)
        marks = {}
        for f in run.findings:
            mark = _mark(f, unsafe_fixes)
            if mark and marks.get(f.code) != " [*]":
                marks[f.code] = mark  # [*] when some finding of the rule has a safe fix
        for (code, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            mark = marks.get(code, "")
            out.write(f"{count:>6}  {c('code', code)}  {visible(name)}{mark}\n")
    elif mode == "concise":
        for f in run.findings:
            out.write(f"{c('path', visible(f.path))}:{f.start_line}:{f.start_column}: {c('code', f.code)} "
                      f"{visible(f.message)}\n")
    else:
        guard = None
        if mode == "full":
            from ..baseline import SecretGuard

            guard = SecretGuard(run.findings)  # source lines are shown: never a reported secret in them
        for f in run.findings:
            severity = f.severity.value
            out.write(
                f"{c('path', visible(f.path))}:{f.start_line}:{f.start_column}: {c('code', f.code)} "
                f"{c('name', '[' + visible(f.name) + ']')} ({c(severity, severity)}){_mark(f, unsafe_fixes)} "
                f"{visible(f.message)}\n"
            )
            if guard is not None:
                out.write(_frame(f, c, guard))
    if quiet:
        return
    out.write("\n".join(summary_lines(run, unsafe_fixes)) + "\n")


def _frame(f, c, guard) -> str:
    """The finding's source lines (at most 6) with a caret line under the reported columns, and
    its fix. Source that cannot be read (a deleted file, stdin) gives just the fix line."""
    lines = []
    try:
        with open(f.path, "rb") as fh:
            source = fh.read(4 * 1024 * 1024).decode("utf-8", "replace").splitlines()
    except OSError:
        source = []
    last = min(f.end_line, f.start_line + 5)
    width = len(str(last))
    for number in range(f.start_line, last + 1):
        if number - 1 >= len(source):
            break
        text = visible(guard.redact_in(source[number - 1].expandtabs(4), f.path), tabs=True)
        lines.append(f"  {c('frame', str(number).rjust(width) + ' |')} {text}")
        if number == f.start_line:
            start = max(0, f.start_column - 1)
            end = f.end_column - 1 if f.end_line == f.start_line else len(text)
            lines.append(f"  {' ' * width} {c('frame', '|')} {' ' * start}{c(f.severity.value, '^' * max(1, end - start))}")
    if f.fix is not None:
        kind = "fix" if f.fix.applicability == "safe" else "unsafe fix (--unsafe-fixes)"
        lines.append(f"  {' ' * width} = {kind}: {visible(f.fix.description)}")
    return "\n".join(lines) + "\n\n" if lines else "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_lines(run: RunResult, unsafe_fixes: bool = False) -> List[str]:
    """The closing summary. It never says "All checks passed" when a file could not be checked
    (an error, such as a path that does not exist or `-` with no stdin support) or was skipped."""
    lines: List[str] = []
    n = len(run.findings)
    checked = f"{_plural(run.files_checked, 'file')} checked"
    problems = []
    if run.errors:
        problems.append(f"{_plural(len(run.errors), 'error')} (see above)")
    if run.skipped:
        problems.append(f"{_plural(len(run.skipped), 'file')} skipped (see warnings)")
    if run.fixes_applied:
        lines.append(f"Fixed {_plural(run.fixes_applied, 'finding')} in {_plural(run.files_fixed, 'file')}.")
    if n:
        safe = sum(1 for f in run.findings if f.fix is not None and f.fix.applicability == "safe")
        unsafe = sum(1 for f in run.findings if f.fix is not None and f.fix.applicability != "safe")
        parts = []
        if unsafe_fixes and safe + unsafe:
            parts.append(f"{safe + unsafe} fixable with `backlint check --fix --unsafe-fixes`")
        else:
            if safe:
                parts.append(f"{safe} fixable with `backlint check --fix`")
            if unsafe:
                parts.append(f"{unsafe} more, marked [~], with `--unsafe-fixes`")
        tail = f" ({'; '.join(parts)})" if parts else ""
        extra = f"; {', '.join(problems)}" if problems else ""
        lines.append(f"Found {_plural(n, 'finding')} in {checked}{tail}{extra}.")
    elif problems:
        lines.append(f"No findings in {checked}, but not everything was checked: {', '.join(problems)}.")
    else:
        lines.append(f"All checks passed ({checked}).")
    return lines
