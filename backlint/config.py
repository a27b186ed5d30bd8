"""``[tool.backlint]`` discovery, validation and rule selection.

Configuration comes from the nearest ``backlint.toml`` or ``pyproject.toml`` with a
``[tool.backlint]`` table (walking up from the first checked path), or from ``--config``.
Every mistake is a :class:`ConfigError` naming the file, the key and the closest valid key;
the CLI turns it into exit code 2.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, Optional, Sequence, Tuple

from . import registry
# which file configures a directory, and reading its table (names kept importable from here)
from .config_files import _NESTED, ConfigError, _section, find_config, read_config_table  # noqa: F401

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "node_modules", "build",
    "dist", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".backlint_cache",
    ".eggs", "*.egg-info", "site-packages", "__pypackages__", "_build", "buck-out",
)

# key -> (expected type description, validator)
TOP_LEVEL_KEYS = (
    "select", "extend-select", "ignore", "exclude", "extend-exclude", "per-file-ignores",
    "respect-gitignore", "force-exclude", "output-format", "cache-dir", "baseline",
    "max-file-size", "file-timeout", "roles", "rule-docs-url", "extend", "frameworks", "skipped-ok",
    "migrations-start-after",
)
# top-level keys that are the default of the rule option of the same name, in every rule that has it
RULE_OPTION_DEFAULT_KEYS = ("migrations-start-after",)
OUTPUT_FORMATS = ("text", "concise", "full", "json", "sarif", "github", "gitlab", "junit")


@dataclass
class Settings:
    """The effective configuration of a run. Plain data: it is sent to worker processes."""

    root: str  # directory that relative globs are anchored to
    config_path: Optional[str] = None
    select: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    output_format: str = "text"
    rule_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # code -> options
    enabled: FrozenSet[str] = frozenset()
    unsafe_fixes: bool = False
    cache_dir: Optional[str] = None  # None: <root>/.backlint_cache
    no_cache: bool = False
    max_file_size: int = 2 * 1024 * 1024  # bytes; larger files are skipped with a warning
    file_timeout: float = 60.0  # seconds one file may take in a worker before it is skipped
    skipped_ok: bool = False  # a skipped file (size, time, not a regular file) does not fail the run
    baseline: Optional[str] = None  # baseline file (absolute; `baseline` is relative to the config file)
    # [tool.backlint.roles]: (glob, roles) overrides of the file-role heuristics (frameworks/roles.py)
    roles: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # a URL template for rule pages ({code}, {name}), carried to SARIF helpUri when set
    rule_docs_url: Optional[str] = None
    # per-directory configuration: each file follows the closest configuration above it, with the
    # command line's overrides on top (off with --config and --isolated)
    # [tool.backlint.frameworks]: the project's own HTTP clients, DB sessions, route decorators
    frameworks: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    hierarchical: bool = False
    overrides: Dict[str, Any] = field(default_factory=dict)
    extended: Tuple[str, ...] = ()  # configuration files this one extends, outermost first
    # directories named on the command line (absolute): an example/ directory named there is app code
    named_dirs: Tuple[str, ...] = ()

    def options_for(self, code: str) -> Dict[str, Any]:
        rule = registry.all_rules()[code]
        merged = rule.default_settings()
        merged.update(self.rule_options.get(code, {}))
        return merged

    def fingerprint(self) -> str:
        """A stable text of everything that changes findings (for the cache)."""
        parts = [
            # the root: roles and messages (a suggested `pkg/services.py`) are relative to it
            os.path.abspath(self.root),
            ",".join(sorted(self.enabled)),
            repr(sorted((c, sorted(o.items())) for c, o in self.rule_options.items())),
            repr(self.per_file_ignores),
            repr(self.roles),
            repr(sorted(self.frameworks.items())),
            registry.plugin_stamp(),
        ]
        return "|".join(parts)


def _closest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.4)
    return f"; did you mean '{close[0]}'?" if close else ""


def table_name(path: str, key: str) -> str:
    """How the user writes the table ``key`` in ``path``: [tool.backlint.key] or [key]."""
    return f"[tool.backlint.{key}]" if os.path.abspath(path) in _NESTED else f"[{key}]"


def _string_list(path: str, key: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings, got {type(value).__name__}: {value!r}")
    return tuple(value)


def check_selectors(where: str, key: str, values: Sequence[str]) -> None:
    for value in values:
        if not registry.matching(value):
            hint = registry.suggest(value)
            suggestion = f"; did you mean '{hint}'?" if hint else ""
            raise ConfigError(
                f"{where}: '{key}' names unknown rule '{value}'{suggestion} (select by code, "
                f"code prefix such as BL or BL4, rule name, category or ALL; `backlint rules` lists them)"
            )


def check_glob(where: str, key: str, pattern: str) -> None:
    depth = 0
    for ch in pattern:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
    if depth or "***" in pattern or not pattern.strip():
        raise ConfigError(f"{where}: '{key}' has an invalid glob {pattern!r}")


def load_file(path: str, settings: Settings, _chain: Tuple[str, ...] = ()) -> Settings:
    """Apply the configuration in ``path`` to ``settings`` (validating every key).

    ``extend = "../pyproject.toml"`` loads that file first; this file's keys then win.
    """
    table = read_config_table(path)
    section = _section(path)
    base = table.get("extend")
    if base is not None:
        if not isinstance(base, str) or not base.strip():
            raise ConfigError(f"{path}: 'extend' must be the path of another configuration file, got {base!r}")
        target = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(base)))
        if target in _chain or target == os.path.abspath(path):
            raise ConfigError(f"{path}: 'extend' makes a cycle: {' -> '.join(_chain + (os.path.abspath(path), target))}")
        if not os.path.isfile(target):
            raise ConfigError(f"{path}: 'extend' names {base!r}, which does not exist")
        load_file(target, settings, _chain + (os.path.abspath(path),))
        settings.extended = settings.extended + (target,)
        section = _section(path)
    settings.config_path = path
    settings.root = os.path.dirname(os.path.abspath(path))
    rules_by_name = registry.by_name()
    for key, value in table.items():
        if isinstance(value, dict) and key not in ("per-file-ignores", "roles", "frameworks") + RULE_OPTION_DEFAULT_KEYS:
            _load_rule_options(path, key, value, settings, rules_by_name)
            continue
        if key not in TOP_LEVEL_KEYS:
            hint = _closest(key, list(TOP_LEVEL_KEYS) + list(rules_by_name))
            raise ConfigError(f"{path}: unknown key '{key}' in {section}{hint}")
        if key == "extend":
            continue  # applied first, above
        if key in RULE_OPTION_DEFAULT_KEYS:
            _default_rule_option(path, key, value, settings)
        elif key in ("select", "extend-select", "ignore"):
            values = _string_list(path, key, value)
            check_selectors(path, key, values)
            setattr(settings, key.replace("-", "_"), values)
        elif key in ("exclude", "extend-exclude"):
            values = _string_list(path, key, value)
            for pattern in values:
                check_glob(path, key, pattern)
            setattr(settings, key.replace("-", "_"), values)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
            entries = []
            for pattern, codes in value.items():
                check_glob(path, f"per-file-ignores.{pattern}", pattern)
                codes = _string_list(path, f"per-file-ignores.\"{pattern}\"", codes)
                check_selectors(path, f"per-file-ignores.\"{pattern}\"", codes)
                entries.append((pattern, codes))
            settings.per_file_ignores = tuple(entries)
        elif key == "roles":
            from .frameworks.roles import validate_roles

            if not isinstance(value, dict):
                raise ConfigError(f"{path}: 'roles' must be a table of glob = [roles]")
            entries = []
            for pattern, roles in value.items():
                check_glob(path, f"roles.{pattern}", pattern)
                roles = _string_list(path, f"roles.\"{pattern}\"", roles)
                problem = validate_roles(roles)
                if problem:
                    raise ConfigError(f"{path}: {table_name(path, 'roles')} \"{pattern}\": {problem}")
                entries.append((pattern, tuple(roles)))
            settings.roles = tuple(entries)
        elif key in ("respect-gitignore", "force-exclude", "skipped-ok"):
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: '{key}' must be true or false, got {value!r}")
            setattr(settings, key.replace("-", "_"), value)
        elif key in ("max-file-size", "file-timeout"):
            kinds = (int,) if key == "max-file-size" else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
                what = "a positive whole number of bytes" if key == "max-file-size" else "a positive number of seconds"
                raise ConfigError(f"{path}: '{key}' must be {what}, got {value!r}")
            setattr(settings, key.replace("-", "_"), value)
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: 'cache-dir' must be a path string, got {value!r}")
            settings.cache_dir = _inside_project(path, settings.root, value)
        elif key == "baseline":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: 'baseline' must be a path string, got {value!r}")
            settings.baseline = os.path.join(settings.root, value)
        elif key == "frameworks":
            from .frameworks.declared import validate

            problem = validate(value)
            if problem:
                raise ConfigError(f"{path}: {table_name(path, 'frameworks')} {problem}")
            settings.frameworks = {k: tuple(v) for k, v in value.items()}
        elif key == "rule-docs-url":
            if not isinstance(value, str) or not value.startswith(("https://", "http://")) or (
                    "{code}" not in value and "{name}" not in value):
                raise ConfigError(f"{path}: 'rule-docs-url' must be an http(s) URL template with {{code}} "
                                  f"or {{name}}, e.g. \"https://docs.example.com/backlint/{{code}}.html\", got {value!r}")
            settings.rule_docs_url = value
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(
                    f"{path}: 'output-format' must be one of {', '.join(OUTPUT_FORMATS)}, got {value!r}"
                    + _closest(str(value), OUTPUT_FORMATS)
                )
            settings.output_format = value
    return settings


def _load_family_options(path: str, key: str, value: Dict[str, Any], settings: Settings, family) -> None:
    """``[tool.backlint.<category>]``: options shared by every rule of a category (e.g. ``database``
    for all unsafe-migration rules), set once. A rule's own table still wins (it is applied later)."""
    known = sorted({k for r in family for k in r.options})
    for opt_key, opt_value in value.items():
        takers = [r for r in family if opt_key in r.options]
        if not takers:
            hint = _closest(opt_key, known) or (f"; rules of '{key}' share options: {', '.join(known)}" if known
                                               else f"; rules of '{key}' have no options")
            raise ConfigError(f"{path}: unknown option '{opt_key}' in {table_name(path, key)}{hint}")
        for rule in takers:
            spec = rule.options[opt_key]
            if isinstance(opt_value, bool) and bool not in spec.type or not isinstance(opt_value, spec.type):
                raise ConfigError(f"{path}: {table_name(path, key)} '{opt_key}' must be {spec.type_name()}, got {opt_value!r}")
            if spec.validate is not None:
                problem = spec.validate(opt_value)
                if problem:
                    raise ConfigError(f"{path}: {table_name(path, key)} '{opt_key}' {problem}, got {opt_value!r}")
            own = settings.rule_options.setdefault(rule.code, {})
            own.setdefault(opt_key, opt_value)


