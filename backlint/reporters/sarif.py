"""SARIF 2.1.0 output (``--format sarif``), shaped for GitHub code scanning.

One run: ``tool.driver`` with a reporting descriptor for every rule that could run, one result
per finding (location relative to ``%SRCROOT%``, our own ``backlint/v1`` fingerprint, fixes),
and ``invocations[0]`` with a notification for every file that did not parse and every internal
error. Never embeds source text (``Finding.snippet``): a hardcoded-secret finding's snippet is
the secret. Knows nothing about libcst: rules are read through their plain class attributes.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, TextIO, Tuple
from urllib.parse import quote

from .. import __version__
from ..baseline import FINGERPRINT_KEY, SecretGuard, fingerprints
from ..findings import PARSE_ERROR_CODE, Finding, RunResult

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "SRCROOT"
AUTOMATION_ID = "backlint/"
_FALLBACK_INFORMATION_URI = None  # no published home page exists: omit informationUri
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}
# notification descriptors (driver.notifications); referenced by index from invocations
_NOTIFICATIONS = (
    ("parse-error", "A file could not be decoded or parsed; no rule checked it."),
    ("internal-error", "A rule or the engine failed on a file; other rules and files were still checked."),
    ("io-error", "A file or path could not be read."),
)


@dataclass(frozen=True)
class RuleInfo:
    """What a reporter needs to know about a rule (built from a rule class by duck typing)."""

    code: str
    name: str
    category: str
    severity: str
    summary: str
    docs: str = ""
    precision: str = "high"
    tags: Tuple[str, ...] = ()
    security_severity: Optional[str] = None
    help_uri: Optional[str] = None
    example_bad: Optional[str] = None
    example_good: Optional[str] = None
    options: Tuple[Tuple[str, str, str, str], ...] = field(default=())  # (key, type, default, description)

    @classmethod
    def from_rule(cls, rule: Any) -> "RuleInfo":
        options = []
        for key, opt in (getattr(rule, "options", None) or {}).items():
            type_name = opt.type_name() if hasattr(opt, "type_name") else ""
            options.append((key, type_name, repr(opt.default), getattr(opt, "description", "")))
        severity = getattr(rule.severity, "value", rule.severity)
        return cls(
            code=rule.code,
            name=rule.name,
            category=rule.category,
            severity=str(severity),
            summary=rule.summary(),
            docs=rule.docs(),
            precision=getattr(rule, "precision", "high"),
            tags=tuple(getattr(rule, "tags", ()) or ()),
            security_severity=getattr(rule, "security_severity", None),
            help_uri=getattr(rule, "help_uri", None),
            example_bad=rule.example_code("Example") if hasattr(rule, "example_code") else None,
            example_good=rule.example_code("Use instead") if hasattr(rule, "example_code") else None,
            options=tuple(options),
        )


def with_help_uri(rule: "RuleInfo", template: str) -> "RuleInfo":
    """``rule`` with ``helpUri`` from the user's ``rule-docs-url`` template ({code}, {name})."""
    import dataclasses

    return dataclasses.replace(rule, help_uri=template.replace("{code}", rule.code).replace("{name}", rule.name))


def information_uri() -> Optional[str]:
    """The project's home page from the installed package metadata; None when it declares none
    (SARIF makes informationUri optional: better none than one that does not resolve)."""
    try:
        from importlib.metadata import metadata

        meta = metadata("backlint")
    except Exception:  # PackageNotFoundError, or broken metadata
        return _FALLBACK_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository") and url.strip().startswith("http"):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.startswith("http") else _FALLBACK_INFORMATION_URI


# -- URIs ----------------------------------------------------------------------------------

