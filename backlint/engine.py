"""Files in, findings out. The engine knows no rule: it parses each file once, runs every enabled
rule's handlers in one shared read-only walk, then applies positions, suppressions and fixes.
"""
from __future__ import annotations

import difflib
import os
from typing import Dict, List, Optional, Tuple, Type

import libcst as cst

from . import positions, registry
from .config import Settings
from .discovery import display_path
from .dispatch import _handlers, _prebind_module_imports, _rule_error, _semantic_handlers  # noqa: F401
from .edits import _line_starts, _replacement_text, apply_edits  # noqa: F401
from .findings import (
    PARSE_ERROR_CODE,
    UNUSED_SUPPRESSION_CODE,
    Edit,
    FileResult,
    Finding,
    Fix,
    InternalError,
    Related,
)
from .fixtext import FixTexts
from .fixwrite import Refused, write_fix
from .rule import FileContext, Rule
from .safe_read import NotReadable, read_bounded
from .secret_spans import drop_secret_fixes
from .selection import Selector
from .semantics import Semantics
from .shape import TooComplex, recursion_limit
# decoding and parsing live in source.py; the names stay importable from here
from .source import MAX_NESTING, SourceError, bracket_depth, decode, encode, guard_depth, parse  # noqa: F401
from .suppression import SuppressionIndex, parse as parse_suppressions
from .walker import walk

_LINE_RE = positions.NEWLINE_RE


# -- the per-file linter -----------------------------------------------------------------------

