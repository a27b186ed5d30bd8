"""Is this settings module (or config class) the one production runs with?

The file roles (``roles.py``) say a module is a settings module; this says which of them are
for development, tests, CI or documentation rather than production: their names carry a
word like ``dev``, ``local``, ``test``, ``ci``, ``example`` (``settings/dev.py``,
``settings_test.py``, ``config/local_settings.py``, ``configuration_example.py``). Rules that
judge a setting's value (`DEBUG = True`, `SESSION_COOKIE_SECURE = False`, a weak
`PASSWORD_HASHERS`) apply it only where it matters.

No libcst here.
"""
from __future__ import annotations

import re
from typing import Optional

from . import roles

# Words in a settings module's path or a config class's name that mean "not production".
NON_PRODUCTION_WORDS = frozenset({
    "dev", "devel", "develop", "development", "local", "locals", "test", "tests", "testing",
    "unittest", "ci", "example", "examples", "sample", "demo", "debug", "docker_dev", "dummy",
    "selenium", "e2e", "mock", "fake", "sandbox", "travis", "github", "gitlab", "jenkins",
    "tox", "pytest", "bench", "benchmark", "perf", "profiling", "template", "tmpl", "default_dev",
})
PRODUCTION_WORDS = frozenset({"prod", "production", "live", "release", "deploy", "deployment"})

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z][a-z0-9]*|\d+")


def name_words(name: str) -> set:
    out = set()
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        out.update(w.lower() for w in _WORD.findall(chunk))
    return out


def non_production_word(rel_path: str) -> Optional[str]:
    """The word of ``rel_path`` (directories and file name) that marks it non-production."""
    parts = rel_path.replace("\\", "/").split("/")
    for part in parts:
        stem = part[:-3] if part.endswith(".py") else part
        for word in name_words(stem):
            if word in NON_PRODUCTION_WORDS:
                return word
    return None


def is_production_settings(file_roles: "roles.FileRoles") -> bool:
    """A settings module that is not a test, example, migration or dev/local/test variant."""
    if not file_roles.has(roles.SETTINGS):
        return False
    if file_roles.roles & {roles.TEST, roles.EXAMPLE, roles.MIGRATION, roles.TOOL_FIXTURE, roles.SEED}:
        return False
    return non_production_word(file_roles.path) is None


def class_is_non_production(class_name: str) -> bool:
    """``DevelopmentConfig``, ``TestingConfig``, ``LocalSettings``: not production."""
    return bool(name_words(class_name) & NON_PRODUCTION_WORDS)


def class_is_production(class_name: str) -> bool:
    """``ProductionConfig``, ``ProdSettings``, ``LiveConfig``."""
    return bool(name_words(class_name) & PRODUCTION_WORDS)
