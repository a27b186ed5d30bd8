"""Where a literal sits, for the hardcoded-secret rule: the surroundings that say a value under a
secret-sounding name is an example, a URL parameter or a development default.

No rule here: small functions over libcst nodes and the visitor's ancestor stack.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Optional, Sequence

from ..._lazy import cst

from ...frameworks import secrets as sk
from ...frameworks.values import as_str
from ...semantics import dotted_name

# A container, keyword or function named like this holds documentation or preview data
# (``"connection_examples": [...]``, ``Field(examples=[...])``, ``def sample_order()``).
EXAMPLE_WORDS = frozenset({
    "example", "examples", "sample", "samples", "demo", "demos", "placeholder", "placeholders",
    "preview", "previews", "docs", "doc", "docstring", "mock", "mocks", "fake", "dummy",
    "illustration", "tutorial",
})
# Sibling keys and keywords that hold the user name of a credential pair.
USER_WORDS = frozenset({"user", "username", "login", "usr", "uid", "account"})
# Calls that build a URL from route parameters: ``reverse("order", kwargs={"secret": ...})``.
_URL_BUILDER = re.compile(r"(^|_)(reverse|reverse_lazy|url_for|build_absolute_uri)$|reverse$", re.I)


literal_text = as_str  # the text of a string literal (bytes as latin-1), else None


def _names_of(node: cst.CSTNode) -> Iterable[str]:
    if type(node) is cst.DictElement:
        key = literal_text(node.key)
        if key is not None:
            yield key
    elif type(node) is cst.Arg and node.keyword is not None:
        yield node.keyword.value
    elif type(node) in (cst.FunctionDef, cst.ClassDef):
        yield node.name.value
    elif type(node) is cst.Assign:
        for target in node.targets:
            name = dotted_name(target.target)
            if name:
                yield name
    elif type(node) is cst.AnnAssign:
        name = dotted_name(node.target)
        if name:
            yield name


def in_example(ancestors: Sequence[cst.CSTNode]) -> bool:
    """Inside something named as an example, a sample or preview data."""
    for node in ancestors:
        for name in _names_of(node):
            if any(w in EXAMPLE_WORDS for w in sk.words(name)):
                return True
    return False


def is_route_kwargs(node: cst.Dict, ancestors: Sequence[cst.CSTNode]) -> bool:
    """The dict is the ``kwargs=`` of a URL builder: its values are route parameters."""
    if len(ancestors) < 2:
        return False
    arg, call = ancestors[-1], ancestors[-2]
    if not (type(arg) is cst.Arg and arg.value is node and arg.keyword is not None
            and arg.keyword.value == "kwargs" and type(call) is cst.Call):
        return False
    name = dotted_name(call.func) or ""
    return bool(_URL_BUILDER.search(name.rsplit(".", 1)[-1]))


def user_values(pairs: Iterable[tuple]) -> List[str]:
    """Literal values of the user-name members of ``(name, value node)`` pairs."""
    out: List[str] = []
    for name, value in pairs:
        if name and any(w in USER_WORDS for w in sk.words(name)):
            text = literal_text(value)
            if text:
                out.append(text.strip().lower())
    return out


def dict_pairs(node: cst.Dict) -> List[tuple]:
    out = []
    for element in node.elements:
        if type(element) is cst.DictElement:
            key = literal_text(element.key)
            out.append((key, element.value))
    return out


def keyword_pairs(node: cst.Call) -> List[tuple]:
    return [(a.keyword.value, a.value) for a in node.args if a.keyword is not None]


def environ_spelling(module: cst.Module) -> Optional[str]:
    """How ``module`` spells ``os.environ`` (``os.environ``, ``_os.environ``, ``environ``), if it
    imports it at the top level; the unsafe fix reads the secret from there."""
    found: Optional[str] = None
    for stmt in module.body:
        if type(stmt) is not cst.SimpleStatementLine:
            continue
        for small in stmt.body:
            if type(small) is cst.Import:
                for alias in small.names:
                    if dotted_name(alias.name) == "os":
                        local = alias.asname.name.value if alias.asname else "os"
                        found = found or f"{local}.environ"
            elif type(small) is cst.ImportFrom and dotted_name(small.module or cst.Name("_")) == "os":
                if type(small.names) is cst.ImportStar:
                    continue
                for alias in small.names:
                    if type(alias.name) is cst.Name and alias.name.value == "environ":
                        local = alias.asname.name.value if alias.asname else "environ"
                        found = found or local
    return found


def token_message(label: str, token: str, shown: int) -> str:
    return (
        f"{label} in source (`{sk.redact(token, shown)}`): treat it as leaked, revoke it, "
        "and load the new one from the environment or a secrets manager."
    )


def test_key_message(token: str) -> str:
    return (
        f"Private key block in test code (`{sk.redact(token, 10)}`): whoever has the repository has "
        "the key; if it only signs test data, generate it when the tests run (e.g. with "
        "`cryptography`), and if it was ever used outside the tests, revoke it."
    )


def url_message(cred: "sk.UrlCredential", advice: str) -> str:
    shown = f"{cred.user}:{sk.redact(cred.password)}@{cred.host}"
    if cred.severity == "weak":
        return (
            f"Development default password in a `{cred.scheme}://` connection URL (`{shown}`): "
            f"harmless on a developer machine, but a deployment that does not override it uses it; "
            f"{advice}."
        )
    return f"Password in a `{cred.scheme}://` connection URL (`{shown}`): {advice}."
