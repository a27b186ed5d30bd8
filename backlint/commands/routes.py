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
    is the endpoint kind: `api` (JSON/API endpoint), `page` (server-rendered page) or `?`; the
    fourth the success status the handler answers with where its code says it (FastAPI/Litestar
    defaults, `status_code=`, `return ..., 201`, `status=`), else `?`.
    GraphQL fields follow as `QUERY Type.field` (MUTATION/SUBSCRIPTION for those root types)
    with their resolver; a root field's resolver is marked `(root)`.
    """
    from .. import config as config_mod
    from ..discovery import Discovery, display_path
    from ..frameworks import routes as routes_mod
    from ..reporters._safe import visible

    paths = list(paths) or ["."]
    settings = config_mod.load(paths)  # the same excludes and .gitignore handling as `check`
    files, _ = Discovery(settings).files(paths)
    from ..shape import recursion_limit

    from ..frameworks import declared

    declared.use(settings.frameworks)  # the project's own route decorators count here too
    skipped: list = []
    with recursion_limit():  # the same guard and limit as `check`: deep code never reaches the parser
        facts = routes_mod.collect_facts(files, skipped)
    for path, reason in skipped:
        click.echo(f"backlint: warning: {visible(display_path(path))}: {visible(reason)}", err=True)
    table = routes_mod.resolve(facts)
    status = _statuses(table)
    from ..frameworks import graphql_routes

    table += graphql_routes.collect(files)  # GraphQL fields beside the HTTP routes
    if output_format == "json":
        rows = []
        for r in table:
            row = r.as_dict()
            if (r.file, r.handler, r.method) in status:
                row["status"] = status[(r.file, r.handler, r.method)]
            rows.append(row)
        _emit(json.dumps(rows, indent=2))
        return
    if not table:
        _emit("no routes found")
        return
    # paths, handlers and file names come from the code: shown escaped, never acted on
    rows = [(visible(r.method), visible(r.path), visible(r.kind or "?"),
             str(status.get((r.file, r.handler, r.method), "?")), visible(r.handler), visible(r.file), r.line)
            for r in table]
    width_m = max(len(row[0]) for row in rows)
    width_p = max(len(row[1]) for row in rows)
    width_h = max(len(row[4]) for row in rows)
    lines = [f"{m:<{width_m}}  {p:<{width_p}}  {k:<4}  {st:<3}  {h:<{width_h}}  {f}:{n}"
             for m, p, k, st, h, f, n in rows]
    lines.append(f"\n{len(table)} route(s) in {len(facts)} file(s)")
    _emit("\n".join(lines))


def _statuses(table) -> dict:
    """{(file, handler, method): success status} where the handler's code says it."""
    from ..frameworks import route_status

    wanted: dict = {}
    for r in table:
        wanted.setdefault(r.file, set()).add((r.handler, r.method))
    out = {}
    for path, keys in wanted.items():
        for (handler, method), code in route_status.statuses(path, keys).items():
            out[(path, handler, method)] = code
    return out


def _emit(text: str) -> None:
    try:
        click.echo(text)
    except BrokenPipeError:  # `backlint routes | head`
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
