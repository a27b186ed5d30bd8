"""`backlint server` driven over stdio by a real LSP client (pytest-lsp)."""
from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402

MODELS_PLAIN = textwrap.dedent(
    """
    from django.db import models

    class Author(models.Model):
        name = models.CharField(max_length=10)

    class Book(models.Model):
        author_name = models.CharField(max_length=10)
    """
)
MODELS_FK = MODELS_PLAIN.replace("author_name = models.CharField(max_length=10)",
                                 "author = models.ForeignKey(Author, on_delete=models.CASCADE)")
VIEWS = textwrap.dedent(
    """
    import requests
    from shop.models import Book

    def titles(request):
        requests.get("https://example.org/ping")
        return [book.author.name for book in Book.objects.all()]
    """
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nselect = ["BL202", "BL401"]\n')
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(MODELS_PLAIN)
    (tmp_path / "shop" / "views.py").write_text(VIEWS)
    return tmp_path


async def _diagnostics(client, uri: str, predicate, timeout: float = 60.0):
    async def wait():
        while True:
            current = client.diagnostics.get(uri)
            if current is not None and predicate(current):
                return current
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(wait(), timeout)


def _open(client, path: Path, text: str, version: int = 1):
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id="python", version=version, text=text)))


@pytest.mark.asyncio
async def test_diagnostics_code_actions_and_cross_file_updates(project) -> None:
    config = pytest_lsp.ClientServerConfig(server_command=[sys.executable, "-m", "backlint", "server"])
    client = await config.start()
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
        ))
        views = project / "shop" / "views.py"
        models = project / "shop" / "models.py"
        _open(client, views, VIEWS)
        _open(client, models, MODELS_PLAIN)
        found = await _diagnostics(client, views.as_uri(), lambda d: any(x.code == "BL401" for x in d))
        assert {d.code for d in found} == {"BL401"}, "no N+1 yet: Book has no relation called author"
        timeout = next(d for d in found if d.code == "BL401")
        assert timeout.source == "backlint" and timeout.severity == types.DiagnosticSeverity.Warning
        assert "[missing-timeout]" in timeout.message
        assert timeout.range.start.line == 5 and timeout.code_description is not None

        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=views.as_uri()), range=timeout.range,
            context=types.CodeActionContext(diagnostics=[timeout])))
        titles = [a.title for a in actions]
        assert any("timeout" in t.lower() and t.startswith("BL401") for t in titles), titles
        assert "Suppress BL401 (missing-timeout) on this line" in titles
        fix = next(a for a in actions if a.title.startswith("BL401") and a.is_preferred)
        (edit,) = fix.edit.changes[views.as_uri()]
        assert "timeout=" in edit.new_text
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=views.as_uri()), position=types.Position(line=5, character=4)))
        assert "BL401 missing-timeout" in hover.contents.value and "## Why is this bad?" in hover.contents.value

        # apply the action as an editor does (the edit, then the changed text): BL401 goes away
        lines = VIEWS.splitlines(keepends=True)
        start, end = edit.range.start, edit.range.end
        assert start.line == end.line
        line = lines[start.line]
        lines[start.line] = line[:start.character] + edit.new_text + line[end.character:]
        fixed_views = "".join(lines)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=views.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed_views)]))
        await _diagnostics(client, views.as_uri(), lambda d: not any(x.code == "BL401" for x in d))


        # edit models.py in the editor (not saved): the relation appears, views.py gets its N+1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=models.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=MODELS_FK)]))
        updated = await _diagnostics(client, views.as_uri(), lambda d: any(x.code == "BL202" for x in d))
        n1 = next(d for d in updated if d.code == "BL202")
        assert n1.range.start.line == 6
        assert models.read_text() == MODELS_PLAIN, "the server never writes files"
    finally:
        await client.shutdown_session()
