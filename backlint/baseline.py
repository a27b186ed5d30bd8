"""Finding fingerprints and the baseline file.

A fingerprint names a finding without its line number, so it survives edits elsewhere in the
file: ``(rule, path, hash of the finding's normalised source, occurrence index)``. The occurrence
index tells apart identical findings (same rule, same file, same normalised source) in the order
they appear in the file. The baseline file (``--write-baseline``/``--baseline``) stores these
fingerprints; SARIF ``fingerprints["backlint/v1"]`` is a digest of the same tuple.

Secrets: for a ``hardcoded-secret`` finding the reported range (the secret) is masked before
hashing, so no fingerprint, baseline entry or SARIF digest depends on the secret's value.
:class:`SecretGuard` lets reporters keep secret text out of messages and fix texts.

Plain data only (no libcst), like the reporters.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # findings.py imports source_hash from here
    from .findings import Finding

BASELINE_VERSION = 1
FINGERPRINT_KEY = "backlint/v1"
SECRET_CATEGORY = "hardcoded-secret"
_MASK = "<secret>"
_WHITESPACE_RE = re.compile(r"\s+")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a backlint baseline (exit code 2)."""


# -- fingerprints ----------------------------------------------------------------------------

def _region_bounds(finding: Finding, lines: List[str]) -> Optional[Tuple[int, int, int, int]]:
    """(first line index, start offset, last line index, end offset) of the finding in ``lines``."""
    count = finding.end_line - finding.start_line + 1
    if count < 1 or len(lines) != count:
        return None
    start = max(0, min(finding.start_column - 1, len(lines[0])))
    end = max(0, min(finding.end_column - 1, len(lines[-1])))
    if count == 1 and end < start:
        return None
    return 0, start, count - 1, end


def _mask_region(finding: Finding) -> str:
    """The snippet with the finding's own range replaced by a placeholder."""
    lines = finding.snippet.split("\n")
    bounds = _region_bounds(finding, lines)
    if bounds is None:
        return _MASK
    _, start, last, end = bounds
    return lines[0][:start] + _MASK + lines[last][end:]


def normalise_source(finding: Finding) -> str:
    """The finding's source lines with all whitespace removed (secrets masked).

    Removing whitespace rather than collapsing it keeps the hash stable when a formatter
    re-indents the code, splits it over several lines or adds a space after a comma.
    """
    text = _mask_region(finding) if finding.category == SECRET_CATEGORY else finding.snippet
    return _WHITESPACE_RE.sub("", text)


def source_hash(finding: Finding) -> str:
    """16 hex digits of SHA-256 over the normalised source of the finding."""
    if finding.snippet_hash:  # read back from the cache, which keeps no secret's source
        return finding.snippet_hash
    return hashlib.sha256(normalise_source(finding).encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True, order=True)
class Fingerprint:
    path: str  # "/"-separated, relative to the base the caller chose
    rule: str
    hash: str
    occurrence: int

    def digest(self) -> str:
        """The SARIF ``backlint/v1`` value: 32 hex digits over the whole tuple."""
        data = "\0".join(("backlint/v1", self.rule, self.path, self.hash, str(self.occurrence)))
        return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def to_entry(self) -> Dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "hash": self.hash, "occurrence": self.occurrence}


