"""Which rules apply to which file: the run's selection minus ``per-file-ignores``. No libcst."""
from __future__ import annotations

import os
from typing import FrozenSet, List, Tuple

import pathspec

from . import registry
from .config import Settings


class Selector:
    def __init__(self, settings: Settings) -> None:
        from .frameworks.roles import RoleClassifier

        self.settings = settings
        self.roles = RoleClassifier(settings.root, settings.roles, settings.named_dirs)
        # code -> roles the rule does not apply to
        rules = registry.all_rules()
        self.skip = {c: rules[c].skip_roles for c in settings.enabled if c in rules and rules[c].skip_roles}
        self.per_file: List[Tuple[pathspec.PathSpec, FrozenSet[str]]] = []
        for pattern, selectors in settings.per_file_ignores:
            codes = frozenset(c for s in selectors for c in registry.matching(s))
            self.per_file.append((pathspec.PathSpec.from_lines("gitignore", [pattern]), codes))

    def ignored_codes(self, path: str) -> FrozenSet[str]:
        if not self.per_file:
            return frozenset()
        rel = os.path.relpath(os.path.abspath(path), self.settings.root).replace(os.sep, "/")
        ignored: set = set()
        for spec, codes in self.per_file:
            if spec.match_file(rel) or spec.match_file(os.path.basename(path)):
                ignored |= codes
        return frozenset(ignored)

    def role_skipped(self, path: str) -> FrozenSet[str]:
        """Enabled rules that do not apply to this file's roles (a test, a migration, ...)."""
        if not self.skip:
            return frozenset()
        roles = self.roles.classify(path).roles
        if not roles:
            return frozenset()
        return frozenset(c for c, skip in self.skip.items() if skip & roles)

    def enabled_for(self, path: str) -> FrozenSet[str]:
        return self.settings.enabled - self.ignored_codes(path) - self.role_skipped(path)