def _inside_project(path: str, root: str, value: str) -> str:
    """`cache-dir` from a configuration file: a directory inside the project, or a ConfigError.

    A checkout's own configuration must not make backlint create and write files elsewhere
    (``/etc/...``, ``../../home/...``, or through a symlink); an absolute cache directory is
    for the person running backlint: ``--cache-dir`` or ``BACKLINT_CACHE_DIR``.
    """
    target = os.path.join(root, value)
    real_root = os.path.realpath(root)
    real = os.path.realpath(target)
    if os.path.isabs(value) or not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
        raise ConfigError(
            f"{path}: 'cache-dir' must be a directory inside the project, got {value!r}; "
            "give an absolute or outside cache directory with --cache-dir or BACKLINT_CACHE_DIR"
        )
    return target


def _default_rule_option(path: str, key: str, value: Any, settings: Settings) -> None:
    """A top-level key that sets one option of every rule that has it; a rule table still wins."""
    for code, rule in registry.all_rules().items():
        option = rule.options.get(key)
        if option is None:
            continue
        if not isinstance(value, option.type) or isinstance(value, bool):
            raise ConfigError(f"{path}: '{key}' must be {option.type_name()}, got {value!r}")
        problem = option.validate(value) if option.validate else ""
        if problem:
            raise ConfigError(f"{path}: '{key}' {problem}")
        settings.rule_options.setdefault(code, {}).setdefault(key, value)