class Linter:
    """Checks files with one settings object; one instance per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        all_rules = registry.all_rules()
        self.all_rules = all_rules
        self.rules: List[Type[Rule]] = [
            all_rules[c] for c in sorted(settings.enabled) if not all_rules[c].engine_emitted
        ]
        self.options = {rule.code: settings.options_for(rule.code) for rule in self.rules}
        self.selector = Selector(settings)
        self.project_codes = frozenset(r.code for r in self.rules if hasattr(r, "check_project"))

    def enabled_for(self, path: str) -> frozenset:
        return self.selector.enabled_for(path)

    def for_path(self, path: str) -> "Linter":
        """The linter for ``path``'s own configuration (per-directory configuration)."""
        from .config import settings_for

        own = settings_for(self.settings, path)
        if own is self.settings:
            return self
        linters = self.__dict__.setdefault("_nested", {})
        linter = linters.get(id(own))
        if linter is None:
            linter = linters[id(own)] = Linter(own)
        return linter

    # -- one file ---------------------------------------------------------------------------
    def check_path(self, path: str, fix: bool = False, diff: bool = False) -> FileResult:
        shown = display_path(path)
        try:
            # type and size first, and never more than the limit: a FIFO, /dev/zero or a huge
            # sparse file named on the command line is skipped, not read
            data, st = read_bounded(path, self.settings.max_file_size or None)
        except NotReadable as exc:
            result = FileResult(shown)
            result.skipped = str(exc)
            return result
        except OSError as exc:
            result = FileResult(shown)
            result.errors.append(InternalError(shown, f"cannot read file: {exc.strerror or exc}", kind="io-error"))
            return result
        result = self.check_source(shown, data, path, apply_fixes=fix or diff, keep_secret_fixes=fix and not diff)
        if not (fix or diff):
            from .cache import Cache, facts_hash, signature

            result.content_hash = Cache.content_hash(data)
            result.signature = signature(st)
            result.facts_hash = facts_hash(result.facts)
        if (fix or diff) and result.fixed_source is not None:
            if diff:
                result.facts.setdefault("__diff__", self._diff(shown, data, result.fixed_source))
            else:
                self._write_fixed(result, shown, path, data)
        return result

    def _write_fixed(self, result: FileResult, shown: str, path: str, data: bytes) -> None:
        """Write the fixed file (fixwrite.py); when it is refused or fails, report the file as
        it is on disk: its findings unfixed, no fix counted."""
        assert result.fixed_source is not None
        roots = [self.settings.root, os.getcwd(), *self.settings.named_dirs]
        try:
            write_fix(path, data, result.fixed_source, roots)
            return
        except Refused as exc:
            problem = str(exc)
        except OSError as exc:
            problem = f"cannot write fix: {exc.strerror or exc}"
        unfixed = self.check_source(shown, data, path)
        unfixed.errors.append(InternalError(shown, problem, kind="io-error"))
        result.findings, result.errors = unfixed.findings, unfixed.errors
        result.fixed_source, result.fixes_applied = None, 0

    def _diff(self, shown: str, old: bytes, new: bytes) -> str:
        try:
            _, encoding = decode(old)
        except SourceError:
            encoding = "utf-8"
        a = old.decode(encoding).splitlines(keepends=True)
        b = new.decode(encoding).splitlines(keepends=True)
        return "".join(difflib.unified_diff(a, b, f"a/{shown}", f"b/{shown}"))

    def check_source(self, shown: str, data: bytes, real_path: Optional[str] = None, apply_fixes: bool = False,
                     keep_secret_fixes: bool = False) -> FileResult:
        """Check ``data``. With ``apply_fixes``, ``result.fixed_source`` is the fixed file; fixes that
        span a hardcoded secret are applied only with ``keep_secret_fixes`` (--fix, which shows
        nothing) and are never reported (secret_spans.py)."""
        result = FileResult(shown)
        enabled = self.enabled_for(real_path or shown)
        limit = self.settings.max_file_size
        if limit and len(data) > limit:
            result.skipped = (
                f"skipped: the file is {len(data) / 1048576:.1f} MiB, over max-file-size "
                f"({limit / 1048576:.1f} MiB; raise it in [tool.backlint] to check such files)"
            )
            return result
        try:
            text, encoding = decode(data)
            guard_depth(data, text)
            module = parse(text)
        except TooComplex as exc:  # never parsed, in any mode: it could crash or hang the parser
            result.skipped = exc.reason
            return result
        except SourceError as exc:
            if PARSE_ERROR_CODE in enabled:
                rule = self.all_rules[PARSE_ERROR_CODE]
                sups = SuppressionIndex(parse_suppressions(_safe_text(data), registry.resolve))
                if not sups.suppressed(PARSE_ERROR_CODE, exc.line, exc.line):
                    result.findings.append(
                        Finding(PARSE_ERROR_CODE, rule.name, rule.category, rule.severity, shown,
                                exc.line, exc.column, exc.line, exc.column, exc.message)
                    )
            return result

        from .frameworks import declared

        positions.use(module, text)  # positions start at statements, not at the module (positions.py)
        declared.use(self.settings.frameworks)  # this file's configuration's own declarations
        semantics = Semantics()
        ctx = FileContext(shown, module, text, semantics)
        ctx.roles = self.selector.roles.classify(real_path or shown)
        extra = declared.marker_words()  # the project's declared clients, sessions, decorators
        extra_found = any(m in text for m in extra)
        active = []
        found: Dict[tuple, bool] = {}  # rules share marker tuples (the API rules one): each tested once
        for r in self.rules:
            if r.code not in enabled:
                continue
            markers = r.text_markers
            if markers and not extra_found:
                hit = found.get(markers)
                if hit is None:
                    hit = found[markers] = any(map(text.__contains__, markers))
                if not hit:
                    continue
            if r.text_filter(text):
                active.append(r)
        instances = [rule(ctx, self.options[rule.code]) for rule in active]
        visit, leave, on_error = _handlers(semantics, ctx, instances, result, shown)
        if instances:
            try:
                _prebind_module_imports(module, semantics)
                walk(module, visit, leave, ctx.ancestors, on_error)
            except Exception as exc:  # a failure of the engine itself, not of a rule
                result.errors.append(InternalError(shown, f"walk failed: {type(exc).__name__}: {exc}"))
        for instance in instances:
            facts = getattr(instance, "facts", None)
            if facts is not None:
                try:
                    value = facts()
                except Exception as exc:
                    result.errors.append(_rule_error(shown, instance, exc))
                    continue
                if value is not None:
                    # rules that share one analysis store its facts once, under a shared key
                    result.facts[instance.facts_key or instance.code] = value

        result.dependencies = list(ctx.dependencies)
        self._finish(result, ctx, text, enabled)
        positions.use(None)
        if apply_fixes:
            if not keep_secret_fixes:
                result.findings = drop_secret_fixes(result.findings)
            self._apply_fixes(result, text, encoding, real_path, data)
        result.findings = drop_secret_fixes(result.findings)
        return result

    def _finish(self, result: FileResult, ctx: FileContext, text: str, enabled: frozenset) -> None:
        sups = SuppressionIndex(parse_suppressions(text, registry.resolve))
        reports = ctx.reports
        wanted: List[cst.CSTNode] = []
        for rep in reports:
            wanted.append(rep.node)
            if rep.statement is not None:
                wanted.append(rep.statement)
                body = getattr(rep.statement, "body", None)
                if isinstance(body, cst.BaseSuite):
                    wanted.append(body)
            if rep.fix is not None:
                wanted.append(rep.fix.old)
            wanted.extend(node for node, _ in rep.related)
            wanted.extend(rep.lines_of)
        scopes = [rep.statement for rep in reports if rep.statement is not None]  # hold their nodes, mostly
        scopes.extend(rep.scope for rep in reports if rep.scope is not None)
        pos = positions.compute(ctx.module, wanted, scopes) if wanted else None
        lines = _LINE_RE.split(text)
        line_starts = _line_starts(text) if any(r.fix for r in reports) else []
        fix_texts = FixTexts(ctx.module, pos.indents) if line_starts and pos is not None else None
        for rep in reports:
            assert pos is not None
            r = pos.range(rep.node)
            if r is None:  # pragma: no cover - every node is generated
                continue
            first, last = r[0], r[2]
            if rep.statement is not None:
                sr = pos.range(rep.statement)
                if sr is not None:
                    first, last = min(first, sr[0]), max(last, sr[2])
                    body = getattr(rep.statement, "body", None)
                    if isinstance(body, cst.BaseSuite):
                        br = pos.inclusive_range(body) or pos.range(body)
                        if br is not None:
                            last = max(r[2], br[0])
            if sups.suppressed(rep.code, first, last):
                continue
            rule = self.all_rules[rep.code]
            fix = None
            if rep.fix is not None:
                fr = pos.inclusive_range(rep.fix.old)
                if fr is not None:
                    new_text = _replacement_text(ctx.module, text, line_starts, rep.fix.old, rep.fix.new, fr, fix_texts)
                    if new_text is not None:
                        fix = Fix(rep.fix.description, rep.fix.applicability,
                                  (Edit(fr[0], fr[1] + 1, fr[2], fr[3] + 1, new_text),))
            message = rep.message
            if not isinstance(message, str):
                message = message({id(n): nr[0] for n, nr in ((n, pos.range(n)) for n in rep.lines_of) if nr is not None})
            snippet = "\n".join(lines[r[0] - 1 : r[2]])
            related = tuple(Related(rr[0], rr[1] + 1, rr[2], rr[3] + 1, note)
                            for rr, note in ((pos.range(node), note) for node, note in rep.related) if rr is not None)
            result.findings.append(
                Finding(rep.code, rule.name, rule.category, rep.severity or rule.severity, result.path,
                        r[0], r[1] + 1, r[2], r[3] + 1, message, fix, snippet, related=related)
            )
        if UNUSED_SUPPRESSION_CODE in enabled:
            self._unused(result, sups, enabled, lines)
        result.facts["__suppressions__"] = [
            (s.line, s.own_line, s.kind, sorted(c for c in s.codes.values() if c)) for s in sups.suppressions
        ] if sups.suppressions else []

    def _unused(self, result: FileResult, sups: SuppressionIndex, enabled: frozenset, lines: List[str]) -> None:
        rule = self.all_rules[UNUSED_SUPPRESSION_CODE]
        for sup in sups.suppressions:
            problems = []
            if sup.malformed:
                problems.append("names no rule; write `# backlint: ignore[CODE]` so it silences only what you mean")
            for written, code in sup.codes.items():
                if code is None:
                    hint = registry.suggest(written)
                    problems.append(f"names unknown rule `{written}`" + (f" (did you mean `{hint}`?)" if hint else ""))
                elif code in sup.used or code not in enabled or code in self.project_codes:
                    continue
                elif code == UNUSED_SUPPRESSION_CODE:
                    continue
                else:
                    problems.append(f"`{written}` suppresses nothing here; remove it")
            if not problems:
                continue
            if sups.suppressed(UNUSED_SUPPRESSION_CODE, sup.line, sup.line):
                continue
            snippet = lines[sup.line - 1] if sup.line - 1 < len(lines) else ""
            result.findings.append(
                Finding(UNUSED_SUPPRESSION_CODE, rule.name, rule.category, rule.severity, result.path,
                        sup.line, sup.column, sup.line, sup.end_column,
                        "Suppression comment " + "; ".join(problems) + ".", None, snippet)
            )

    def _apply_fixes(self, result: FileResult, text: str, encoding: str, real_path: Optional[str], data: bytes) -> None:
        edits = [
            f.fix for f in result.findings
            if f.fix is not None and (f.fix.applicability == "safe" or self.settings.unsafe_fixes)
        ]
        if not edits:
            return
        new_text, applied = apply_edits(text, [e for fx in edits for e in fx.edits])
        if not applied or new_text == text:
            return
        try:
            parse(new_text)
        except SourceError as exc:
            result.errors.append(InternalError(result.path, f"fixes were not applied: the fixed source does not parse ({exc.message})"))
            return
        try:
            result.fixed_source = encode(new_text, encoding)
        except UnicodeEncodeError:
            result.errors.append(InternalError(result.path, f"fixes were not applied: cannot encode as {encoding}"))
            return
        result.fixes_applied = applied
        # report what is left after fixing, at positions in the fixed file
        again = self.check_source(result.path, result.fixed_source, real_path, apply_fixes=False)
        result.findings = again.findings
        result.errors.extend(again.errors)


