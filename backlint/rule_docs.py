"""Rule reference pages, generated from the rule classes: ``docs/rules/<CODE>.md`` and an index.

``backlint rules --write-docs docs/rules`` writes them; a test fails when the committed pages
differ from what the rules say, so the pages can never drift from the code.
"""
from __future__ import annotations

import os
from typing import Dict, Iterable, Type

from .rule import Rule


def _severity(rule: Type[Rule]) -> str:
    return rule.severity.value


def page(rule: Type[Rule]) -> str:
    """The Markdown page of one rule."""
    tags = ", ".join(rule.tags) if rule.tags else "-"
    skipped = ", ".join(sorted(rule.skip_roles)) if rule.skip_roles else "-"
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        rule.summary(),
        "",
        "| | |",
        "|---|---|",
        f"| code | `{rule.code}` |",
        f"| name | `{rule.name}` |",
        f"| category | `{rule.category}` |",
        f"| severity | {_severity(rule)} |",
        f"| default | {'on' if rule.default_enabled else 'off'} |",
        f"| fix | {'yes' if rule.has_fix() else 'no'} |",
        f"| precision | {rule.precision} |",
        f"| tags | {tags} |",
        f"| not applied to files of role | {skipped} |",
    ]
    if rule.security_severity:
        lines.append(f"| security severity | {rule.security_severity} |")
    body = rule.docs().split("\n", 1)
    lines += ["", body[1].strip() if len(body) > 1 else ""]
    if rule.options:
        lines += ["", "## Options", "", f"Set in `[tool.backlint.{rule.name}]` (or `[tool.backlint.{rule.category}]` "
                  "for every rule of the category):", ""]
        for key, opt in rule.options.items():
            lines.append(f"- `{key}` ({opt.type_name()}, default `{opt.default!r}`): {opt.description}")
    lines += ["", f"Print this page with `backlint explain {rule.code}`. Suppress one finding with "
              f"`# backlint: ignore[{rule.code}]` on its statement.", ""]
    return "\n".join(lines)


def index(rules: Iterable[Type[Rule]]) -> str:
    lines = ["# Rules", "", "Generated from the rule classes by `backlint rules --write-docs docs/rules`; "
             "do not edit by hand.", "", "| code | name | category | severity | default | fix | summary |",
             "|---|---|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| [{r.code}]({r.code}.md) | `{r.name}` | `{r.category}` | {_severity(r)} | "
                     f"{'on' if r.default_enabled else 'off'} | {'yes' if r.has_fix() else '-'} | {r.summary()} |")
    return "\n".join(lines) + "\n"


def pages(rules: Dict[str, Type[Rule]]) -> Dict[str, str]:
    """File name -> text, for every rule and the index."""
    out = {f"{code}.md": page(rule) for code, rule in rules.items()}
    out["README.md"] = index(rules.values())
    return out


def write(directory: str, rules: Dict[str, Type[Rule]]) -> int:
    os.makedirs(directory, exist_ok=True)
    wanted = pages(rules)
    for name in os.listdir(directory):  # pages of rules that no longer exist
        if name.endswith(".md") and name not in wanted and name[:2] == "BL":
            os.unlink(os.path.join(directory, name))
    for name, text in wanted.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return len(wanted)
