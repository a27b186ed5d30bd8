"""``backlint server``: the language server over stdio (diagnostics, code actions, hover)."""
from __future__ import annotations

import click


@click.command("server")
def command() -> None:
    """Run the language server over stdio (for editors; see docs/editors.md)."""
    try:
        from ..lsp.server import main
    except ImportError as exc:
        raise click.ClickException(
            f"the language server needs pygls and lsprotocol ({exc}); install them with "
            "`pip install \"backlint[lsp]\"` (or `pip install pygls lsprotocol`)") from None
    main()