def _load_rule_options(path: str, key: str, value: Dict[str, Any], settings: Settings, rules_by_name) -> None:
    rule = rules_by_name.get(key)
    if rule is None:
        family = [r for r in registry.all_rules().values() if r.category == key]
        if family:
            _load_family_options(path, key, value, settings, family)
            return
        code = registry.resolve(key)
        if code:
            hint = f"; options are keyed by rule name: use {table_name(path, registry.all_rules()[code].name)}"
        else:
            hint = _closest(key, list(rules_by_name) + list(TOP_LEVEL_KEYS))
        raise ConfigError(f"{path}: unknown rule '{key}' in {table_name(path, key)}{hint}")
    options: Dict[str, Any] = {}
    for opt_key, opt_value in value.items():
        spec = rule.options.get(opt_key)
        if spec is None:
            known = list(rule.options)
            hint = _closest(opt_key, known) or (
                f"; '{rule.name}' has options: {', '.join(known)}" if known else f"; '{rule.name}' has no options"
            )
            raise ConfigError(f"{path}: unknown option '{opt_key}' in {table_name(path, key)}{hint}")
        if isinstance(opt_value, bool) and bool not in spec.type or not isinstance(opt_value, spec.type):
            raise ConfigError(
                f"{path}: {table_name(path, key)} '{opt_key}' must be {spec.type_name()}, got {opt_value!r}"
            )
        if spec.validate is not None:
            problem = spec.validate(opt_value)
            if problem:
                raise ConfigError(f"{path}: {table_name(path, key)} '{opt_key}' {problem}, got {opt_value!r}")
        options[opt_key] = opt_value
    settings.rule_options.setdefault(rule.code, {}).update(options)  # over [<category>] and top-level defaults


