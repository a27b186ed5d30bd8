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

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Tuple[str, ...]) -> Optional[List[str]]:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    click.echo(f"backlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    def invoke(self, ctx):  # one place that turns unexpected exceptions into exit 2
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("backlint: interrupted", err=True)
            sys.exit(130)
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
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
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
@click.option("--show-roles", is_flag=True,
              help="Print what each file is (test, migration, settings, script, ...) and why, then exit.")
@click.option("--since", metavar="REF", default=None,
              help="Report only findings on lines added or changed since git revision REF (working tree included).")
def check(paths, select, extend_select, ignore, output_format, output, config, isolated, exit_zero, jobs,
          quiet, statistics, fix, unsafe_fixes, diff, extend_exclude, force_exclude, respect_gitignore,
          no_cache, cache_dir, baseline_file, no_baseline, write_baseline, show_roles, since) -> None:
    """Check PATHS (default: the current directory)."""
    from . import config as config_mod
    from .runner import check as run_check, write_atomic

    paths = list(paths) or ["."]
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
        "cache_dir": cache_dir,
        "no_cache": no_cache or None,
    }
    settings = config_mod.load(paths, config=config, overrides=overrides, isolated=isolated)
    if show_roles:
        _show_roles(paths, settings)
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
    with _progress(quiet) as progress:
        run = run_check(paths, settings, fix=fix, diff=diff, jobs=jobs, cache=not settings.no_cache,
                        progress=progress)

    for error in run.errors:
        click.echo(f"backlint: error: {error.describe()}", err=True)
    for skipped in run.skipped:
        click.echo(f"backlint: warning: {skipped.path}: {skipped.message}", err=True)
    if not quiet and not write_baseline:  # mature project, no migrations cut-off: say how to set one
        from .commands.init import legacy_hint

        hint = legacy_hint(run.findings, settings)
        if hint:
            click.echo(hint, err=True)

    if write_baseline:
        data = baseline_mod.dumps(run.findings, os.path.dirname(os.path.abspath(write_baseline)))
        try:
            write_atomic(write_baseline, data.encode("utf-8"))
        except OSError as exc:
            _fail(f"{write_baseline}: cannot write baseline: {exc.strerror or exc}")
        n = len(run.findings)
        click.echo(f"backlint: recorded {n} finding{'s' if n != 1 else ''} in {write_baseline}", err=True)
        sys.exit(EXIT_ERROR if run.errors else EXIT_OK)

    # fingerprints over the whole run, before --baseline/--since leave findings out
    cwd = os.getcwd()
    sarif_prints = None
    if fmt == "sarif" and not diff:
        everything = list(run.findings)
        prints = baseline_mod.fingerprints(everything, lambda f: baseline_mod.relative_path(f.path, cwd))
        sarif_prints = {id(f): fp.digest() for f, fp in zip(everything, prints)}
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
                f"backlint: baseline {baseline_path}: {match.baselined} finding{'s' if match.baselined != 1 else ''} "
                f"baselined, {len(match.new)} new; {stale} baseline entr{'ies' if stale != 1 else 'y'} no longer "
                f"match{'es' if stale == 1 else ''} (fixed or changed)"
                + (f"; refresh with `backlint check --write-baseline {baseline_path}`" if stale else ""),
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
                f"backlint: --since {since}: {hidden} finding{'s' if hidden != 1 else ''} on unchanged lines not shown",
                err=True,
            )

    buffer = io.StringIO()
    if diff:
        buffer.write("".join(run.diffs))
    elif fmt == "json":
        from .reporters import json as json_reporter

        json_reporter.render(run, buffer)
    elif fmt == "sarif":
        from . import registry
        from .reporters import sarif

        rules = [sarif.RuleInfo.from_rule(r) for code, r in registry.all_rules().items() if code in settings.enabled]
        sarif.render(run, buffer, rules=rules, fingerprint_of=sarif_prints, root=cwd,
                     properties=run_properties or None, baseline_used=known is not None)
    elif fmt == "github":
        from .reporters import github

        github.render(run, buffer)
    else:
        from .reporters import text

        color = (
            output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        )
        text.render(run, buffer, color=color, quiet=quiet, statistics=statistics)
    if output:
        try:
            write_atomic(output, buffer.getvalue().encode("utf-8"))
        except OSError as exc:
            _fail(f"{output}: cannot write output: {exc.strerror or exc}")
    else:
        click.echo(buffer.getvalue(), nl=False)

    if run.errors:
        sys.exit(EXIT_ERROR)
    if diff:
        sys.exit(EXIT_FINDINGS if run.diffs and not exit_zero else EXIT_OK)
    if run.findings and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _show_roles(paths, settings) -> None:
    """`check --show-roles`: each file's roles and the reason for each, and the rules they skip."""
    from .discovery import Discovery, display_path
    from .selection import Selector

    selector = Selector(settings)
    files, missing = Discovery(settings).files(list(paths))
    for path, why in missing:
        click.echo(f"backlint: error: {path}: {why}", err=True)
    for path in files:
        roles = selector.roles.classify(path)
        skipped = sorted(selector.role_skipped(path))
        line = f"{display_path(path)}: {roles.describe()}"
        if skipped:
            line += f" -> skips {', '.join(skipped)}"
        click.echo(line)


class _progress:
    """click's progress bar on stderr for runs that check many files, only when stderr is a TTY."""

    MIN_FILES = 200

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty() and "CI" not in os.environ
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < self.MIN_FILES:
                return
            self.bar = click.progressbar(length=total, label="Checking", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules_command(output_format: str) -> None:
    """List every rule: code, name, category, default on/off, fix."""
    import json

    from . import registry

    rows = [
        {
            "code": r.code,
            "name": r.name,
            "category": r.category,
            "severity": r.severity.value,
            "default": r.default_enabled,
            "fix": r.has_fix(),
            "summary": r.summary(),
        }
        for r in registry.all_rules().values()
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'code':<6} {'name':<28} {'category':<18} {'default':<8} {'fix':<4} summary")
    for row in rows:
        click.echo(
            f"{row['code']:<6} {row['name']:<28} {row['category']:<18} {'on' if row['default'] else 'off':<8} "
            f"{'yes' if row['fix'] else '-':<4} {row['summary']}"
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
