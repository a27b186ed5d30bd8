"""Files in, findings out. The engine knows no rule: it parses each file once, runs every enabled
rule's handlers in one shared read-only walk, then applies positions, suppressions and fixes.
"""
from __future__ import annotations

import difflib
import io
import os
import tokenize
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

import libcst as cst

from . import positions, registry
from .config import Settings
from .discovery import display_path
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
from .rule import FileContext, Report, Rule
from .fixtext import FixTexts, offsets as fix_offsets, whole_module_replacement
from .fixwrite import Refused, write_fix
from .safe_read import NotReadable, read_bounded
from .secret_spans import drop_secret_fixes
from .undecodable import message as _undecodable_message
from .selection import Selector
from .semantics import Semantics
from .shape import TooComplex, recursion_limit
from .suppression import SuppressionIndex, parse as parse_suppressions
from .walker import walk

_LINE_RE = positions.NEWLINE_RE


# -- decoding and parsing --------------------------------------------------------------------

class SourceError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode(data: bytes) -> Tuple[str, str]:
    """(text, encoding) honouring a BOM and a PEP 263 coding cookie."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # an unknown coding cookie, or undecodable bytes in the first two lines
        encoding = "utf-8"
        message = str(exc.msg if hasattr(exc, "msg") else exc)
        if "unknown encoding" in message:
            raise SourceError(f"cannot decode file: {message}", exc.lineno or 1, 1)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise SourceError(_undecodable_message(data, encoding, exc, line, column), line, column)
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        raise SourceError("source contains a NUL byte", line, index - (text.rfind("\n", 0, index) + 1) + 1)
    return text, encoding


MAX_NESTING = 200  # CPython's tokenizer refuses deeper bracket nesting

_BRACKETS = bytes.maketrans(b"([{)]}", b"((()))")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"()[]{}"))


def bracket_depth(data: bytes) -> int:
    """Deepest bracket nesting in the raw bytes (brackets inside strings count too: an upper bound)."""
    from itertools import accumulate

    seq = data.translate(None, delete=_NOT_BRACKETS).translate(_BRACKETS)
    if not seq:
        return 0
    return max(accumulate(1 if c == 40 else -1 for c in seq))


def guard_depth(data: bytes, text: str) -> None:
    """Refuse, before libcst sees it, code nested deeper than Python itself accepts.

    libcst's native parser can crash the process on such input (a 2,000-deep bracket chain
    ends in a segmentation fault), so the check happens first and costs ~0.4 us per line.
    """
    from . import shape

    depth = bracket_depth(data)
    if depth > MAX_NESTING:
        verdict, problem = _stdlib_verdict(text)
        if verdict == "invalid":
            assert problem is not None
            raise problem
        if verdict == "unknown":
            raise SourceError(f"the file is nested too deeply to parse (brackets {depth} deep)")
        # CPython accepted it (the brackets were inside strings): the other bounds still apply
    shape.check(data, text)  # TooComplex: chains, elif ladders, giant statements


def parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        better = _stdlib_syntax_error(text)
        if better is not None:
            raise better
        message = str(exc.message) if hasattr(exc, "message") else str(exc)
        raise SourceError(f"syntax error: {message}", exc.editor_line, exc.editor_column)
    except RecursionError:
        raise SourceError("the file is nested too deeply for the parser")
    except MemoryError:
        raise SourceError("the file is too large for the parser")
    except Exception as exc:  # libcst raises a few other types on odd input
        raise SourceError(f"cannot parse file: {type(exc).__name__}: {exc}")


def _stdlib_verdict(text: str) -> Tuple[str, Optional[SourceError]]:
    """CPython's own opinion of ``text``: ("valid", None), ("invalid", its error) or
    ("unknown", None) when its parser gave up (recursion, memory)."""
    import ast
    import warnings

    from .shape import AST_RECURSION_LIMIT

    try:
        with warnings.catch_warnings(), recursion_limit(AST_RECURSION_LIMIT):
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        return "invalid", SourceError(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return "unknown", None
    return "valid", None


def _stdlib_syntax_error(text: str) -> Optional[SourceError]:
    """On a parse failure only: CPython's own message and position are clearer than libcst's.

    None when CPython accepts the file (it is then newer syntax than libcst knows, or the other
    way round, and libcst's message is the one to show).
    """
    return _stdlib_verdict(text)[1]


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


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

        declared.use(self.settings.frameworks)  # this file's configuration's own declarations
        semantics = Semantics()
        ctx = FileContext(shown, module, text, semantics)
        ctx.roles = self.selector.roles.classify(real_path or shown)
        extra = declared.marker_words()  # the project's declared clients, sessions, decorators
        active = [
            r for r in self.rules
            if r.code in enabled and (not r.text_markers or any(m in text for m in r.text_markers)
                                      or any(m in text for m in extra))
        ]
        instances = [rule(ctx, self.options[rule.code]) for rule in active]
        visit, leave = _handlers(semantics, ctx, instances, result, shown)
        if instances:
            try:
                _prebind_module_imports(module, semantics)
                walk(module, visit, leave, ctx.ancestors)
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
        pos = positions.compute(ctx.module, wanted) if wanted else None
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
            snippet = "\n".join(lines[r[0] - 1 : r[2]])
            related = tuple(Related(rr[0], rr[1] + 1, rr[2], rr[3] + 1, note)
                            for rr, note in ((pos.range(node), note) for node, note in rep.related) if rr is not None)
            result.findings.append(
                Finding(rep.code, rule.name, rule.category, rep.severity or rule.severity, result.path,
                        r[0], r[1] + 1, r[2], r[3] + 1, rep.message, fix, snippet, related=related)
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


def _rule_error(path: str, rule: Rule, exc: BaseException) -> InternalError:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    return InternalError(path, f"{rule.name} raised {type(exc).__name__}: {exc}{where}", rule=rule.code)


def _handlers(semantics: Semantics, ctx: FileContext, instances: Sequence[Rule], result: FileResult, path: str):
    visit: Dict[type, List[Callable]] = {}
    leave: Dict[type, List[Callable]] = {}
    _semantic_handlers(semantics, visit, leave)
    failed: set = set()
    for instance in instances:
        for name in type(instance).handler_names():
            kind, _, type_name = name.partition("_")
            node_type = getattr(cst, type_name, None)
            if not isinstance(node_type, type):
                continue
            method = getattr(instance, name)

            def guarded(node, _method=method, _rule=instance):
                if _rule.code in failed:
                    return
                try:
                    _method(node)
                except Exception as exc:
                    failed.add(_rule.code)
                    result.errors.append(_rule_error(path, _rule, exc))

            table = visit if kind == "visit" else leave
            table.setdefault(node_type, []).append(guarded)
    # semantic bookkeeping on leave must run after the rules' leave handlers
    for node_type, handlers in list(leave.items()):
        semantic = [h for h in handlers if getattr(h, "_semantic", False)]
        if semantic:
            leave[node_type] = [h for h in handlers if not getattr(h, "_semantic", False)] + semantic
    return visit, leave


def _semantic_handlers(sem: Semantics, visit: Dict[type, List[Callable]], leave: Dict[type, List[Callable]]) -> None:
    def on_import(node):
        sem.record_import(node)

    def on_function(node: cst.FunctionDef):
        sem.bind_unknown(node.name.value)
        sem.push("function")
        params = node.params
        for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            if param.annotation is not None:
                sem.record_annotation(param.name, param.annotation.annotation)
            else:
                sem.bind_unknown(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                sem.bind_unknown(star.name.value)

    def on_class(node: cst.ClassDef):
        sem.bind_unknown(node.name.value)
        sem.push("class")

    def pop(node):
        sem.pop()

    def on_assign(node: cst.Assign):
        for target in node.targets:
            sem.record_assignment(target.target, node.value)

    def on_ann_assign(node: cst.AnnAssign):
        if node.value is not None and isinstance(node.value, cst.Call):
            sem.record_assignment(node.target, node.value)
        else:
            sem.record_annotation(node.target, node.annotation.annotation)

    def on_with_item(node: cst.WithItem):
        if node.asname is not None:
            sem.record_assignment(node.asname.name, node.item)

    def on_for(node: cst.For):
        sem.record_assignment(node.target, None)

    for handler in (pop, on_assign, on_ann_assign, on_with_item):
        handler._semantic = True  # type: ignore[attr-defined]
    visit.setdefault(cst.Import, []).append(on_import)
    visit.setdefault(cst.ImportFrom, []).append(on_import)
    visit.setdefault(cst.FunctionDef, []).append(on_function)
    visit.setdefault(cst.ClassDef, []).append(on_class)
    visit.setdefault(cst.For, []).append(on_for)
    leave.setdefault(cst.FunctionDef, []).append(pop)
    leave.setdefault(cst.ClassDef, []).append(pop)
    leave.setdefault(cst.Assign, []).append(on_assign)
    leave.setdefault(cst.AnnAssign, []).append(on_ann_assign)
    leave.setdefault(cst.WithItem, []).append(on_with_item)


def _prebind_module_imports(module: cst.Module, sem: Semantics) -> None:
    """Bind top-level imports first, so functions defined above an import still resolve it."""
    def statements(body):
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        yield small
            elif isinstance(stmt, (cst.If, cst.Try)):
                yield from statements(stmt.body.body)
                handlers = getattr(stmt, "handlers", ())
                for handler in handlers:
                    yield from statements(handler.body.body)
                orelse = getattr(stmt, "orelse", None)
                if orelse is not None and isinstance(getattr(orelse, "body", None), cst.BaseSuite):
                    yield from statements(orelse.body.body)
    for node in statements(module.body):
        sem.record_import(node)


def _line_starts(text: str) -> List[int]:
    starts = [0]
    for m in _LINE_RE.finditer(text):
        starts.append(m.end())
    return starts


def _replacement_text(module: cst.Module, text: str, starts: List[int], old: cst.CSTNode,
                      new: cst.CSTNode, where: Tuple[int, int, int, int],
                      texts: Optional[FixTexts] = None) -> Optional[str]:
    """The text that replaces ``old``'s span when ``new`` takes its place in the module.

    Generated from the code-generation state at ``old`` (fixtext.py: the cost of the edit), and
    only when that cannot be verified, from the whole module with the node replaced.
    """
    start, end = fix_offsets(starts, where)
    if texts is not None:
        local = texts.replacement(old, new, text[start:end])
        if local is not None:
            return local
    return whole_module_replacement(module, text, start, end, old, new)


def apply_edits(text: str, edits: List[Edit]) -> Tuple[str, int]:
    """Apply non-overlapping edits (1-based positions); overlapping later ones are skipped."""
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = sorted(((offset(e.start_line, e.start_column), offset(e.end_line, e.end_column), e.text) for e in edits))
    out: List[str] = []
    cursor = 0
    applied = 0
    for start, end, new in spans:
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
        applied += 1
    out.append(text[cursor:])
    return "".join(out), applied


# -- worker entry points (used by runner.py) --------------------------------------------------

_WORKER: Optional[Linter] = None


def init_worker(settings: Settings) -> None:
    global _WORKER
    _WORKER = Linter(settings)


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


def check(*args, **kwargs):
    """Kept for callers of the engine module: the run itself lives in runner.py."""
    from .runner import check as run

    return run(*args, **kwargs)
