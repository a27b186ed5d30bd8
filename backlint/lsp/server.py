"""``backlint server``: diagnostics, code actions and hover for any editor that speaks LSP.

One :class:`backlint.workspace.Workspace` per server holds the project: every open document is
checked from the editor's text as if it were on disk (the CLI's configuration resolution, the
results cache for files that are not open, and the cross-file rules over every file's current
facts), so an edit in ``models.py`` updates the N+1 findings shown in an open ``views.py``.
Checks run in a worker thread, debounced after changes; one that takes longer than
``file-timeout`` is dropped with a log message, so the editor never waits on backlint.
"""
from __future__ import annotations

import asyncio
import os
import threading
from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from . import convert

DEBOUNCE = 0.15  # seconds of quiet after a change before the document is checked again


def _path(uri: str) -> Optional[str]:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(unquote(parsed.path))


class BacklintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("backlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.ws = None
        self.lock = threading.Lock()
        self.pending: Dict[str, asyncio.Task] = {}
        self.last: Dict[str, Tuple[list, Dict[int, types.Diagnostic]]] = {}
        self.docs_dir: Optional[str] = None
        self.timeout = 60.0
        self.loaded = False

    # -- state -----------------------------------------------------------------------------------
    def setup(self, root: str) -> None:
        from .. import config as config_mod
        from ..workspace import Workspace

        os.chdir(root)
        settings = config_mod.load([root])
        self.timeout = settings.file_timeout
        self.ws = Workspace(settings, [root])
        self._write_docs(settings)

    def _write_docs(self, settings) -> None:
        """Rule pages for the diagnostics' links (when no rule-docs-url is configured)."""
        if settings.rule_docs_url:
            return
        from .. import registry, rule_docs
        from ..runner import cache_directory

        target = os.path.join(cache_directory(settings), "rule-docs")
        try:
            rule_docs.write(target, registry.all_rules())
            self.docs_dir = target
        except OSError as exc:
            self.log(f"cannot write rule pages to {target}: {exc}")

    def docs_uri(self, code: str, name: str) -> Optional[str]:
        url = self.ws.settings.rule_docs_url if self.ws else None
        if url:
            return url.replace("{code}", code).replace("{name}", name)
        if self.docs_dir:
            from pathlib import Path

            return Path(self.docs_dir, f"{code}.md").as_uri()
        return None

    def log(self, message: str, kind=types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=f"backlint: {message}"))

    # -- checking ---------------------------------------------------------------------------------
    def load_project(self) -> None:
        """Check the whole project once (from the results cache when warm), in the background:
        open documents are checked meanwhile, and keep their editor text when the load lands."""
        from ..workspace import Workspace

        import time

        fresh = Workspace(self.ws.settings, self.ws.paths)
        started = time.perf_counter()
        try:
            fresh.load(jobs=1)  # in this thread: no worker processes forked from a threaded server
        except Exception as exc:  # a broken project must not take the editor down
            self.log(f"loading the project failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
            return
        with self.lock:
            for shown in self.open_paths:
                if shown in self.ws.results:
                    fresh.results[shown] = self.ws.results[shown]
                    if shown in self.ws.facts:
                        fresh.facts[shown] = self.ws.facts[shown]
            fresh.recompute(force=True)
            self.ws = fresh
            self.loaded = True
        self.log(f"project loaded: {len(fresh.results)} files in {time.perf_counter() - started:.1f} s")

    @property
    def open_paths(self) -> List[str]:
        from ..discovery import display_path

        return [display_path(p) for p in (_path(u) for u in list(self.workspace.text_documents)) if p]

    def _update(self, path: str, text: str) -> None:
        with self.lock:
            self.ws.update(path, text.encode("utf-8"))
            self.ws.recompute()

    async def check(self, uri: str) -> None:
        path = _path(uri)
        if path is None or self.ws is None or not path.endswith((".py", ".pyi")):
            return
        doc = self.workspace.get_text_document(uri)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._update, path, doc.source), timeout=self.timeout)
        except asyncio.TimeoutError:
            self.log(f"{path}: checking took longer than file-timeout ({self.timeout:g} s); dropped",
                     types.MessageType.Warning)
            return
        except Exception as exc:
            self.log(f"{path}: {type(exc).__name__}: {exc}", types.MessageType.Error)
            return
        self.publish_all()

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()

        async def later() -> None:
            await asyncio.sleep(delay)
            await self.check(uri)

        self.pending[uri] = asyncio.get_running_loop().create_task(later())

    def publish_all(self) -> None:
        """Diagnostics for every open document: cross-file results may have changed in any of them."""
        for uri in list(self.workspace.text_documents):
            self.publish(uri)

    def publish(self, uri: str) -> None:
        path = _path(uri)
        if path is None or self.ws is None:
            return
        doc = self.workspace.get_text_document(uri)
        lines = doc.lines or [""]
        with self.lock:
            findings = self.ws.findings_for(path)
        diags: Dict[int, types.Diagnostic] = {}
        for f in findings:
            diags[id(f)] = convert.diagnostic(f, doc.position_codec, lines, self.docs_uri(f.code, f.name))
        self.last[uri] = (findings, diags)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=list(diags.values())))


server = BacklintServer()


@server.feature(types.INITIALIZE)
def on_initialize(ls: BacklintServer, params: types.InitializeParams) -> None:
    root = None
    if params.workspace_folders:
        root = _path(params.workspace_folders[0].uri)
    if root is None and params.root_uri:
        root = _path(params.root_uri)
    ls.setup(root or os.getcwd())


@server.feature(types.INITIALIZED)
def on_initialized(ls: BacklintServer, params: types.InitializedParams) -> None:
    async def load() -> None:
        await asyncio.to_thread(ls.load_project)
        ls.publish_all()

    # in the background: documents opened meanwhile are checked at once, not after the load
    ls.load_task = asyncio.get_running_loop().create_task(load())


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def on_open(ls: BacklintServer, params: types.DidOpenTextDocumentParams) -> None:
    await ls.check(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: BacklintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def on_save(ls: BacklintServer, params: types.DidSaveTextDocumentParams) -> None:
    await ls.check(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def on_close(ls: BacklintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = _path(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    ls.last.pop(uri, None)
    if path and ls.ws is not None and os.path.isfile(path):
        def from_disk() -> None:  # the closed buffer may differ from the file: go back to the disk
            with open(path, "rb") as fh:
                data = fh.read()
            with ls.lock:
                ls.ws.update(path, data)
                ls.ws.recompute()

        await asyncio.to_thread(from_disk)
        ls.publish_all()


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def on_code_action(ls: BacklintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    findings, diags = ls.last.get(uri, ([], {}))
    first, last = params.range.start.line + 1, params.range.end.line + 1
    wanted = [f for f in findings if f.start_line <= last and f.end_line >= first]
    doc = ls.workspace.get_text_document(uri)
    # unsafe fixes are offered too, labelled as such: in the editor the user reviews each one
    return convert.code_actions(uri, wanted, doc.lines or [""], doc.position_codec, diags, unsafe_fixes=True)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: BacklintServer, params: types.HoverParams) -> Optional[types.Hover]:
    from .. import registry

    findings, _ = ls.last.get(params.text_document.uri, ([], {}))
    line = params.position.line + 1
    here = [f for f in findings if f.start_line <= line <= f.end_line]
    if not here:
        return None
    parts = []
    for code in dict.fromkeys(f.code for f in here):
        rule = registry.all_rules().get(code)
        if rule is not None:
            parts.append(convert.hover_text(rule))
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


def main() -> None:
    server.start_io()
