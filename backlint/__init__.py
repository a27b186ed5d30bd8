"""backlint: a linter for Python backend codebases.

Importing this package is cheap (no libcst): ``backlint --version`` and the reporters do not pay
for the parser. The rule API is loaded on first use: ``from backlint import Rule``.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Rule", "Option", "FixSpec", "Severity", "Finding", "Fix", "__version__"]


def __getattr__(name: str):
    if name in ("Rule", "Option", "FixSpec"):
        from . import rule

        return getattr(rule, name)
    if name in ("Severity", "Finding", "Fix"):
        from . import findings

        return getattr(findings, name)
    raise AttributeError(name)
