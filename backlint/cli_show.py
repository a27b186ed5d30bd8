"""What `backlint check` prints besides findings: `--show-settings`, `--show-files`,
`--show-roles`, the summary line of skipped files; and the directory report paths are
relative to."""
from __future__ import annotations

import os

import click


def _visible(text: object) -> str:
    from .reporters._safe import visible

    return visible(text)


def report_root(settings) -> str:
    """Where report paths are relative to: the git top level above the configuration's directory
    (or the working directory), else that directory itself."""
    start = os.path.abspath(settings.root or os.getcwd())
    here = start
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return start
        here = parent


def _show_settings(paths, settings, files_only: bool) -> None:
    """`--show-files`: each file and its configuration; `--show-settings`: the settings in full."""
    from .config import settings_for
    from .discovery import Discovery, display_path
    from .runner import _nested_excludes

    files, missing = Discovery(settings).files(list(paths))
    for path, why in missing:
        click.echo(f"backlint: error: {path}: {why}", err=True)
    if settings.hierarchical:
        files = _nested_excludes(files, paths, settings)
    for path in files:
        own = settings_for(settings, path)
        source = own.config_path or "(defaults: no configuration file)"
        if files_only:
            click.echo(f"{display_path(path)}  [{source}]")
            continue
        click.echo(f"{display_path(path)}:")
        click.echo(f"  configuration: {source}")
        for extended in own.extended:
            click.echo(f"  extends:       {extended}")
        click.echo(f"  root:          {own.root}")
        click.echo(f"  rules:         {', '.join(sorted(own.enabled))}")
        if own.per_file_ignores:
            click.echo(f"  per-file-ignores: {dict(own.per_file_ignores)}")
        if own.rule_options:
            click.echo(f"  rule options:  {own.rule_options}")
        if own.roles:
            click.echo(f"  roles:         {dict(own.roles)}")


def _show_roles(paths, settings) -> None:
    """`check --show-roles`: each file's roles and the reason for each, and the rules they skip."""
    from .discovery import Discovery, display_path
    from .selection import Selector

    selector = Selector(settings)
    files, missing = Discovery(settings).files(list(paths))
    for path, why in missing:
        click.echo(f"backlint: error: {_visible(path)}: {_visible(why)}", err=True)
    for path in files:
        roles = selector.roles.classify(path)
        skipped = sorted(selector.role_skipped(path))
        line = f"{_visible(display_path(path))}: {_visible(roles.describe())}"
        if skipped:
            line += f" -> skips {', '.join(skipped)}"
        click.echo(line)


def _report_skipped(run, settings) -> bool:
    """One summary line for skipped files; whether they fail the run (they do unless opted out).

    A skipped file was not checked: its findings are unknown, so a run that skipped one must not
    look like a clean run (``--skipped-ok`` / ``skipped-ok = true`` when that is intended).
    """
    n = len(run.skipped)
    if not n:
        return False
    what = f"{n} file{'s' if n != 1 else ''} not checked (skipped)"
    if settings.skipped_ok:
        click.echo(f"backlint: {what}; not a failure because of --skipped-ok", err=True)
        return False
    click.echo(f"backlint: error: {what}: exit code 2; pass --skipped-ok (or set `skipped-ok = true`) "
               "if skipping is expected", err=True)
    return True
