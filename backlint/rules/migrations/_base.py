"""The shared base of the BL5xx rules: options, the walk hooks and reporting.

Every BL5xx rule has the same two options, with the same names and meaning, so a project can
set them once per rule table (``[tool.backlint.<rule-name>]``); see docs/migrations.md.
"""
from __future__ import annotations

import os

from typing import ClassVar

from ..._lazy import cst

from ...frameworks import migrations as fw
from ...rule import Option, Rule
from . import _analysis, _dialect, _history, _start_after

OPTIONS = {
    "database": Option(
        (str,), "postgresql",
        "The database the migrations run on: `postgresql`, `mysql` or `sqlite`. It decides which "
        "operations lock (CONCURRENTLY checks apply to PostgreSQL only).",
        fw.validate_database,
    ),
    "migrations-since": Option(
        (str, dict), "",
        "Superseded by the top-level `migrations-start-after` (one key for every BL5xx rule, written by "
        "`backlint init`); still honoured. Check only migrations at or after this one: a Django migration "
        "name (`\"0042_x\"`, every app) or a table of app label = migration name; for Alembic a revision id "
        "(or the `alembic` key of the table), which checks that revision and its descendants.",
        fw.validate_since,
    ),
    _start_after.OPTION: Option(
        (str, dict), "",
        "Applied history to skip: the last applied migration of each app (a table of app label = name, "
        "Alembic versions directory = head revision or list of heads), or one name/revision for all. "
        "Usually set once at the top level of `[tool.backlint]` (which fills it in for every BL5xx rule) "
        "by `backlint init`.",
        _start_after.validate,
    ),
}


class MigrationRule(Rule):
    """Base class; not a rule itself (no code)."""

    category: ClassVar[str] = "unsafe-migration"
    tags: ClassVar[tuple] = ("migrations",)
    options = OPTIONS
    text_markers = ("migrations", "alembic", "revision")

    def visit_Call(self, node: cst.Call) -> None:
        _analysis.collector(self.ctx).on_call(node)

    def leave_Module(self, node: cst.Module) -> None:
        # a versions tree dedicated to one database (`versions/sqlite/`) only ever runs there
        database = _dialect.path_dialect(self.ctx.path) or self.settings.get("database", "postgresql")
        result = _analysis.analysis(self.ctx, database, self.settings.get(_start_after.OPTION) or None)
        if result is None or result.skip or not self._in_scope(result):
            return
        for hazard in result.hazards:
            if hazard.code == self.code and database in hazard.databases:
                self.report(hazard.node, hazard.message, severity=hazard.severity)

    def _in_scope(self, result: "_analysis.Analysis") -> bool:
        return self._after_start(result) and self._since(result)

    def _after_start(self, result: "_analysis.Analysis") -> bool:
        value = self.settings.get(_start_after.OPTION, "")
        if not value:
            return True
        if result.framework == "django":
            return not _start_after.django_is_history(result.name, _start_after.django_cutoff(value, result.app))
        heads = _start_after.alembic_heads(value, self.ctx.path)
        if not heads or not result.revision:
            return True
        self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))  # the revision chain
        return not _start_after.alembic_is_history(self.ctx.path, result.revision, result.down_revisions, heads)

    def _since(self, result: "_analysis.Analysis") -> bool:
        since = self.settings.get("migrations-since", "")
        if not since:
            return True
        if result.framework == "django":
            return fw.django_in_scope(result.name, fw.django_cutoff(since, result.app))
        cutoff = fw.alembic_cutoff(since)
        if not cutoff or not result.revision:
            return True
        self.ctx.depends_on_directory(os.path.dirname(os.path.abspath(self.ctx.path)))  # the revision chain
        return _history.alembic_in_scope(self.ctx.path, result.revision, result.down_revisions, cutoff)
