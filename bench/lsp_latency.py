#!/usr/bin/env python3
"""Latency of `backlint server` as an editor sees it (a benchmark script, not a test).

Starts the server over stdio with a real LSP client (pytest-lsp's), on a real project from the
precision corpus (default: netbox, ~1,300 files; `python bench/precision.py fetch` first), and
measures:
  - start-up: initialize -> first diagnostics for an opened file, and -> the project loaded
    (cross-file results), with a cold and then a warm results cache;
  - change: an edit to an open ~500-line file -> its new diagnostics (median of N edits; the
    server's 0.15 s debounce is included).

Usage: python bench/lsp_latency.py [--app netbox-4.7.3] [--edits 10]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def pick_file(root: Path, lines: int = 500) -> Path:
    best = None
    for path in root.rglob("*.py"):
        if "/migrations/" in str(path) or "/tests/" in str(path):
            continue
        n = path.read_bytes().count(b"\n")
        if best is None or abs(n - lines) < abs(best[0] - lines):
            best = (n, path)
    return best[1]


async def session(root: Path, target: Path, edits: int):
    config = ClientServerConfig(server_command=[sys.executable, "-m", "backlint", "server"])
    client = await config.start()
    uri = target.as_uri()
    text = target.read_text(encoding="utf-8")
    started = time.perf_counter()
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=text)))
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 900)
    first = time.perf_counter() - started

    async def project_loaded():
        while not any("project loaded" in m.message for m in client.log_messages):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(project_loaded(), 900)
    loaded = time.perf_counter() - started
    latencies = []
    for i in range(edits):
        text += f"\nvalue_{i} = {i}\n"
        before = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=i + 2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120)
        latencies.append(time.perf_counter() - before)
        await asyncio.sleep(0.3)
    await client.shutdown_session()
    return first, loaded, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default="netbox-4.7.3")
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    source = HERE / ".corpus" / "src" / args.app
    if not source.is_dir():
        raise SystemExit(f"{source} is missing: run `python bench/precision.py fetch` first")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / args.app
        shutil.copytree(source, root)
        files = sum(1 for _ in root.rglob("*.py"))
        target = pick_file(root)
        n_lines = target.read_bytes().count(b"\n")
        print(f"project {args.app}: {files} files; edited file {target.relative_to(root)} ({n_lines} lines)")
        for label in ("cold cache", "warm cache"):
            first, loaded, latencies = asyncio.run(session(root, target, args.edits))
            print(f"{label}: first diagnostics {first:.2f} s, project loaded {loaded:.2f} s, "
                  f"after a change: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s "
                  f"(includes the server's debounce; n={len(latencies)})")


if __name__ == "__main__":
    main()