def _safe_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# -- worker entry points (used by runner.py) --------------------------------------------------

_WORKER: Optional[Linter] = None


def init_worker(settings: Settings, inherited: bool = False) -> None:
    """Build the process's linter for ``settings``. ``inherited``: keep the one that exists for
    these very settings (a forked worker inherits the linter its parent built, every rule
    module imported, instead of building its own)."""
    global _WORKER
    if not (inherited and _WORKER is not None and _WORKER.settings is settings):
        _WORKER = Linter(settings)
    _tune_gc()


_GC_TUNED = False


def _tune_gc() -> None:
    """Once per process, after every rule module is imported: the objects alive now (modules,
    classes, option tables) are moved out of the collector's sight (``gc.freeze``; forked
    workers inherit it), and the youngest generation is collected after 10,000 allocations
    instead of 700. Parsing allocates a node per token and almost all of it is freed by
    reference counting; the collector's passes over it and over the imported modules were
    ~9 % of a cold run (randset, -j1), for 1-3 MiB more peak memory. Findings do not depend on
    when cycles are collected."""
    global _GC_TUNED
    if _GC_TUNED:
        return
    import gc

    _GC_TUNED = True
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(10_000, max(second, 20), max(third, 20))


def check_chunk(args: Tuple[List[str], bool, bool]) -> List[FileResult]:
    paths, fix, diff = args
    assert _WORKER is not None
    out = []
    with recursion_limit():
        for path in paths:
            try:
                out.append(_WORKER.for_path(path).check_path(path, fix, diff))
            except Exception as exc:  # never lose the other files
                result = FileResult(display_path(path))
                result.errors.append(InternalError(result.path, f"unexpected error: {type(exc).__name__}: {exc}"))
                out.append(result)
    return out
