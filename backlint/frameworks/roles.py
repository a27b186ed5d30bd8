"""What a module is: test, migration, settings, script, seed data, example, tool fixture, or a layer.

One classifier for every rule. Roles come from the file's path relative to the project root (the
configuration's directory), so they are cheap, deterministic, the same in every phase of a run
(per-file checks, cross-file findings, suppressions) and explainable: each role carries the
reason it was given. Users override them per glob in ``[tool.backlint.roles]``.

Rules declare the roles they do not apply to (``Rule.skip_roles``); the selection removes those
rules for such files. A rule that only changes its behaviour in a role (a lower severity for
test values, say) asks ``ctx.roles``.

No libcst here: the selection (and so fully cached runs) uses it.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Optional, Sequence, Tuple

TEST = "test"
MIGRATION = "migration"
SETTINGS = "settings"
SCRIPT = "script"
SEED = "seed"
EXAMPLE = "example"
TOOL_FIXTURE = "tool-fixture"
HANDLER = "handler"
SERVICE = "service"
REPOSITORY = "repository"

ROLES = (TEST, MIGRATION, SETTINGS, SCRIPT, SEED, EXAMPLE, TOOL_FIXTURE, HANDLER, SERVICE, REPOSITORY)

# Code that never serves a request in production: request-path rules (N+1, handler layering,
# per-request resources) skip it by default.
NOT_REQUEST_PATH: FrozenSet[str] = frozenset({TEST, MIGRATION, SCRIPT, SEED, EXAMPLE, TOOL_FIXTURE})
# Every rule skips other tools' fixture folders (their files are deliberately wrong code).
ALWAYS_SKIPPED: FrozenSet[str] = frozenset({TOOL_FIXTURE})

# -- path heuristics ---------------------------------------------------------------------------
_TEST_DIRS = frozenset({"tests", "test", "testing", "test_utils", "testutils", "test_helpers",
                        "unittests", "unit_tests", "integration_tests", "functional_tests",
                        "e2e", "__tests__"})
_TEST_FILE = re.compile(r"^(test_.*|.*_tests?|.*_testing|tests?|conftest|testcases?)\.pyi?$")
_MIGRATION_DIRS = frozenset({"migrations", "_migrations", "south_migrations", "alembic",
                             "migration", "db_migrations"})
# helpers that data migrations import (`utils/migrations.py`, `migration_helpers.py`): code run by
# `migrate`, once per database, like the migrations themselves
_MIGRATION_HELPER_FILE = re.compile(r"^(migrations|\w*migration_(helpers?|utils?|tools))\.py$")
_SETTINGS_FILE = re.compile(r"^(settings|\w+_settings|settings_\w+|config|\w+_config)\.pyi?$")
_SETTINGS_DIRS = frozenset({"settings"})
_SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "commands", "cli"})
_SCRIPT_FILE = re.compile(r"^(__main__|manage|setup|fabfile|noxfile|tasks_dev|conftest_dev|"
                          r"wsgi_dev|cli)\.py$")
_SEED_DIRS = frozenset({"fixtures", "factories", "seeds", "seed", "sample_data", "sampledata",
                        "demo_data", "fake_data", "fakes", "dummy_data", "testdata_factories"})
_SEED_FILE = re.compile(r"^(seed\w*|factories|factory|\w+_factories|\w+_factory|fixtures|"
                        r"sample_data|sampledata|demo_data|fake_data|populate\w*|"
                        r"load_\w*data|create_\w*data|generate_\w*data|dummy\w*)\.py$")
_EXAMPLE_DIRS = frozenset({"examples", "example", "demo", "demos", "samples", "sample",
                           "tutorial", "tutorials", "cookbook", "docs", "doc", "docs_src",
                           "example_dags"})
_TOOL_FIXTURE_DIRS = frozenset({".semgrep", "testdata", "test_data", "test-data", "__snapshots__",
                                "snapshots", "golden", "goldens", ".ruff_fixtures", "lint_fixtures"})
_HANDLER_DIRS = frozenset({"views", "api", "apis", "routes", "routers", "endpoints",
                           "controllers", "handlers", "resources", "blueprints", "viewsets"})
_HANDLER_FILE = re.compile(r"^(views?|\w+_views?|api|\w+_api|routes?|\w+_routes?|routers?|"
                           r"\w+_router|endpoints?|controllers?|\w+_controller|handlers?|"
                           r"\w+_handlers?|viewsets?|\w+_viewsets?|blueprints?)\.py$")
_SERVICE_DIRS = frozenset({"services", "service", "usecases", "use_cases", "interactors"})
_SERVICE_FILE = re.compile(r"^(services?|\w+_services?|usecases?|use_cases?)\.py$")
_REPOSITORY_DIRS = frozenset({"repositories", "repository", "repos", "dao", "daos", "crud", "stores"})
_REPOSITORY_FILE = re.compile(r"^(repositor(y|ies)|\w+_repositor(y|ies)|\w+_repo|repos?|dao|"
                              r"\w+_dao|crud|\w+_crud|stores?|\w+_store)\.py$")


@dataclass(frozen=True)
class FileRoles:
    """The roles of one file, each with the reason it was given."""

    path: str  # as classified: relative to the project root, '/'-separated
    reasons: Dict[str, str] = field(default_factory=dict)

    @property
    def roles(self) -> FrozenSet[str]:
        return frozenset(self.reasons)

    def has(self, role: str) -> bool:
        return role in self.reasons

    def describe(self) -> str:
        if not self.reasons:
            return "no special role (application code)"
        return "; ".join(f"{role} ({why})" for role, why in sorted(self.reasons.items()))


def relative(path: str, root: str) -> str:
    """``path`` relative to ``root``, '/'-separated, without leading ``..`` components."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    parts = [p for p in rel.split("/") if p not in ("..", ".", "")]
    return "/".join(parts)