def relative_path(path: str, base: str) -> str:
    """``path`` (relative to the working directory, or absolute) relative to directory ``base``."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:  # another drive on Windows
        rel = absolute
    return rel.replace(os.sep, "/")


def fingerprints(findings: Sequence[Finding], path_of: Optional[Callable[[Finding], str]] = None) -> List[Fingerprint]:
    """One fingerprint per finding, in the same order.

    ``path_of`` maps a finding to the path recorded in the fingerprint (default: ``finding.path``).
    Occurrence indices count identical (rule, path, hash) findings in file order, so compute
    fingerprints over all findings of a run, before filtering any out.
    """
    path_of = path_of or (lambda f: f.path)
    keyed = [(path_of(f), f.code, source_hash(f)) for f in findings]
    order = sorted(range(len(findings)), key=lambda i: (keyed[i], findings[i].sort_key()))
    seen: Counter = Counter()
    out: List[Optional[Fingerprint]] = [None] * len(findings)
    for i in order:
        key = keyed[i]
        out[i] = Fingerprint(key[0], key[1], key[2], seen[key])
        seen[key] += 1
    return out  # type: ignore[return-value]


# -- the baseline file -----------------------------------------------------------------------

def dumps(findings: Sequence[Finding], base_dir: str) -> str:
    """The baseline file for ``findings``: sorted, one entry per line, stable across runs."""
    entries = sorted(fingerprints(findings, lambda f: relative_path(f.path, base_dir)))
    lines = [_entry_json(e.to_entry()) for e in entries]
    body = ",\n".join("    " + line for line in lines)
    return (
        "{\n"
        f'  "version": {BASELINE_VERSION},\n'
        '  "tool": "backlint",\n'
        + ('  "findings": [\n' + body + "\n  ]\n" if lines else '  "findings": []\n')
        + "}\n"
    )


def _entry_json(entry: Dict[str, Any]) -> str:
    """One entry as JSON, readable UTF-8: a path that is not valid UTF-8 (a file name's raw bytes,
    held as surrogates by Python) is written with ``\\udcXX`` escapes, which load back to the
    same path."""
    text = json.dumps(entry, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(entry, ensure_ascii=True)
    return text


@dataclass
class BaselineMatch:
    new: List[Finding]  # findings not in the baseline, in their original order
    baselined: int  # findings the baseline accounted for
    stale: List[Fingerprint]  # baseline entries no finding matched (fixed, or the code changed)


class Baseline:
    def __init__(self, path: str, entries: Iterable[Fingerprint]) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.entries = sorted(set(entries))

    @classmethod
    def load(cls, path: str) -> "Baseline":
        try:
            with open(path, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            raise BaselineError(
                f"{path}: baseline file not found (create it with `backlint check --write-baseline {path}`)"
            ) from None
        except OSError as exc:
            raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise BaselineError(f"{path}: not a backlint baseline (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or "version" not in data or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{path}: not a backlint baseline (expected an object with 'version' and 'findings')")
        if data["version"] != BASELINE_VERSION:
            raise BaselineError(
                f"{path}: baseline version {data['version']!r} is not supported (this backlint reads version "
                f"{BASELINE_VERSION}); rewrite it with --write-baseline"
            )
        entries = []
        for number, item in enumerate(data["findings"], start=1):
            if not (
                isinstance(item, dict)
                and isinstance(item.get("path"), str)
                and isinstance(item.get("rule"), str)
                and isinstance(item.get("hash"), str)
                and isinstance(item.get("occurrence"), int)
                and not isinstance(item.get("occurrence"), bool)
            ):
                raise BaselineError(
                    f"{path}: entry {number} of 'findings' is malformed (expected path, rule, hash, occurrence)"
                )
            entries.append(Fingerprint(item["path"], item["rule"], item["hash"], item["occurrence"]))
        return cls(path, entries)

    def match(
        self,
        findings: Sequence[Finding],
        checked: Optional[Iterable[str]] = None,
        rules: Optional[Iterable[str]] = None,
    ) -> BaselineMatch:
        """Split ``findings`` into new and baselined ones, and find the stale entries.

        ``checked`` (paths of the files this run checked) and ``rules`` (codes enabled in this run)
        limit what can be stale: an entry for a file or rule the run did not look at (pre-commit
        passes a few file names, ``--select`` narrows the rules) is out of scope, not fixed.
        An entry whose file no longer exists is stale.
        """
        prints = fingerprints(findings, lambda f: relative_path(f.path, self.base_dir))
        known = set(self.entries)
        new = [f for f, fp in zip(findings, prints) if fp not in known]
        used = known.intersection(prints)
        in_scope_paths = None if checked is None else {relative_path(p, self.base_dir) for p in checked}
        in_scope_rules = None if rules is None else set(rules)

        def in_scope(entry: Fingerprint) -> bool:
            if in_scope_rules is not None and entry.rule not in in_scope_rules:
                return False
            if in_scope_paths is None or entry.path in in_scope_paths:
                return True
            return not os.path.exists(os.path.join(self.base_dir, entry.path))

        stale = [e for e in self.entries if e not in used and in_scope(e)]
        return BaselineMatch(new, len(findings) - len(new), stale)


# -- keeping secrets out of output ------------------------------------------------------------

_FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", None)  # Python 3.12+


def _string_values(region: str) -> List[str]:
    """The contents of the string literals in ``region``; the whole region if it does not tokenize."""
    values: List[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(region).readline):
            if tok.type == tokenize.STRING:
                body = tok.string.lstrip("rRbBuUfF")
                quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
                values.append(body[len(quote):len(body) - len(quote)] if len(body) >= 2 * len(quote) else body)
            elif _FSTRING_MIDDLE is not None and tok.type == _FSTRING_MIDDLE:
                values.append(tok.string)
            elif tok.type == tokenize.ERRORTOKEN and tok.string.strip():
                return [region]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [region]  # e.g. a region that starts or ends inside a string
    return values


class SecretGuard:
    """Knows the secrets reported by ``hardcoded-secret`` findings of a run, to keep them out of output.

    Scoped, so that it never damages other text: a message is redacted only with the secrets of
    its own finding (:meth:`redact`), a fix or an error text only with the secrets found in the
    same file (:meth:`leaks`, :meth:`redact_in`). A test password such as ``first`` in one file
    must not turn ``.first()`` into ``.fir…()`` in every other message of the run.
    """

    MIN_LENGTH = 4  # shorter strings are not worth hiding and would mask ordinary words

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.own: Dict[int, List[str]] = {}
        by_path: Dict[str, set] = {}
        for f in findings:
            if f.category != SECRET_CATEGORY or not f.snippet:
                continue
            lines = f.snippet.split("\n")
            bounds = _region_bounds(f, lines)
            if bounds is None:
                region = f.snippet
            else:
                _, start, last, end = bounds
                region = lines[0][start:end] if last == 0 else "\n".join(
                    [lines[0][start:]] + lines[1:last] + [lines[last][:end]]
                )
            found = {v.strip() for v in _string_values(region) if len(v.strip()) >= self.MIN_LENGTH}
            if found:
                self.own[id(f)] = sorted(found, key=len, reverse=True)
                by_path.setdefault(f.path, set()).update(found)
        self.by_path = {p: sorted(v, key=len, reverse=True) for p, v in by_path.items()}
        self.secrets = sorted({s for v in by_path.values() for s in v}, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def leaks(self, text: str, path: Optional[str] = None) -> bool:
        """Whether ``text`` holds a secret reported in ``path`` (any file's when ``path`` is None)."""
        secrets = self.secrets if path is None else self.by_path.get(path, ())
        return any(secret in text for secret in secrets)

    @staticmethod
    def _mask(text: str, secrets: Iterable[str]) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, secret[:3] + "…")
        return text

    def redact(self, text: str, finding: Optional[Finding] = None) -> str:
        """``text`` (the message of ``finding``) with that finding's own secrets masked."""
        if finding is None:
            return self._mask(text, self.secrets)
        return self._mask(text, self.own.get(id(finding), ()))

    def redact_in(self, text: str, path: Optional[str]) -> str:
        """``text`` (an error about ``path``) with the secrets found in that file masked."""
        return self._mask(text, self.by_path.get(path or "", ()))
