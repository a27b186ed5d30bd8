"""A project's own wrappers around Alembic operations (``create_table(name, *columns)`` that
checks the table does not exist, then calls ``op.create_table(name, *columns)``).

The wrapper is found by following the call's qualified name (``shop.migrations.utils.create_table``)
to a module file in the project: each directory above the migration is tried as the import
root. The wrapper counts as the operation when its body calls ``op.create_table`` (or
``alembic.op.create_table``) with its own first parameter as the table name. The module is
read and parsed, never imported; answers are cached per file.
"""
from __future__ import annotations

import ast
import os
from typing import Dict, Optional, Tuple

WRAPPED = ("create_table",)  # operations whose wrappers are recognised
_CACHE: Dict[Tuple[str, float], Dict[str, str]] = {}


def _module_file(qualname: str, path: str) -> Optional[str]:
    module = qualname.rsplit(".", 1)[0].split(".")
    if len(module) < 1 or module[0] in ("alembic", "sqlalchemy", "op"):
        return None
    directory = os.path.dirname(os.path.abspath(path))
    for _ in range(12):
        base = os.path.join(directory, *module)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    return None


def _forwards(func: ast.FunctionDef) -> Optional[str]:
    """The Alembic operation ``func`` forwards its first parameter to as the table name."""
    params = func.args.posonlyargs + func.args.args
    if not params:
        return None
    first = params[0].arg
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in WRAPPED:
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Name) and owner.id == "op"
                or isinstance(owner, ast.Attribute) and owner.attr == "op"):
            continue
        table = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "table_name"), None)
        if isinstance(table, ast.Name) and table.id == first:
            return node.func.attr
    return None


def _wrappers_in(filename: str) -> Dict[str, str]:
    try:
        stamp = os.stat(filename).st_mtime
    except OSError:
        return {}
    key = (filename, stamp)
    if key not in _CACHE:
        found: Dict[str, str] = {}
        try:
            with open(filename, "rb") as fh:
                tree = ast.parse(fh.read())
        except (OSError, SyntaxError, ValueError, MemoryError, RecursionError):
            tree = None
        for stmt in getattr(tree, "body", ()):
            if isinstance(stmt, ast.FunctionDef):
                operation = _forwards(stmt)
                if operation:
                    found[stmt.name] = operation
        _CACHE[key] = found
    return _CACHE[key]


def wrapped_operation(qualname: Optional[str], path: str) -> Optional[Tuple[str, str]]:
    """(``"create_table"``, the wrapper's module file) if ``qualname`` is a project function
    wrapping ``op.create_table``, else None."""
    if not qualname or "." not in qualname or qualname.rsplit(".", 1)[-1] not in WRAPPED:
        return None
    filename = _module_file(qualname, path)
    if filename is None:
        return None
    operation = _wrappers_in(filename).get(qualname.rsplit(".", 1)[-1])
    return (operation, filename) if operation else None