def _dir_role(dirs: Sequence[str], names: FrozenSet[str]) -> Optional[str]:
    for d in dirs:
        if d.lower() in names:
            return d
    return None


def _by_file_or_dir(out: Dict[str, str], role: str, base: str, dirs: Sequence[str], file_re, dir_names) -> None:
    """``role`` when the file name matches ``file_re``, else when a directory is one of ``dir_names``."""
    if file_re.match(base.lower()):
        out[role] = f"file name `{base}`"
        return
    d = _dir_role(dirs, dir_names)
    if d:
        out[role] = f"inside `{d}/`"


def heuristic_roles(rel: str, named_dirs: Sequence[str] = ()) -> Dict[str, str]:
    """Roles of the '/'-separated relative path ``rel`` from its directory and file names.

    ``named_dirs`` are directories (relative, '/'-separated) the user named on the command line:
    an example or demo directory the user asks for explicitly is checked as application code.
    """
    parts = rel.split("/")
    base = parts[-1]
    dirs = parts[:-1]
    low = base.lower()
    out: Dict[str, str] = {}

    d = _dir_role(dirs, _TOOL_FIXTURE_DIRS)
    if d:
        out[TOOL_FIXTURE] = f"inside a `{d}/` folder of another tool's fixtures"

    _by_file_or_dir(out, TEST, base, dirs, _TEST_FILE, _TEST_DIRS)

    d = _dir_role(dirs, _MIGRATION_DIRS)
    if d and low != "__init__.py":
        if not (d.lower() == "alembic" and low == "env.py"):  # env.py configures Alembic: not a revision
            out[MIGRATION] = f"inside `{d}/`"
    elif "versions" in [x.lower() for x in dirs] and any("alembic" in x.lower() or "migrat" in x.lower() for x in dirs):
        out[MIGRATION] = "an Alembic `versions/` directory"
    elif _MIGRATION_HELPER_FILE.match(low):
        out[MIGRATION] = f"file name `{base}`: helpers of data migrations"

    if MIGRATION not in out:
        if _SETTINGS_FILE.match(low):
            out[SETTINGS] = f"file name `{base}`"
        elif dirs and dirs[-1].lower() in _SETTINGS_DIRS and low != "__init__.py":
            out[SETTINGS] = f"inside `{dirs[-1]}/`"
        elif dirs and dirs[-1].lower() in _SETTINGS_DIRS:
            out[SETTINGS] = f"the `{dirs[-1]}/` package"

    if _SCRIPT_FILE.match(low):
        out[SCRIPT] = f"file name `{base}`"
    else:
        joined = "/".join(x.lower() for x in dirs)
        if "management/commands" in joined:
            out[SCRIPT] = "a Django management command"
        elif dirs and dirs[-1].lower() == "management" and low != "__init__.py":
            # `<app>/management/utils.py`, `base.py`: what the app's commands share
            out[SCRIPT] = "a helper module of Django management commands (`management/`)"
        else:
            d = _dir_role([x for x in dirs if x.lower() != "management"], _SCRIPT_DIRS)
            if d:
                out[SCRIPT] = f"inside `{d}/`"

    _by_file_or_dir(out, SEED, base, dirs, _SEED_FILE, _SEED_DIRS)

    named = [n.split("/") for n in named_dirs]
    for i, dname in enumerate(dirs):
        if dname.lower() in _EXAMPLE_DIRS:
            prefix = dirs[: i + 1]
            if any(len(n) >= len(prefix) and n[: len(prefix)] == prefix for n in named):
                continue  # the user named this directory (or one below it): application code
            out[EXAMPLE] = f"inside `{dname}/`"
            break

    # layers: the file's own name, or one of its two innermost directories
    _by_file_or_dir(out, HANDLER, base, dirs[-2:], _HANDLER_FILE, _HANDLER_DIRS)
    _by_file_or_dir(out, SERVICE, base, dirs[-2:], _SERVICE_FILE, _SERVICE_DIRS)
    _by_file_or_dir(out, REPOSITORY, base, dirs[-2:], _REPOSITORY_FILE, _REPOSITORY_DIRS)
    return out


