"""Values a file shows to be numbers or fixed words through code that is not the expression itself.

``sql_values`` judges an expression by what it is made of. Some values are safe because of what
*other* code in the same file says about them; this module knows those places:

- command-line options declared ``type=int``/``type=float`` (``parser.add_argument("--lock-id",
  type=int)``) and read back as ``options["lock_id"]``, ``options.pop("lock_id")`` or
  ``args.lock_id``;
- a module-level ``ContextVar`` that the file only ever sets to constants (``MODE.set("IMMEDIATE"
  if x else "DEFERRED")``): its ``.get()`` is one of those words (or the constant default);
- a class whose ``get_<name>()`` method returns what the database answered to a constant query
  that reads a session value (``SELECT pg_backend_pid()``): a parameter called ``<name>`` of
  the class's other methods is that value (the engine-spec "cancel id" convention);
- ids the database driver produces (``conn.info.backend_pid``, ``cursor.lastrowid``,
  ``cursor.query_id``): numbers or server-made tokens;
- a setting read with a numeric default from a configuration or context mapping
  (``context.get("query_timeout", 60000)``): the code says it is a number.

Each fact is gathered by a cheap scan that runs only when the file's text mentions it
(``add_argument``, ``ContextVar``, ``get_``), so files without them pay nothing.
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional, Set

from .._lazy import cst

# attributes a database driver fills in itself: process ids, row ids, server query ids
DRIVER_ID_ATTRIBUTES = frozenset({"backend_pid", "lastrowid", "rowcount", "query_id", "sfqid"})
_DRIVER_OWNER_WORDS = ("cursor", "cur", "conn", "connection", "info")

# mappings that hold the operator's settings or the server-side context of a call
CONFIG_MAPPING_NAMES = frozenset({
    "config", "conf", "cfg", "settings", "context", "ctx", "options", "opts", "app_config",
})

# a constant query that reads one session value of the server: `SELECT pg_backend_pid()`
_SESSION_VALUE_QUERY = re.compile(r"^\s*SELECT\s+[\w$.]+\(\s*\)\s*;?\s*$", re.IGNORECASE)
_NUMBER_TYPES = frozenset({"int", "float"})
_OPTION_HOLDERS = frozenset({"options", "opts", "args", "kwargs", "arguments", "namespace", "ns"})


def is_driver_id(node: cst.Attribute) -> bool:
    """``conn.info.backend_pid``, ``cursor.lastrowid``: a value the driver produced."""
    if node.attr.value not in DRIVER_ID_ATTRIBUTES:
        return False
    base = node.value
    word = base.attr.value if type(base) is cst.Attribute else (
        base.value if type(base) is cst.Name else "")
    word = word.lower().lstrip("_")
    return any(w in word for w in _DRIVER_OWNER_WORDS)


def config_name(node: cst.BaseExpression) -> bool:
    """``context``, ``self.config``, ``app.config``, ``current_app.config``."""
    if type(node) is cst.Name:
        return node.value.lower() in CONFIG_MAPPING_NAMES
    if type(node) is cst.Attribute:
        return node.attr.value.lower() in CONFIG_MAPPING_NAMES
    return False


def is_number_literal(node: cst.BaseExpression) -> bool:
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus:
        node = node.expression
    return type(node) in (cst.Integer, cst.Float)


# -- argparse options ----------------------------------------------------------------------------
def _option_dest(call: cst.Call) -> Optional[str]:
    dest = None
    number = False
    for arg in call.args:
        if arg.keyword is None:
            continue
        if arg.keyword.value == "type" and type(arg.value) is cst.Name:
            number = arg.value.value in _NUMBER_TYPES
        elif arg.keyword.value == "dest" and type(arg.value) is cst.SimpleString:
            dest = str(arg.value.evaluated_value)
    if not number:
        return None
    if dest:
        return dest
    flags = [a.value.evaluated_value for a in call.args
             if a.keyword is None and type(a.value) is cst.SimpleString]
    flags = [str(f) for f in flags]
    longs = [f for f in flags if f.startswith("--")]
    name = longs[0] if longs else (flags[0] if flags else "")
    return name.lstrip("-").replace("-", "_") or None


class _Facts:
    """What the scan collects: number-typed option names, ContextVars and whether each is only
    ever set to constants."""

    def __init__(self, want_options: bool, want_vars: bool) -> None:
        self.want_options = want_options
        self.want_vars = want_vars
        self.number_options: Set[str] = set()
        self.var_sets: Dict[str, bool] = {}  # ContextVar name -> every `.set()` passes a constant

    def call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is not cst.Attribute:
            return
        if self.want_options and func.attr.value == "add_argument":
            dest = _option_dest(node)
            if dest:
                self.number_options.add(dest)
        elif self.want_vars and func.attr.value == "set" and type(func.value) is cst.Name:
            name = func.value.value
            if name in self.var_sets:
                arg = node.args[0].value if node.args else None
                self.var_sets[name] = self.var_sets[name] and arg is not None and _constant(arg)


def _scan(module: cst.Module, facts: _Facts) -> None:
    """One pass over the calls (the visitor class is made here: libcst is imported lazily)."""

    class Scan(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            facts.call(node)

    module.visit(Scan())


def _constant(node: cst.BaseExpression) -> bool:
    if type(node) in (cst.SimpleString, cst.Integer, cst.Float):
        return True
    if type(node) is cst.Name:
        return node.value in ("True", "False", "None")
    if type(node) is cst.IfExp:
        return _constant(node.body) and _constant(node.orelse)
    return False


class FileFacts:
    """What the scan found: number-typed options, ContextVars set only to constants."""

    def __init__(self) -> None:
        self.number_options: FrozenSet[str] = frozenset()
        self.constant_vars: FrozenSet[str] = frozenset()

    @classmethod
    def of(cls, module: cst.Module, source: str) -> "FileFacts":
        facts = cls()
        want_options = "add_argument" in source and ("type=int" in source or "type=float" in source)
        want_vars = "ContextVar" in source
        if not (want_options or want_vars):
            return facts
        scan = _Facts(want_options, want_vars)
        if want_vars:
            for stmt in module.body:
                for name, value in _module_assignments(stmt):
                    if type(value) is cst.Call and _call_name(value.func) == "ContextVar" \
                            and all(a.keyword is None or _constant(a.value) for a in value.args[1:]):
                        scan.var_sets[name] = True
        _scan(module, scan)
        facts.number_options = frozenset(scan.number_options)
        facts.constant_vars = frozenset(n for n, ok in scan.var_sets.items() if ok)
        return facts

    def option_value(self, holder: cst.BaseExpression, key: Optional[str]) -> bool:
        """``options["lock_id"]`` / ``args.lock_id`` for an option declared ``type=int``."""
        if key is None or key not in self.number_options:
            return False
        name = holder.value if type(holder) is cst.Name else (
            holder.attr.value if type(holder) is cst.Attribute else "")
        return name in _OPTION_HOLDERS


def _call_name(func: cst.BaseExpression) -> str:
    if type(func) is cst.Name:
        return func.value
    if type(func) is cst.Attribute:
        return func.attr.value
    return ""


def _module_assignments(stmt):
    if type(stmt) is not cst.SimpleStatementLine:
        return
    for small in stmt.body:
        if type(small) is cst.Assign:
            for target in small.targets:
                if type(target.target) is cst.Name:
                    yield target.target.value, small.value
        elif type(small) is cst.AnnAssign and small.value is not None \
                and type(small.target) is cst.Name:
            yield small.target.value, small.value


# -- the "get_<name>() reads it from the server" convention --------------------------------------
def _statements(function: cst.FunctionDef):
    body = function.body
    if type(body) is not cst.IndentedBlock:
        return []
    out = []
    for stmt in body.body:
        if type(stmt) is cst.SimpleStatementLine:
            out.extend(stmt.body)
        else:
            return None  # branches, loops, try: not the simple shape this knows
    return out


def _reads_session_value(function: cst.FunctionDef) -> bool:
    """``cursor.execute("SELECT pg_backend_pid()")``, ``row = cursor.fetchone()``, ``return row[0]``."""
    smalls = _statements(function)
    if not smalls:
        return False
    queried = False
    fetched: Set[str] = set()
    returned = False
    for small in smalls:
        if type(small) is cst.Expr:
            value = small.value
            if type(value) in (cst.SimpleString, cst.ConcatenatedString):
                continue  # docstring
            if type(value) is cst.Call and _call_name(value.func) == "execute" and value.args:
                query = value.args[0].value
                if not (type(query) is cst.SimpleString
                        and _SESSION_VALUE_QUERY.match(str(query.evaluated_value))):
                    return False
                queried = True
                continue
            return False
        if type(small) is cst.Assign and len(small.targets) == 1 \
                and type(small.targets[0].target) is cst.Name and _fetch(small.value):
            fetched.add(small.targets[0].target.value)
            continue
        if type(small) is cst.Return and small.value is not None:
            value = small.value
            if type(value) is cst.Subscript:
                value = value.value
            if not ((type(value) is cst.Name and value.value in fetched) or _fetch(value)):
                return False
            returned = True
            continue
        return False
    return queried and returned


def _fetch(node: cst.BaseExpression) -> bool:
    if type(node) is cst.Subscript:
        node = node.value
    return type(node) is cst.Call and _call_name(node.func) in ("fetchone", "fetchval", "scalar")


def session_value_params(node: cst.ClassDef) -> FrozenSet[str]:
    """Parameter names this class's ``get_<name>()`` methods read from the server."""
    if type(node.body) is not cst.IndentedBlock:
        return frozenset()
    names = set()
    for stmt in node.body.body:
        if type(stmt) is cst.FunctionDef and stmt.name.value.startswith("get_") \
                and _reads_session_value(stmt):
            names.add(stmt.name.value[len("get_"):])
    return frozenset(names)
