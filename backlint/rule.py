"""The rule API: a rule is a small class with its metadata, docs and node handlers.

A rule declares ``visit_<NodeType>`` / ``leave_<NodeType>`` methods for the libcst node types it
cares about; the engine's single shared walk calls them. A rule reports a node with a message and,
optionally, a fix (a libcst replacement node). Rules never read comments, configuration files or
output formats: suppressions, selection and reporting happen around them.

Docs live in the class docstring with fixed headings (``## Why is this bad?``, ``## Example``,
``## Use instead``, optionally ``## Options``/``## References``): ``backlint explain`` prints it,
reporters carry it, and the contract tests run its two examples.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Type, Union

from ._lazy import cst

from .findings import Severity
from .frameworks.roles import ALWAYS_SKIPPED, FileRoles
from .semantics import Semantics

CODE_RE = re.compile(r"^BL\d{3}$")
PLUGIN_CODE_RE = re.compile(r"^[A-Z]{2,8}\d{3}$")  # third-party rules: their own prefix, never BL
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Option:
    """A per-rule option, set in ``[tool.backlint.<rule-name>]``."""

    type: Tuple[type, ...]
    default: Any
    description: str
    validate: Any = None  # callable(value) -> Optional[str] error text

    def type_name(self) -> str:
        names = {int: "integer", float: "number", str: "string", bool: "boolean", list: "list"}
        return " or ".join(names.get(t, t.__name__) for t in self.type)


@dataclass
class Report:
    """A raw report from a rule, before positions, suppressions and selection are applied."""

    code: str
    node: cst.CSTNode
    # the message, or a builder given {id(node): line} of the nodes in ``lines_of`` (their lines
    # come from the engine's one positions pass; a suppressed finding's message is never built)
    message: Union[str, Callable[[Dict[int, int]], str]]
    statement: Optional[cst.CSTNode]
    fix: Optional["FixSpec"] = None
    severity: Optional[Severity] = None  # overrides the rule's default for this finding
    related: Tuple[Tuple[cst.CSTNode, str], ...] = ()  # other nodes of this finding, with a note each
    lines_of: Tuple[cst.CSTNode, ...] = ()
    scope: Optional[cst.CSTNode] = None  # a statement that holds ``lines_of`` (a positions hint)


@dataclass
class FixSpec:
    """Replace ``old`` with ``new`` (libcst nodes). Converted to text edits by the engine."""

    old: cst.CSTNode
    new: cst.CSTNode
    description: str
    applicability: str = "safe"


class FileContext:
    """Everything a rule may ask about the file being checked."""

    def __init__(self, path: str, module: cst.Module, text: str, semantics: Semantics) -> None:
        self.path = path
        self.module = module
        self.text = text
        self.semantics = semantics
        self.ancestors: List[cst.CSTNode] = []
        self.reports: List[Report] = []
        self.dependencies: List[str] = []  # directories whose .py files this file's results read
        self._shared: Dict[str, Any] = {}
        self.roles: FileRoles = FileRoles(path)  # set by the engine (frameworks/roles.py)

    # sharing and dependencies ----------------------------------------------------------------
    def shared(self, key: str, factory: Callable[[], Any]) -> Any:
        """One analysis per file shared by several rules: built by the first rule that asks."""
        if key not in self._shared:
            self._shared[key] = factory()
        return self._shared[key]

    def depends_on_directory(self, directory: str) -> None:
        """This file's results also depend on the ``.py`` files in ``directory`` (e.g. earlier
        migrations): the results cache re-checks the file when any of them changes."""
        directory = os.path.abspath(directory)
        if directory not in self.dependencies:
            self.dependencies.append(directory)

    # name resolution -------------------------------------------------------------------
    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        return self.semantics.qualified_name(node)

    def origin_call(self, node: cst.BaseExpression) -> Optional[cst.Call]:
        return self.semantics.origin_call(node)

    # structure ---------------------------------------------------------------------------
    def parent(self) -> Optional[cst.CSTNode]:
        """The parent of the node currently being visited."""
        return self.ancestors[-1] if self.ancestors else None

    def enclosing_function(self) -> Optional[cst.FunctionDef]:
        for node in reversed(self.ancestors):
            if type(node) is cst.FunctionDef:
                return node
        return None

    def in_async_function(self) -> bool:
        func = self.enclosing_function()
        return func is not None and func.asynchronous is not None

    def enclosing_statement(self) -> Optional[cst.CSTNode]:
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return node
        return None

    def enclosing_scope(self) -> Optional[cst.CSTNode]:
        """The outermost function around the current node, else its top-level statement: a
        ``scopes`` hint for ``locate`` that also holds what the function binds (a flow's origins)."""
        for node in self.ancestors:
            if type(node) is cst.FunctionDef:
                return node
        return self.ancestors[1] if len(self.ancestors) > 1 else None

    def code_for(self, node: cst.CSTNode) -> str:
        if type(node) is cst.Name and not node.lpar and not node.rpar:
            return node.value  # what the code generator would write, without running it
        return self.module.code_for_node(node)

    def locate(self, nodes: List[cst.CSTNode], scopes: Iterable[cst.CSTNode] = (),
               starts: Iterable[cst.CSTNode] = ()) -> Dict[int, Tuple[int, ...]]:
        """Positions of ``nodes`` as {id(node): (line, column, end_line, end_column)}, 1-based.

        For rules that record facts for cross-file analysis; costs one code generation pass,
        so call it once per file with every node you need, and only when there are candidates.
        ``scopes``: statements (the functions the nodes were met in) that hold most of them:
        they are searched first instead of the whole module; any node outside them is still
        found, so the hint changes the cost only, never the answer.
        ``starts``: nodes of which only the start is needed (a loop named by its line), given
        as (line, column): their statements are generated only as far as the last node asked.
        """
        from .positions import compute

        starts = list(starts)
        pos = compute(self.module, nodes, scopes, starts)
        out: Dict[int, Tuple[int, ...]] = {}
        for node in starts:
            p = pos.start(node)
            if p is not None:
                out[id(node)] = (p[0], p[1] + 1)
        for node in nodes:
            r = pos.range(node)
            if r is not None:
                out[id(node)] = (r[0], r[1] + 1, r[2], r[3] + 1)
        return out


class Rule:
    """Base class of every rule. Subclasses set the metadata below and define node handlers."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    precision: ClassVar[str] = "high"  # SARIF properties.precision: very-high|high|medium|low
    tags: ClassVar[Tuple[str, ...]] = ()
    security_severity: ClassVar[Optional[str]] = None  # e.g. "7.5" for security rules
    default_enabled: ClassVar[bool] = True
    options: ClassVar[Dict[str, Option]] = {}
    # Cheap pre-filter: if set, the rule is skipped for files whose text contains none of these.
    text_markers: ClassVar[Tuple[str, ...]] = ()
    # Rules whose findings the engine itself produces (parse errors, unused suppressions).
    engine_emitted: ClassVar[bool] = False
    # A URL for the rule's docs, carried to SARIF helpUri when set.
    help_uri: ClassVar[Optional[str]] = None
    # Rules that share one analysis (ctx.shared) and so produce identical facts set the same
    # key here: the facts are stored once under it (default: the rule's code).
    facts_key: ClassVar[Optional[str]] = None
    # File roles (backlint.frameworks.roles) this rule does not apply to: the selection leaves the
    # rule out for such files. Request-path rules use roles.NOT_REQUEST_PATH.
    skip_roles: ClassVar[FrozenSet[str]] = ALWAYS_SKIPPED
    # False on an instance that has nothing to do in the walk of this file and only hands
    # ``facts()`` to the project pass: the engine then dispatches none of its handlers
    walks: bool = True

    def __init__(self, ctx: FileContext, settings: Dict[str, Any]) -> None:
        self.ctx = ctx
        self.settings = settings

    def handlers_off(self) -> FrozenSet[str]:
        """Names of this instance's handlers that have nothing to do in this file (asked once,
        after ``__init__``): the engine does not dispatch them. Rules sharing one analysis use it
        so that only one of them drives it."""
        return frozenset()

    @classmethod
    def text_filter(cls, text: str) -> bool:
        """A rule's own, stricter pre-check of the file's text, asked after ``text_markers`` passed:
        False and the engine does not instantiate the rule for this file, so none of its handlers
        runs. Unlike ``text_markers`` it is not widened by the project's declared marker words
        (``[tool.backlint.frameworks]``): a rule that needs them tests them itself. It must be true
        for every file in which the rule could report or export facts."""
        return True

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        fix: Optional[FixSpec] = None,
        severity: Optional[Severity] = None,
        statement: Optional[cst.CSTNode] = None,
        related: Sequence[Tuple[cst.CSTNode, str]] = (),
        lines_of: Sequence[cst.CSTNode] = (),
        scope: Optional[cst.CSTNode] = None,
    ) -> None:
        """Report ``node``. ``severity`` overrides the rule's default for this one finding.

        ``statement`` is the statement whose suppression comments apply; it defaults to the one
        being walked, and must be given when reporting a node after the walk has left it.
        ``related`` lists other places of the same finding (node, note): reporters show them as
        related locations. A message that names other nodes' lines is a builder given
        ``{id(node): line}`` of ``lines_of`` (cheaper than ``locate``: no pass of its own);
        ``scope``, a statement holding them, makes finding them cheaper still.
        """
        self.ctx.reports.append(
            Report(self.code, node, message, statement or self.ctx.enclosing_statement(), fix, severity,
                   tuple(related), tuple(lines_of), scope)
        )

    # metadata helpers -----------------------------------------------------------------
    @classmethod
    def has_fix(cls) -> bool:
        return bool(getattr(cls, "fixable", False))

    @classmethod
    def docs(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.docs().split("\n", 1)[0].strip()

    @classmethod
    def doc_section(cls, heading: str) -> Optional[str]:
        return doc_section(cls.docs(), heading)

    @classmethod
    def example_code(cls, heading: str) -> Optional[str]:
        section = cls.doc_section(heading)
        if section is None:
            return None
        match = re.search(r"```python\n(.*?)```", section, re.S)
        return match.group(1) if match else None

    @classmethod
    def default_settings(cls) -> Dict[str, Any]:
        return {key: opt.default for key, opt in cls.options.items()}

    @classmethod
    def handler_names(cls) -> List[str]:
        return [
            n
            for n in dir(cls)
            if (n.startswith("visit_") or n.startswith("leave_")) and callable(getattr(cls, n))
        ]


def doc_section(docs: str, heading: str) -> Optional[str]:
    pattern = re.compile(r"^## " + re.escape(heading) + r"\s*$(.*?)(?=^## |\Z)", re.M | re.S)
    match = pattern.search(docs)
    return match.group(1).strip("\n") if match else None


def rule_problems(rule: Type[Rule], plugin: bool = False) -> List[str]:
    """Contract checks for a rule class's metadata (used by the registry and the tests).

    Built-in codes are BL + three digits; a plugin's are its own upper-case prefix + three digits
    (``ACME101``), never BL, so that they cannot take a built-in code now or later.
    """
    problems = []
    if plugin:
        if not PLUGIN_CODE_RE.match(rule.code) or rule.code.startswith("BL"):
            problems.append(f"code {rule.code!r} is not a prefix of 2-8 capital letters other than BL + three digits")
    elif not CODE_RE.match(rule.code):
        problems.append(f"code {rule.code!r} is not BL + three digits")
    if not NAME_RE.match(rule.name):
        problems.append(f"name {rule.name!r} is not kebab-case")
    if not rule.category or not NAME_RE.match(rule.category):
        problems.append(f"category {rule.category!r} is not a kebab-case tag")
    if not isinstance(rule.severity, Severity):
        problems.append("severity is not a Severity")
    if rule.precision not in ("very-high", "high", "medium", "low"):
        problems.append(f"precision {rule.precision!r} is not a SARIF precision")
    return problems
