"""``cst``: libcst, imported on first attribute access.

Rule and framework modules use ``from backlint._lazy import cst`` (instead of
``import libcst as cst``) so that loading the registry, which imports every rule module, does not
import libcst (~0.13 s). A warm, fully cached run then never imports the parser at all. Rule
modules must therefore not touch ``cst.<anything>`` at import time (class bodies and module-level
constants); the test suite checks this.
"""
from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_module"] = None

    def _load(self) -> types.ModuleType:
        module = self.__dict__["_module"]
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return module

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._load(), attr)
        # cache plain attribute lookups on the proxy itself: later accesses cost nothing extra
        self.__dict__[attr] = value
        return value

    def __dir__(self):  # pragma: no cover - interactive use
        return dir(self._load())


cst: Any = _LazyModule("libcst")