def srcroot_uri(directory: str) -> str:
    uri = pathlib.Path(os.path.abspath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def artifact_uri(path: str, root: str) -> Tuple[str, bool]:
    """(uri, relative?) for a finding path: relative to ``root`` and percent-encoded when possible."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(root))
    except ValueError:  # another drive (Windows): no relative reference exists
        return pathlib.Path(absolute).as_uri(), False
    rel = rel.replace(os.sep, "/")
    encoded = quote(rel.encode("utf-8", "surrogateescape"), safe="/")
    return encoded, True


# -- descriptors -----------------------------------------------------------------------------

def _strip_markdown(markdown: str) -> str:
    out = []
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            continue
        out.append(re.sub(r"^#+\s*", "", line))
    return "\n".join(out).strip()


def _full_description(rule: RuleInfo) -> str:
    match = re.search(r"^## What it does\s*$(.*?)(?=^## |\Z)", rule.docs, re.M | re.S)
    text = match.group(1).strip() if match else ""
    return " ".join(text.split()) or rule.summary


def _help_markdown(rule: RuleInfo) -> str:
    body = rule.docs.strip() or rule.summary
    parts = [body]
    if rule.example_bad is not None and "## Example" not in body:
        parts.append("## Example\n```python\n" + rule.example_bad.rstrip("\n") + "\n```")
    if rule.example_good is not None and "## Use instead" not in body:
        parts.append("## Use instead\n```python\n" + rule.example_good.rstrip("\n") + "\n```")
    if rule.options:
        lines = ["## Options", f"Set in `[tool.backlint.{rule.name}]`:"]
        for key, type_name, default, description in rule.options:
            lines.append(f"- `{key}` ({type_name}, default `{default}`): {description}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _tags(rule: RuleInfo) -> List[str]:
    tags: List[str] = []
    extra = ["security"] if rule.security_severity is not None else []
    for tag in [rule.category, *rule.tags, *extra]:
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def rule_descriptor(rule: RuleInfo) -> Dict[str, Any]:
    markdown = _help_markdown(rule)
    descriptor: Dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": _full_description(rule)},
        "help": {"text": _strip_markdown(markdown), "markdown": markdown},
    }
    if rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    descriptor["defaultConfiguration"] = {"level": _LEVELS.get(rule.severity, "warning")}
    properties: Dict[str, Any] = {"tags": _tags(rule), "precision": rule.precision}
    if rule.security_severity is not None:
        properties["security-severity"] = str(rule.security_severity)
    descriptor["properties"] = properties
    return descriptor


# -- the log ---------------------------------------------------------------------------------

def _region(start_line: int, start_column: int, end_line: int, end_column: int) -> Dict[str, int]:
    start_line, start_column = max(1, start_line), max(1, start_column)
    end_line = max(start_line, end_line)
    end_column = max(1, end_column)
    if end_line == start_line and end_column < start_column:
        end_column = start_column
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}


def _artifact(path: str, root: str) -> Dict[str, str]:
    uri, relative = artifact_uri(path, root)
    return {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}


def _fixes(finding: Finding, root: str, guard: SecretGuard) -> Optional[List[Dict[str, Any]]]:
    fix = finding.fix
    if fix is None or not fix.edits:
        return None
    # a fix is source text: one that would carry a reported secret (e.g. a rewrite of a whole
    # call that holds a hardcoded token) is left out rather than written to the log
    if guard and any(guard.leaks(edit.text, finding.path) for edit in fix.edits):
        return None
    description = fix.description if fix.applicability == "safe" else f"{fix.description} (unsafe fix)"
    replacements = [
        {
            "deletedRegion": _region(e.start_line, e.start_column, e.end_line, e.end_column),
            "insertedContent": {"text": e.text},
        }
        for e in fix.edits
    ]
    return [{
        "description": {"text": guard.redact(description, finding)},
        "artifactChanges": [{"artifactLocation": _artifact(finding.path, root), "replacements": replacements}],
    }]


def to_sarif(
    run: RunResult,
    rules: Iterable[RuleInfo] = (),
    fingerprint_of: Optional[Mapping[int, str]] = None,
    root: Optional[str] = None,
    properties: Optional[Dict[str, Any]] = None,
    baseline_used: bool = False,
) -> Dict[str, Any]:
    """The SARIF log of ``run`` as a dict.

    ``rules``: every rule that could run (findings of other rules get a minimal descriptor).
    ``fingerprint_of``: ``id(finding) -> backlint/v1`` digests computed over the whole run
    before any filtering (``--baseline``, ``--since``); computed from ``run.findings`` if absent.
    ``root``: the directory ``%SRCROOT%`` stands for (default: the working directory).
    """
    root = os.path.abspath(root or os.getcwd())
    guard = SecretGuard(run.findings)
    infos: Dict[str, RuleInfo] = {r.code: r for r in rules}
    for f in run.findings:
        if f.code not in infos:
            infos[f.code] = RuleInfo(f.code, f.name, f.category, f.severity.value, f.name)
    ordered = [infos[c] for c in sorted(infos)]
    index = {r.code: i for i, r in enumerate(ordered)}

    if fingerprint_of is None:
        fingerprint_of = {id(f): fp.digest() for f, fp in zip(run.findings, fingerprints(run.findings))}

    results = []
    for f in run.findings:
        result: Dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVELS.get(f.severity.value, "warning"),
            "message": {"text": guard.redact(f.message, f) or f.name},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path, root),
                    "region": _region(f.start_line, f.start_column, f.end_line, f.end_column),
                }
            }],
        }
        digest = fingerprint_of.get(id(f))
        if digest is None:
            digest = fingerprints([f])[0].digest()
        result["fingerprints"] = {FINGERPRINT_KEY: digest}
        if baseline_used:
            result["baselineState"] = "new"
        fixes = _fixes(f, root, guard)
        if fixes:
            result["fixes"] = fixes
        if f.related:
            result["relatedLocations"] = [{
                "id": i,
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path, root),
                    "region": _region(r.start_line, r.start_column, r.end_line, r.end_column),
                },
                "message": {"text": guard.redact(r.message, f) or f.name},
            } for i, r in enumerate(f.related, 1)]
        results.append(result)

    notifications = []
    note_index = {name: i for i, (name, _) in enumerate(_NOTIFICATIONS)}
    for f in run.findings:
        if f.code != PARSE_ERROR_CODE:
            continue
        notifications.append({
            "level": "error",
            "message": {"text": f"{f.path}: not checked: {guard.redact(f.message, f)}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(f.path, root),
                "region": _region(f.start_line, f.start_column, f.end_line, f.end_column),
            }}],
            "descriptor": {"id": "parse-error", "index": note_index["parse-error"]},
            "associatedRule": {"id": f.code, "index": index[f.code]},
        })
    for error in run.errors:
        kind = error.kind if error.kind in note_index else "internal-error"
        note: Dict[str, Any] = {
            "level": "error",
            "message": {"text": guard.redact_in(error.describe(), error.path)},
            "descriptor": {"id": kind, "index": note_index[kind]},
        }
        if error.path and not error.path.startswith("<"):
            note["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(error.path, root)}}]
        if error.rule:
            ref: Dict[str, Any] = {"id": error.rule}
            if error.rule in index:
                ref["index"] = index[error.rule]
            note["associatedRule"] = ref
        notifications.append(note)

    invocation: Dict[str, Any] = {"executionSuccessful": not run.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    invocation["workingDirectory"] = {"uri": srcroot_uri(os.getcwd())}

    driver = {
        "name": "backlint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(r) for r in ordered],
        "notifications": [
            {"id": name, "shortDescription": {"text": text}} for name, text in _NOTIFICATIONS
        ],
    }
    info = information_uri()
    if info:
        driver["informationUri"] = info
    sarif_run: Dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": AUTOMATION_ID},
        "originalUriBaseIds": {SRCROOT: {"uri": srcroot_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }
    if properties:
        sarif_run["properties"] = properties
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [sarif_run]}


def render(
    run: RunResult,
    out: TextIO,
    rules: Iterable[RuleInfo] = (),
    fingerprint_of: Optional[Mapping[int, str]] = None,
    root: Optional[str] = None,
    properties: Optional[Dict[str, Any]] = None,
    baseline_used: bool = False,
) -> None:
    log = to_sarif(run, rules, fingerprint_of, root, properties, baseline_used)
    json.dump(log, out, indent=2, ensure_ascii=False)
    out.write("\n")
