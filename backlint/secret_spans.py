"""Keeping a secret's source text out of every fix text, cache entry and output (issue #24 item 2).

A ``hardcoded-secret`` finding marks a span of the file as secret. Any other finding whose source
covers that span carries the secret twice over: in its fix (a fix text reproduces the source it
replaces, e.g. a missing-timeout fix for ``requests.get("https://user:password@host")``) and in its
snippet (the source lines, kept for fingerprints).

- Fixes: a fix whose edit overlaps a secret span is dropped from the reported finding (the
  finding and its message stay). Redacting the text instead would make the fix wrong: applying
  it would replace the user's credential with a mask. ``--fix`` still applies such a fix in
  memory (the file already holds the secret; nothing is shown), ``--diff`` does not (it would
  print the secret). Dropping at the source also makes cold and warm runs identical in every
  format, since the cache never sees such a fix.
- Snippets: the cache stores the fingerprint hash of such a finding instead of its source lines,
  as it does for the secret finding itself, so fingerprints and baselines are unchanged.

Plain data only (no libcst).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Sequence, Tuple

from .findings import SECRET_CATEGORY, Finding

Span = Tuple[Tuple[int, int], Tuple[int, int]]  # ((line, column), (line, column)), end exclusive


def secret_spans(findings: Sequence[Finding]) -> List[Span]:
    return [
        ((f.start_line, f.start_column), (f.end_line, f.end_column))
        for f in findings if f.category == SECRET_CATEGORY
    ]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _fix_touches(finding: Finding, spans: Sequence[Span]) -> bool:
    if finding.fix is None:
        return False
    for edit in finding.fix.edits:
        span = ((edit.start_line, edit.start_column), (edit.end_line, edit.end_column))
        if any(_overlaps(span, s) for s in spans):
            return True
    return False


def drop_secret_fixes(findings: List[Finding]) -> List[Finding]:
    """``findings`` with the fixes that would reproduce a secret removed (same order)."""
    spans = secret_spans(findings)
    if not spans:
        return findings
    return [
        dataclasses.replace(f, fix=None) if f.category != SECRET_CATEGORY and _fix_touches(f, spans) else f
        for f in findings
    ]


def _lines_touch(finding: Finding, spans: Sequence[Span]) -> bool:
    return any(finding.start_line <= s[1][0] and s[0][0] <= finding.end_line for s in spans)


def cache_rows(findings: Sequence[Finding]) -> List[Dict[str, Any]]:
    """The cache's rows for one file's findings: no secret's source text in any of them."""
    spans = secret_spans(findings)
    rows = []
    for finding in findings:
        if spans and finding.category != SECRET_CATEGORY:
            if _fix_touches(finding, spans):
                finding = dataclasses.replace(finding, fix=None)
            if _lines_touch(finding, spans):
                from .baseline import source_hash

                row = finding.to_cache()
                row.pop("snippet", None)
                row["snippet_hash"] = source_hash(finding)
                rows.append(row)
                continue
        rows.append(finding.to_cache())
    return rows
