"""Command line: ``backlint check | rules | explain``.

Exit codes: 0 no findings, 1 findings, 2 usage/configuration error or internal error.
Every expected failure is a one-line diagnostic on stderr, never a traceback
(set ``BACKLINT_DEBUG=1`` to see one for an unexpected crash).
"""
from __future__ import annotations

import io
import os
import sys
import traceback
from typing import List, Optional, Tuple

from . import startup_cache

startup_cache.install()  # before libcst and the rules are imported (startup_cache.py)

import click  # noqa: E402

from . import __version__  # noqa: E402
from .cli_show import _report_skipped, _show_roles, _show_settings, report_root  # noqa: E402

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Tuple[str, ...]) -> Optional[List[str]]:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _visible(text: object) -> str:
    from .reporters._safe import visible

    return visible(text)


def _fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    click.echo(f"backlint: error: {_visible(message)}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    def invoke(self, ctx):  # one place that turns unexpected exceptions into exit 2
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP during a run with workers
            import signal

            signum = getattr(exc, "signum", signal.SIGINT)
            click.echo(f"backlint: interrupted ({signal.Signals(signum).name})", err=True)
            sys.exit(128 + signum)
        except Exception as exc:
            from .config import ConfigError

            if isinstance(exc, ConfigError):
                _fail(str(exc))
            if os.environ.get("BACKLINT_DEBUG"):
                traceback.print_exc()
            _fail(f"internal error: {type(exc).__name__}: {exc} (set BACKLINT_DEBUG=1 for a traceback)")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="backlint")
