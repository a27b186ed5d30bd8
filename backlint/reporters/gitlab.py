"""GitLab Code Quality report (`--format gitlab`): the JSON array GitLab's merge-request widget reads.

Each finding becomes one issue object with the fields GitLab documents as required: ``description``,
``check_name``, ``fingerprint`` (unique per issue: the backlint/v1 fingerprint, which counts
identical findings apart), ``severity`` (``info``/``minor``/``major``/``critical``/``blocker``) and
``location.path`` + ``location.lines.begin``. Paths are relative to the report root (the repository's
top level), which is what GitLab maps to files. Knows nothing about libcst.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, TextIO

from ..baseline import SecretGuard, fingerprints
from ..findings import RunResult

_SEVERITY = {"note": "info", "warning": "minor", "error": "major"}


def _path(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return rel.replace(os.sep, "/")


def to_issues(run: RunResult, root: Optional[str] = None,
              fingerprint_of: Optional[Mapping[int, str]] = None) -> List[Dict[str, Any]]:
    root = root or os.getcwd()
    guard = SecretGuard(run.findings)
    if fingerprint_of is None:
        fingerprint_of = {id(f): fp.digest() for f, fp in zip(run.findings, fingerprints(run.findings))}
    issues = []
    for f in run.findings:
        digest = fingerprint_of.get(id(f)) or fingerprints([f])[0].digest()
        issues.append({
            "type": "issue",
            "description": f"{f.code} [{f.name}] {guard.redact(f.message, f)}",
            "check_name": f"{f.code} {f.name}",
            "categories": ["Security" if f.category in _SECURITY else "Bug Risk"],
            "fingerprint": digest,
            "severity": _SEVERITY.get(f.severity.value, "minor"),
            "location": {
                "path": _path(f.path, root),
                "lines": {"begin": max(1, f.start_line), "end": max(f.start_line, f.end_line, 1)},
            },
        })
    return issues


_SECURITY = frozenset({"sql-injection", "hardcoded-secret", "jwt-misuse", "weak-password-hash",
                       "insecure-cookie", "cors-misconfig", "debug-enabled", "tls-verify-disabled",
                       "unsafe-deserialization", "secret-in-log", "exception-leak", "command-injection"})


def render(run: RunResult, out: TextIO, root: Optional[str] = None,
           fingerprint_of: Optional[Mapping[int, str]] = None) -> None:
    json.dump(to_issues(run, root, fingerprint_of), out, indent=2, ensure_ascii=False)
    out.write("\n")
