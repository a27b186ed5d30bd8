"""``backlint routes [PATHS]``: the HTTP route table backlint believes in, found statically."""
from __future__ import annotations

import json

import click


@click.command("routes")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="Output format (default: text).")
def command(paths, output_format: str) -> None:
    """Print every HTTP route found in PATHS: method, full path, handler, file:line.

    Prefixes are joined across files (include_router, register_blueprint, include(), Mount,
    add_subapp, Litestar routers, DRF routers); a piece that cannot be resolved is shown as {?}.
    ANY means the handler accepts every method (e.g. a Django function view). The third column
    is the endpoint kind: `api` (JSON/API endpoint), `page` (server-rendered page) or `?`.
    """
    from .. import config as config_mod
    from ..discovery import Discovery
    from ..frameworks import routes as routes_mod

    paths = list(paths) or ["."]
    settings = config_mod.load(paths)  # the same excludes and .gitignore handling as `check`
    files, _ = Discovery(settings).files(paths)
    facts = routes_mod.collect_facts(files)
    table = routes_mod.resolve(facts)
    if output_format == "json":
        _emit(json.dumps([r.as_dict() for r in table], indent=2))
        return
    if not table:
        _emit("no routes found")
        return
    width_m = max(len(r.method) for r in table)
    width_p = max(len(r.path) for r in table)
    width_h = max(len(r.handler) for r in table)
    lines = [f"{r.method:<{width_m}}  {r.path:<{width_p}}  {(r.kind or '?'):<4}  {r.handler:<{width_h}}  "
             f"{r.file}:{r.line}" for r in table]
    lines.append(f"\n{len(table)} route(s) in {len(facts)} file(s)")
    _emit("\n".join(lines))


def _emit(text: str) -> None:
    try:
        click.echo(text)
    except BrokenPipeError:  # `backlint routes | head`
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