def main() -> None:
    """backlint: finds backend anti-patterns in Python code."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to enable (codes, prefixes like BL4, names, ALL); replaces the default set.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--format", "output_format", type=click.Choice(["text", "concise", "full", "json", "sarif", "github", "gitlab", "junit"]), default=None,
              help="Output format (default: text): text, json, sarif (GitHub code scanning), github (Actions annotations).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE instead of stdout.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: number of CPUs).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of each finding.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to exclude in addition to the configured ones.")
@click.option("--force-exclude/--no-force-exclude", default=None, help="Apply excludes to files named on the command line too.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip files ignored by .gitignore (default: on).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the results cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Where to keep the results cache (default: .backlint_cache).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None,
              help="Report only findings not recorded in this baseline file (default: `baseline` from the configuration).")
@click.option("--no-baseline", is_flag=True, help="Ignore the configured baseline: report every finding.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), default=None,
              help="Record every current finding in FILE (a new baseline) instead of reporting them.")
@click.option("--min-severity", type=click.Choice(["note", "warning", "error"]), default=None,
              help="Report only findings of this severity or higher (the exit code follows what is reported).")
@click.option("--watch", is_flag=True,
              help="Check, then re-check whenever a Python file or a configuration file changes (Ctrl-C stops).")
@click.option("--stdin-filename", default=None, metavar="PATH",
              help="With `-`: check standard input as if it were the file at PATH (its configuration, "
                   "per-file-ignores and cross-file facts); with --fix the fixed source goes to stdout.")
@click.option("--show-settings", is_flag=True,
              help="Print the configuration file and the settings each given FILE is checked with, then exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked and their configuration, then exit.")
@click.option("--show-roles", is_flag=True,
              help="Print what each file is (test, migration, settings, script, ...) and why, then exit.")
@click.option("--skipped-ok", is_flag=True, default=None,
              help="Do not fail the run (exit 2) when a file was skipped (size or time limit, not a regular file, unreadable).")
@click.option("--since", metavar="REF", default=None,
              help="Report only findings on lines added or changed since git revision REF (working tree included).")
def check(paths, select, extend_select, ignore, output_format, output, config, isolated, exit_zero, jobs,
          quiet, statistics, fix, unsafe_fixes, diff, extend_exclude, force_exclude, respect_gitignore,
          no_cache, cache_dir, baseline_file, no_baseline, write_baseline, min_severity, watch, stdin_filename, show_settings, show_files,
          show_roles, since, skipped_ok) -> None:
    """Check PATHS (default: the current directory)."""
    from . import config as config_mod
    from .runner import check as run_check
    from .fsutil import write_output

    paths = list(paths) or ["."]
    if watch:
        if "-" in paths or fix or diff or write_baseline or output:
            _fail("--watch cannot be combined with `-`, --fix, --diff, --write-baseline or -o")
        from .watch import watch as watch_loop

        sys.exit(watch_loop(paths, [a for a in sys.argv[2:] if a != "--watch"]))
    stdin = paths == ["-"]
    if "-" in paths and not stdin:
        _fail("`-` (standard input) cannot be combined with other paths")
    if stdin_filename and not stdin:
        _fail("--stdin-filename goes with `-` (check standard input)")
    if stdin and (write_baseline or since is not None):
        _fail("standard input cannot be used with --write-baseline or --since")
    if fix and diff:
        _fail("--fix and --diff cannot be used together (--diff only shows what --fix would write)")
    if baseline_file and no_baseline:
        _fail("--baseline and --no-baseline cannot be used together")
    if write_baseline and (diff or since is not None or baseline_file):
        _fail("--write-baseline records every current finding; it cannot be combined with --diff, --since or --baseline")
    overrides = {
        "select": _split(select),
        "extend_select": _split(extend_select),
        "ignore": _split(ignore),
        "extend_exclude": _split(extend_exclude),
        "force_exclude": force_exclude,
        "respect_gitignore": respect_gitignore,
        "unsafe_fixes": unsafe_fixes or None,
        # absolute cache directories only from here or the environment, never from a checkout's config
        "cache_dir": cache_dir or os.environ.get("BACKLINT_CACHE_DIR") or None,
        "no_cache": no_cache or None,
        "skipped_ok": skipped_ok or None,
    }
    settings = config_mod.load([stdin_filename or "stdin.py"] if stdin else paths, config=config,
                               overrides=overrides, isolated=isolated)
    _report_plugin_errors()
    if show_roles:
        _show_roles(paths, settings)
        return
    if show_settings or show_files:
        _show_settings(paths, settings, files_only=show_files and not show_settings)
        return
    fmt = output_format or settings.output_format
    from . import baseline as baseline_mod, gitdiff

    revision = None
    if since is not None and not diff:
        try:
            revision = gitdiff.Revision(since, paths[0])
        except gitdiff.GitError as exc:
            _fail(str(exc))
    known = None
    baseline_path = None if (no_baseline or write_baseline or diff) else (baseline_file or settings.baseline)
    if baseline_path:
        try:
            known = baseline_mod.Baseline.load(baseline_path)
        except baseline_mod.BaselineError as exc:
            _fail(str(exc))
    fixed_stdin = None
    if stdin:
        run, fixed_stdin = _check_stdin(stdin_filename or "stdin.py", settings, fix or diff, jobs)
    else:
        with _progress(quiet) as progress:
            run = run_check(paths, settings, fix=fix, diff=diff, jobs=jobs, cache=not settings.no_cache,
                            progress=progress)

    for error in run.errors:
        click.echo(f"backlint: error: {_visible(error.describe())}", err=True)
    for skipped in run.skipped:
        click.echo(f"backlint: warning: {_visible(skipped.path)}: {_visible(skipped.message)}", err=True)
    for warning in getattr(run, "warnings", ()):
        click.echo(f"backlint: warning: {_visible(warning)}", err=True)
    skip_fails = _report_skipped(run, settings)
    if not quiet and not write_baseline:  # mature project, no migrations cut-off: say how to set one
        from .commands.init import legacy_hint

        hint = legacy_hint(run.findings, settings)
        if hint:
            click.echo(hint, err=True)

    if write_baseline:
        data = baseline_mod.dumps(run.findings, os.path.dirname(os.path.abspath(write_baseline)))
        try:
            write_output(write_baseline, data.encode("utf-8", "backslashreplace"))
        except OSError as exc:
            _fail(f"{write_baseline}: cannot write baseline: {exc.strerror or exc}")
        n = len(run.findings)
        click.echo(f"backlint: recorded {n} finding{'s' if n != 1 else ''} in {_visible(write_baseline)}", err=True)
        sys.exit(EXIT_ERROR if run.errors or skip_fails else EXIT_OK)

    # fingerprints over the whole run, before --baseline/--since leave findings out; paths in
    # SARIF and GitLab reports are relative to the repository root, so that a job that runs in a
    # sub-directory (working-directory:) still uploads locations code scanning can map
    root = report_root(settings)
    sarif_prints = None
    if fmt in ("sarif", "gitlab") and not diff:
        everything = list(run.findings)
        prints = baseline_mod.fingerprints(everything, lambda f: baseline_mod.relative_path(f.path, root))
        sarif_prints = {id(f): fp.digest() for f, fp in zip(everything, prints)}
    if min_severity:
        order = {"note": 0, "warning": 1, "error": 2}
        run.findings = [f for f in run.findings if order.get(f.severity.value, 1) >= order[min_severity]]
    run_properties = {}
    if known is not None:
        facts = getattr(run, "facts", None)
        checked = list(facts) if run.files_checked and facts else None  # one key per checked file
        match = known.match(run.findings, checked=checked, rules=settings.enabled)
        run.findings = match.new
        run_properties["baseline"] = {"baselined": match.baselined, "stale": len(match.stale)}
        if not quiet:
            stale = len(match.stale)
            click.echo(
                f"backlint: baseline {_visible(baseline_path)}: {match.baselined} finding{'s' if match.baselined != 1 else ''} "
                f"baselined, {len(match.new)} new; {stale} baseline entr{'ies' if stale != 1 else 'y'} no longer "
                f"match{'es' if stale == 1 else ''} (fixed or changed)"
                + (f"; refresh with `backlint check --write-baseline {_visible(baseline_path)}`" if stale else ""),
                err=True,
            )
    if revision is not None:
        try:
            changed = revision.changed_lines()
        except gitdiff.GitError as exc:
            _fail(str(exc))
        before = len(run.findings)
        run.findings = [f for f in run.findings if changed.keeps(f)]
        hidden = before - len(run.findings)
        run_properties["since"] = {"ref": since, "commit": revision.commit, "hidden": hidden}
        if not quiet:
            click.echo(
                f"backlint: --since {_visible(since)}: {hidden} finding{'s' if hidden != 1 else ''} on unchanged lines not shown",
                err=True,
            )

    buffer = io.StringIO()
    if stdin and fix:
        # the fixed source is the output; the report goes to stderr
        sys.stdout.buffer.write(fixed_stdin)
        sys.stdout.flush()
        if not quiet:
            click.echo(f"backlint: {run.fixes_applied} fix{'es' if run.fixes_applied != 1 else ''} applied; "
                       f"{len(run.findings)} finding{'s' if len(run.findings) != 1 else ''} remain", err=True)
            for f in run.findings:
                click.echo(f"{f.path}:{f.start_line}:{f.start_column}: {f.code} [{f.name}] {f.message}", err=True)
        sys.exit(EXIT_ERROR if run.errors else EXIT_FINDINGS if run.findings and not exit_zero else EXIT_OK)
    if diff:
        buffer.write("".join(run.diffs))
    elif fmt == "json":
        from .reporters import json as json_reporter

        json_reporter.render(run, buffer)
    elif fmt == "sarif":
        from . import registry
        from .reporters import sarif

        rules = [sarif.RuleInfo.from_rule(r) for code, r in registry.all_rules().items() if code in settings.enabled]
        if settings.rule_docs_url:
            rules = [sarif.with_help_uri(r, settings.rule_docs_url) for r in rules]
        sarif.render(run, buffer, rules=rules, fingerprint_of=sarif_prints, root=root,
                     properties=run_properties or None, baseline_used=known is not None)
    elif fmt == "github":
        from .reporters import github

        github.render(run, buffer)
    elif fmt == "gitlab":
        from .reporters import gitlab

        gitlab.render(run, buffer, root=root, fingerprint_of=sarif_prints)
    elif fmt == "junit":
        from .reporters import junit

        junit.render(run, buffer)
    else:
        from .reporters import text

        color = (
            output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        )
        text.render(run, buffer, color=color, quiet=quiet, statistics=statistics,
                    mode=fmt if fmt in ("concise", "full") else "text", unsafe_fixes=settings.unsafe_fixes)
    if output:
        try:
            # a file name that is not UTF-8 is written as visible \udcXX escapes (valid in JSON too)
            write_output(output, buffer.getvalue().encode("utf-8", "backslashreplace"))
        except OSError as exc:
            _fail(f"{output}: cannot write output: {exc.strerror or exc}")
        if not quiet and not diff:  # the report went to a file: a CI log still says what happened
            from .reporters.text import summary_lines

            click.echo(f"backlint: {' '.join(summary_lines(run))} Report written to {_visible(output)}.", err=True)
    else:
        click.echo(buffer.getvalue(), nl=False)

    if run.errors or skip_fails:
        sys.exit(EXIT_ERROR)
    if diff:
        sys.exit(EXIT_FINDINGS if run.diffs and not exit_zero else EXIT_OK)
    if run.findings and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _report_plugin_errors() -> None:
    """A broken plugin is reported once, on stderr; every other rule still runs."""
    from . import registry

    registry.all_rules()
    for plugin, message in registry.PLUGIN_ERRORS:
        click.echo(f"backlint: warning: plugin {plugin} {message}; its rules are not loaded", err=True)


def _check_stdin(filename: str, settings, fix: bool, jobs):
    """Standard input checked as the file ``filename``: (run, fixed source bytes or None)."""
    from .findings import RunResult
    from .runner import _has_project_rules
    from .workspace import Workspace

    data = sys.stdin.buffer.read()
    workspace = Workspace(settings, [settings.root])
    if _has_project_rules(settings):
        workspace.load(jobs=jobs)  # the rest of the project, from the results cache when warm
    result = workspace.update(filename, data, fix=fix)
    workspace.recompute()
    run: RunResult = workspace.run_result([filename])
    run.files_checked = 1
    fixed = result.fixed_source if result.fixed_source is not None else data
    if fix:
        run.fixes_applied = result.fixes_applied
        if result.fixed_source is not None:
            import difflib

            old = data.decode("utf-8", "replace").splitlines(keepends=True)
            new = result.fixed_source.decode("utf-8", "replace").splitlines(keepends=True)
            run.diffs.append("".join(difflib.unified_diff(old, new, f"a/{filename}", f"b/{filename}")))
    return run, fixed


class _progress:
    """Progress on stderr for runs that check many files: click's bar on a TTY; off a TTY (CI logs)
    one short line every ``INTERVAL`` seconds, so a long cold run is never silent. Off with -q."""

    MIN_FILES = 200
    INTERVAL = 15.0

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and "CI" not in os.environ
        self.bar = None
        self.started = 0.0
        self.last = 0.0

    def __enter__(self):
        if self.quiet:
            return None
        import time

        self.started = self.last = time.monotonic()
        return self.update

    def update(self, done: int, total: int) -> None:
        if total < self.MIN_FILES:
            return
        if not self.tty:
            import time

            now = time.monotonic()
            if now - self.last >= self.INTERVAL and done < total:
                self.last = now
                click.echo(f"backlint: checked {done} of {total} files ({now - self.started:.0f} s)", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Checking", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--write-docs", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write one Markdown reference page per rule and an index to DIR, then exit.")
def rules_command(output_format: str, write_docs: Optional[str]) -> None:
    """List every rule: code, name, category, default on/off, fix."""
    import json

    from . import registry

    if write_docs:
        from . import rule_docs

        n = rule_docs.write(write_docs, registry.all_rules())
        click.echo(f"backlint: wrote {n} pages to {write_docs}", err=True)
        return

    _report_plugin_errors()
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "category": r.category,
            "severity": r.severity.value,
            "default": r.default_enabled,
            "fix": r.has_fix(),
            "package": getattr(r, "plugin", None) or "backlint",
            "summary": r.summary(),
        }
        for r in registry.all_rules().values()
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max([6] + [len(r["code"]) for r in rows])
    plugins = any(r["package"] != "backlint" for r in rows)
    click.echo(f"{'code':<{width}} {'name':<28} {'category':<18} {'default':<8} {'fix':<4} "
               + ("package    " if plugins else "") + "summary")
    for row in rows:
        click.echo(
            f"{row['code']:<{width}} {row['name']:<28} {row['category']:<18} {'on' if row['default'] else 'off':<8} "
            f"{'yes' if row['fix'] else '-':<4} " + (f"{row['package']:<10} " if plugins else "") + row["summary"]
        )


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code like BL401 or a name like missing-timeout)."""
    from . import registry

    code = registry.resolve(rule)
    if code is None:
        hint = registry.suggest(rule)
        _fail(f"unknown rule '{rule}'" + (f"; did you mean '{hint}'?" if hint else "") + " (see `backlint rules`)")
    click.echo(render_explain(registry.all_rules()[code]))


def render_explain(rule) -> str:
    head = (
        f"{rule.code} {rule.name}\n"
        f"category: {rule.category}   severity: {rule.severity.value}   "
        f"default: {'on' if rule.default_enabled else 'off'}   fix: {'yes' if rule.has_fix() else 'no'}\n"
    )
    body = rule.docs()
    if rule.options:
        lines = ["", "## Options", f"Set in `[tool.backlint.{rule.name}]`:"]
        for key, opt in rule.options.items():
            lines.append(f"- `{key}` ({opt.type_name()}, default `{opt.default!r}`): {opt.description}")
        body += "\n" + "\n".join(lines)
    return head + "\n" + body + "\n"


def _add_subcommands() -> None:
    import importlib
    import pkgutil

    from . import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            main.add_command(command)


_add_subcommands()