def resolve_enabled(settings: Settings, where: str = "command line") -> FrozenSet[str]:
    """Default rules, or ``select``; plus ``extend-select``; minus ``ignore``."""
    rules = registry.all_rules()
    if settings.select:
        check_selectors(where, "select", settings.select)
        chosen = {c for s in settings.select for c in registry.matching(s)}
    else:
        chosen = {c for c, r in rules.items() if r.default_enabled}
    check_selectors(where, "extend-select", settings.extend_select)
    chosen |= {c for s in settings.extend_select for c in registry.matching(s)}
    check_selectors(where, "ignore", settings.ignore)
    chosen -= {c for s in settings.ignore for c in registry.matching(s)}
    return frozenset(chosen)


_FOUND: Dict[str, Optional[str]] = {}  # directory -> closest configuration file (memo, one run)
_BUILT: Dict[Tuple[str, str, str], Settings] = {}  # nested configuration -> its settings (one run)


def _common_directory(paths: Sequence[str]) -> str:
    dirs = []
    for p in paths or ["."]:
        if p == "-":
            p = "."
        ap = os.path.abspath(p)
        dirs.append(ap if os.path.isdir(ap) else os.path.dirname(ap))
    try:
        return os.path.commonpath(dirs)
    except ValueError:  # different drives
        return dirs[0]


def _apply_overrides(settings: Settings, overrides: Dict[str, Any]) -> None:
    for key, value in overrides.items():
        if value is None:
            continue
        if key in ("select", "ignore"):
            setattr(settings, key, tuple(value))
        elif key == "extend_select":
            settings.extend_select = tuple(settings.extend_select) + tuple(value)
        elif key == "extend_exclude":
            for pattern in value:
                check_glob("command line", "--extend-exclude", pattern)
            settings.extend_exclude = tuple(settings.extend_exclude) + tuple(value)
        else:
            setattr(settings, key, value)


def load(
    paths: Sequence[str],
    config: Optional[str] = None,
    overrides: Optional[Dict[str, Any]] = None,
    isolated: bool = False,
) -> Settings:
    """Build the run's settings: config file (found or given), then command-line overrides.

    Without ``--config``/``--isolated`` the run's own settings (output, cache, baseline) come from
    the configuration closest to the paths' common directory, so the order of the paths never
    matters; each file is then checked with the configuration closest to it (:func:`settings_for`).
    """
    _FOUND.clear()  # configuration files are read afresh for every run
    _BUILT.clear()
    settings = Settings(root=os.getcwd())
    if config is not None:
        if not os.path.isfile(config):
            raise ConfigError(f"{config}: configuration file not found")
        load_file(config, settings)
    elif not isolated:
        found = find_config(_common_directory(paths))
        if found:
            load_file(found, settings)
        settings.hierarchical = True
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    _apply_overrides(settings, overrides)
    settings.overrides = dict(overrides)
    settings.named_dirs = tuple(sorted({os.path.abspath(p) for p in paths if p != "-" and os.path.isdir(p)}))
    settings.enabled = resolve_enabled(settings)
    return settings


# -- per-directory configuration ------------------------------------------------------------



def closest_config(path: str) -> Optional[str]:
    directory = os.path.abspath(path)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    if directory not in _FOUND:
        if len(_FOUND) > 50_000:
            _FOUND.clear()
        _FOUND[directory] = find_config(directory)
    return _FOUND[directory]


def settings_for(settings: Settings, path: str) -> Settings:
    """The settings ``path`` is checked with: those of the configuration closest to it.

    Files under the run's own configuration (the common case) get ``settings`` itself; a nested
    ``pyproject.toml``/``backlint.toml`` replaces it for the files below it (``extend`` to inherit),
    with the command line's overrides applied on top.
    """
    if not settings.hierarchical:
        return settings
    found = closest_config(path)
    if found is None or (settings.config_path and os.path.abspath(found) == os.path.abspath(settings.config_path)):
        return settings
    key = (os.path.abspath(found), repr(sorted(settings.overrides.items())), repr(settings.named_dirs))
    built = _BUILT.get(key)
    if built is None:
        built = Settings(root=os.path.dirname(os.path.abspath(found)))
        load_file(found, built)
        _apply_overrides(built, settings.overrides)
        built.overrides = dict(settings.overrides)
        built.named_dirs = settings.named_dirs
        built.unsafe_fixes = settings.unsafe_fixes
        built.no_cache = settings.no_cache
        built.enabled = resolve_enabled(built, where=found)
        _BUILT[key] = built
    return built