class RoleClassifier:
    """Roles of files below ``root``, with the user's ``[tool.backlint.roles]`` overrides.

    ``overrides`` is a sequence of ``(glob, roles)``; the last matching glob wins and replaces the
    heuristics for that file (an empty list means: no special role).
    """

    def __init__(self, root: str, overrides: Iterable[Tuple[str, Sequence[str]]] = (),
                 named_dirs: Iterable[str] = ()) -> None:
        self.root = os.path.abspath(root)
        self.overrides = [(g, tuple(r)) for g, r in overrides]
        self.named = tuple(relative(d, self.root) for d in named_dirs)
        self._specs = None
        self._memo: Dict[str, FileRoles] = {}

    def _compiled(self):
        if self._specs is None:
            import pathspec

            self._specs = [(pathspec.PathSpec.from_lines("gitignore", [g]), g, roles)
                           for g, roles in self.overrides]
        return self._specs

    def classify(self, path: str) -> FileRoles:
        hit = self._memo.get(path)
        if hit is not None:
            return hit
        rel = relative(path, self.root)
        reasons: Optional[Dict[str, str]] = None
        if self.overrides:
            for spec, glob, roles in self._compiled():
                if spec.match_file(rel) or fnmatch.fnmatch(rel, glob):
                    reasons = {r: f"[tool.backlint.roles] \"{glob}\"" for r in roles}
        if reasons is None:
            reasons = heuristic_roles(rel, self.named)
        result = FileRoles(rel, reasons)
        if len(self._memo) < 100_000:
            self._memo[path] = result
        return result


def validate_roles(roles: Sequence[str]) -> Optional[str]:
    """An error text for unknown role names, else None."""
    import difflib

    for r in roles:
        if r not in ROLES:
            close = difflib.get_close_matches(r, ROLES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return f"unknown role '{r}'{hint} (roles: {', '.join(ROLES)})"
    return None
