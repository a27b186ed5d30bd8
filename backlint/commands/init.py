"""``backlint init [PATH]``: mark today's migrations as applied history, once, in the config.

Writes ``[tool.backlint.migrations-start-after]`` (pyproject.toml) or ``[migrations-start-after]``
(backlint.toml) with the current leaf migration of every Django app and the head revision(s) of
every Alembic versions directory, so the BL5xx rules judge only migrations added from now on.
The file is edited minimally (see ``rules/migrations/_toml_edit.py``): nothing else in it changes.
With ``--baseline`` (or when asked on a terminal) it also records today's other findings.
"""
from __future__ import annotations

import os
import sys

import click

DEFAULT_BASELINE = "backlint-baseline.json"


def _config_file(root: str) -> str:
    """The file to edit: backlint.toml if present, else pyproject.toml (created as backlint.toml
    when neither exists)."""
    for name in ("backlint.toml", "pyproject.toml"):
        candidate = os.path.join(root, name)
        if os.path.isfile(candidate):
            return candidate
    return os.path.join(root, "backlint.toml")


@click.command("init")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file to edit (default: backlint.toml, else pyproject.toml, in PATH).")
@click.option("--baseline/--no-baseline", "baseline", default=None,
              help="Also record today's findings in a baseline file (asked on a terminal when not given).")
@click.option("--baseline-file", default=DEFAULT_BASELINE, show_default=True,
              help="Where --baseline writes, relative to the configuration file.")
@click.option("--dry-run", is_flag=True, help="Print the new configuration instead of writing it.")
def command(path: str, config_path, baseline, baseline_file: str, dry_run: bool) -> None:
    """Record the current leaf migration of every app as applied history (migrations-start-after).

    After this, `backlint check` reports migration hazards only in migrations added later.
    """
    from .. import config as config_mod
    from ..discovery import Discovery
    from ..rules.migrations import _toml_edit, _trees
    from ..rules.migrations._start_after import OPTION
    from ..fsutil import write_atomic

    root = os.path.abspath(path)
    target = os.path.abspath(config_path) if config_path else _config_file(root)
    pyproject = os.path.basename(target) == "pyproject.toml"
    try:
        settings = config_mod.load([root], config=target if os.path.isfile(target) else None,
                                   isolated=not os.path.isfile(target))
    except config_mod.ConfigError as exc:
        raise click.ClickException(str(exc))
    files, _ = Discovery(settings).files([root])
    trees = _trees.find_trees(os.path.dirname(target), files)
    if not trees:
        click.echo("backlint init: no Django or Alembic migrations found; nothing to record", err=True)
        return
    entries = {}
    for tree in trees:
        if tree.key in entries:
            click.echo(f"backlint init: warning: two migration trees are keyed `{tree.key}`; "
                       f"keeping the first ({tree.directory} is skipped)", err=True)
            continue
        entries[tree.key] = tree.leaves[0] if len(tree.leaves) == 1 else list(tree.leaves)
    try:
        text = open(target, encoding="utf-8").read() if os.path.isfile(target) else ""
        new_text = _toml_edit.set_table(text, pyproject, OPTION, entries)
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{target}: cannot read: {exc}")
    except _toml_edit.EditError as exc:
        raise click.ClickException(f"{target}: {exc}; nothing was written")
    if baseline is None:
        baseline = (not dry_run and sys.stdin.isatty() and sys.stdout.isatty() and click.confirm(
            f"Also record today's other findings in {baseline_file} (so only new ones fail)?", default=False))
    if baseline:
        try:
            new_text = _toml_edit.set_key(new_text, pyproject, "baseline", baseline_file)
        except _toml_edit.EditError as exc:
            raise click.ClickException(f"{target}: {exc}; nothing was written")
    if dry_run:
        click.echo(new_text, nl=False)
        return
    write_atomic(target, new_text.encode("utf-8"))
    django = sum(t.framework == "django" for t in trees)
    click.echo(f"backlint init: {os.path.relpath(target)}: {OPTION} set for {django} Django app(s) and "
               f"{len(trees) - django} Alembic tree(s); migrations added from now on are checked", err=True)
    if baseline:
        _write_baseline(root, target, baseline_file)


def _write_baseline(root: str, target: str, baseline_file: str) -> None:
    from .. import baseline as baseline_mod
    from .. import config as config_mod
    from ..fsutil import write_atomic
    from ..runner import check as run_check

    settings = config_mod.load([root], config=target)
    settings.baseline = None
    run = run_check([root], settings, cache=not settings.no_cache)
    out = os.path.join(os.path.dirname(target), baseline_file)
    write_atomic(out, baseline_mod.dumps(run.findings, os.path.dirname(os.path.abspath(out))).encode("utf-8"))
    n = len(run.findings)
    click.echo(f"backlint init: recorded {n} finding{'s' if n != 1 else ''} in {os.path.relpath(out)}", err=True)


def legacy_hint(findings, settings, minimum: int = 5):
    """One line for stderr when most migration findings are in applied history and no cut-off is
    set (a run on a mature project without `backlint init`), else None.

    "Applied history" is a migration that later ones already build on: not the last migration of
    its Django app, not a head of its Alembic tree.
    """
    from ..rules.migrations import _start_after, _trees

    migration = [f for f in findings if f.code.startswith("BL5") and f.code in settings.enabled]
    if len(migration) < minimum:
        return None
    if any(_start_after.configured(settings.options_for(code)) for code in settings.enabled if code.startswith("BL5")):
        return None
    trees = {}
    history = 0
    for finding in migration:
        path = os.path.abspath(finding.path)
        directory = os.path.dirname(path)
        if directory not in trees:
            trees[directory] = _trees.tree_of_directory(directory, settings.root)
        if _trees.is_history(trees[directory], path):
            history += 1
    if history * 2 <= len(migration):
        return None
    return (f"backlint: {history} of {len(migration)} migration findings are in migrations that later ones "
            "already build on (applied history, not to be edited); run `backlint init` to check only "
            "migrations added from now on")
