"""Which file configures a directory (the nearest ``backlint.toml``, or ``pyproject.toml`` with
a ``[tool.backlint]`` table) and reading that table. Validation and selection are in config.py.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration or usage problem: reported without a traceback, exit code 2."""


def find_config(start: str) -> Optional[str]:
    """The nearest backlint.toml, or pyproject.toml with a [tool.backlint] table, above ``start``."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "backlint.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as fh:
                    data = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                return candidate  # report the problem when it is loaded
            if isinstance(data.get("tool"), dict) and "backlint" in data["tool"]:
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def read_config_table(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason})") from None
    tool = data.get("tool")
    nested = isinstance(tool, dict) and "backlint" in tool
    if os.path.basename(path) == "pyproject.toml" or nested:
        # pyproject.toml, or any file given with --config that holds a [tool.backlint] table
        _NESTED.add(os.path.abspath(path))
        table = tool.get("backlint", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.backlint] must be a table")
        return table
    _NESTED.discard(os.path.abspath(path))
    return data


_NESTED: set = set()  # configuration files whose keys live under [tool.backlint]


def _section(path: str) -> str:
    return "[tool.backlint]" if os.path.abspath(path) in _NESTED else "top level"
