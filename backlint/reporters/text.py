"""Human output: ``path:line:col: CODE [rule-name] message``. Knows nothing about libcst."""
from __future__ import annotations

import collections
from typing import List, TextIO

from ..findings import RunResult
from ._safe import visible

_COLORS = {"path": "\x1b[1m", "code": "\x1b[31m", "name": "\x1b[2m", "reset": "\x1b[0m"}


def render(run: RunResult, out: TextIO, color: bool = False, quiet: bool = False, statistics: bool = False) -> None:
    def c(kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_COLORS['reset']}" if color else text

    if statistics:
        counts = collections.Counter((f.code, f.name) for f in run.findings)
        fixable = collections.Counter(f.code for f in run.findings if f.fix is not None)
        for (code, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            mark = " [*]" if fixable[code] else ""
            out.write(f"{count:>6}  {c('code', code)}  {visible(name)}{mark}\n")
    else:
        for f in run.findings:
            mark = " [*]" if f.fix is not None else ""
            out.write(
                f"{c('path', visible(f.path))}:{f.start_line}:{f.start_column}: {c('code', f.code)} "
                f"{c('name', '[' + visible(f.name) + ']')}{mark} {visible(f.message)}\n"
            )
    if quiet:
        return
    out.write("\n".join(summary_lines(run)) + "\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_lines(run: RunResult) -> List[str]:
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
        fixable = sum(1 for f in run.findings if f.fix is not None and f.fix.applicability == "safe")
        tail = f" ({fixable} fixable with `backlint check --fix`)" if fixable else ""
        extra = f"; {', '.join(problems)}" if problems else ""
        lines.append(f"Found {_plural(n, 'finding')} in {checked}{tail}{extra}.")
    elif problems:
        lines.append(f"No findings in {checked}, but not everything was checked: {', '.join(problems)}.")
    else:
        lines.append(f"All checks passed ({checked}).")
    return lines
