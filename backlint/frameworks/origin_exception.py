"""Exception and traceback text, and the exceptions whose text is meant for the client.

An ``except ... as e`` name holds an exception; its text is ``str(e)``, ``repr(e)``, ``f"{e}"``,
``e.args``, ``e.message``/``e.msg``/``e.strerror``; ``traceback.format_exc()`` and friends are
traceback text. Not exception text (user-facing by design): validation errors' messages
(pydantic ``e.errors()``, DRF ``e.detail``, marshmallow ``e.messages``, Django
``e.messages``/``e.message_dict``, form ``.errors``) and the exceptions of the project's own
application-error classes (see ``curated_class``).
"""
from __future__ import annotations

import functools
import os
import re
import sys
from typing import FrozenSet, Optional, Tuple

from .._lazy import cst

TRACEBACK_CALLS: FrozenSet[str] = frozenset({
    "traceback.format_exc", "traceback.format_exception", "traceback.format_tb",
    "traceback.format_stack", "traceback.extract_tb", "traceback.format_exception_only",
    "traceback.print_exc", "sys.exc_info",
})
# Attributes of an exception that are its text.
TEXT_ATTRIBUTES: FrozenSet[str] = frozenset({
    "args", "message", "msg", "strerror", "reason", "__traceback__", "description", "text",
})
# Attributes and methods of (validation) exceptions that carry messages written for the user.
USER_FACING: FrozenSet[str] = frozenset({
    "errors", "messages", "message_dict", "detail", "get_full_details", "get_codes",
    "normalized_messages", "error_dict", "error_list", "status_code", "code", "status",
})
# Exception classes (last part of the name) whose text is written for the user.
VALIDATION_CLASSES: FrozenSet[str] = frozenset({
    "ValidationError", "PydanticValidationError", "RequestValidationError", "SchemaError",
    "ValidationErrors", "FormValidationError", "ParseError", "PermissionDenied",
    "NotAuthenticated", "AuthenticationFailed", "NotFound", "Http404", "MethodNotAllowed",
    "ObjectDoesNotExist", "DoesNotExist", "BadRequest", "HTTPException", "APIException",
    "Forbidden", "Unauthorized", "Conflict", "UnprocessableEntity", "SuspiciousOperation",
    # Python's invalid-value error: raised for bad input, its text describes that input
    # (`invalid literal for int()`, a schema's complaint), not the server's internals
    "ValueError", "JSONDecodeError", "InvalidOperation",
})
# Modules whose exception classes are not the project's own.
_FOREIGN_ROOTS: FrozenSet[str] = frozenset({
    "builtins", "django", "rest_framework", "flask", "werkzeug", "fastapi", "starlette",
    "sqlalchemy", "requests", "httpx", "urllib3", "urllib", "json", "yaml", "pydantic",
    "marshmallow", "jwt", "boto3", "botocore", "psycopg2", "psycopg", "redis", "celery",
    "subprocess", "os", "socket", "ssl", "asyncio", "aiohttp", "ldap", "ldap3", "kombu",
    "jinja2", "jsonschema", "zipfile", "tarfile", "xml", "lxml", "openai", "google", "azure",
    "smtplib", "ftplib", "paramiko", "git", "docker", "kubernetes", "stripe", "pymongo", "jose",
    "authlib",
})
_BUILTIN_EXCEPTIONS: FrozenSet[str] = frozenset({
    "Exception", "BaseException", "ValueError", "TypeError", "KeyError", "IndexError",
    "RuntimeError", "OSError", "IOError", "AttributeError", "LookupError", "NotImplementedError",
    "AssertionError", "ConnectionError", "TimeoutError", "PermissionError", "FileNotFoundError",
    "UnicodeDecodeError", "UnicodeError", "ArithmeticError", "ZeroDivisionError", "ImportError",
    "StopIteration", "EnvironmentError", "SystemError", "OverflowError",
})


def class_names(handler: cst.ExceptHandler):
    """The caught classes' nodes (``except (A, B) as e`` -> [A, B]); empty for a bare except."""
    kind = handler.type
    if kind is None:
        return []
    if type(kind) is cst.Tuple:
        return [e.value for e in kind.elements]
    return [kind]


def _last_name(node: cst.BaseExpression, ctx) -> str:
    qual = ctx.qualified_name(node) or ""
    return (qual or ctx.code_for(node)).rsplit(".", 1)[-1]


def user_facing_class(node: cst.BaseExpression, ctx) -> bool:
    """A validation or HTTP error class whose text is written for the client."""
    last = _last_name(node, ctx)
    # `CustomComponentValidationError`, `CatalogPolicyValidationError`: a validation error of
    # some package, whose text says what was wrong with the input; `AddrFormatError`: a
    # parser's complaint about the format of the text it was given
    return last in VALIDATION_CLASSES or (
        last[:1].isupper() and last.endswith(("ValidationError", "FormatError")))


# Exceptions about the bytes or the archive being read: zipfile's complaint about an archive's
# format ("File is not a zip file", "Bad CRC-32 for file 'x'"), and a decoding error (a
# ValueError whose text is the codec, the byte and its position).
_FORMAT_ERRORS: FrozenSet[str] = frozenset({
    "zipfile.BadZipFile", "zipfile.BadZipfile", "UnicodeError", "UnicodeDecodeError",
    # a PDF reader's complaint about the document ("EOF marker not found")
    "pypdf.errors.PdfReadError", "pypdf.PdfReadError", "PyPDF2.errors.PdfReadError",
    "PyPDF2.utils.PdfReadError", "PyPDF2.PdfReadError",
    # PyJWT's refusals of a token ("Signature has expired", "Invalid audience", "Not enough
    # segments"): the `InvalidTokenError` family describes the token the caller presented. Not
    # `PyJWTError`, whose `PyJWKClientError` names the key-set URL and the network error, nor
    # python-jose's `JWTError`, also raised for the server's own key ("Could not deserialize").
    "jwt.InvalidTokenError", "jwt.exceptions.InvalidTokenError", "jwt.ExpiredSignatureError",
    "jwt.exceptions.ExpiredSignatureError", "jwt.DecodeError", "jwt.exceptions.DecodeError",
    "jwt.InvalidSignatureError", "jwt.exceptions.InvalidSignatureError", "jwt.InvalidAudienceError",
    "jwt.exceptions.InvalidAudienceError", "jwt.InvalidIssuerError", "jwt.exceptions.InvalidIssuerError",
    "jwt.ImmatureSignatureError", "jwt.exceptions.ImmatureSignatureError",
    "jwt.MissingRequiredClaimError", "jwt.exceptions.MissingRequiredClaimError",
    "jose.ExpiredSignatureError", "jose.exceptions.ExpiredSignatureError", "jose.exceptions.JWTClaimsError",
})
# Library classes always raised without a message (anyio raises `BrokenResourceError` bare or
# `from` the cause): `str(e)` is empty, there is no text to leak.
_MESSAGELESS: FrozenSet[str] = frozenset({
    "anyio.BrokenResourceError", "anyio.ClosedResourceError", "anyio.EndOfStream",
    "anyio.WouldBlock",
})


# aiohttp's errors of an upstream's HTTP status (`raise_for_status()`): `.message` is the
# upstream's reason phrase ("Not Found") and `.status` its code; `str(e)` also holds the URL
# requested (a host of the server's network), so only those attributes are the client's to see.
_STATUS_ERRORS: FrozenSet[str] = frozenset({
    "aiohttp.ClientResponseError", "aiohttp.ContentTypeError", "aiohttp.WSServerHandshakeError",
    "aiohttp.client_exceptions.ClientResponseError", "aiohttp.client_exceptions.ContentTypeError",
    "aiohttp.client_exceptions.WSServerHandshakeError",
})
STATUS_NOTE = "upstream-status"  # note of an exception caught only as one of those classes
STATUS_ATTRIBUTES: FrozenSet[str] = frozenset({"message", "status"})


def status_error_clause(handler: cst.ExceptHandler, ctx) -> bool:
    """Every class the clause catches is one of aiohttp's HTTP-status errors."""
    classes = class_names(handler)
    return bool(classes) and all(_full_name(c, ctx) in _STATUS_ERRORS for c in classes)


def _full_name(node: cst.BaseExpression, ctx) -> str:
    return ctx.qualified_name(node) or ctx.code_for(node)


def format_error(node: cst.BaseExpression, ctx) -> bool:
    """A decoding, archive-format or token-validation error (see ``_FORMAT_ERRORS``): its text
    describes the bytes that were read or the token presented, not the server."""
    return _full_name(node, ctx) in _FORMAT_ERRORS


# Builtin errors of a peer hanging up: the operating system's fixed text ("[Errno 32] Broken
# pipe"), with no path or host in it.
_HANGUPS: FrozenSet[str] = frozenset({"BrokenPipeError", "ConnectionResetError", "ConnectionAbortedError"})


# A cancellation: asyncio cancels without a message unless the canceller gives one
# (`task.cancel(msg)`, the application's own words); no error text of the server.
_CANCELLATIONS: FrozenSet[str] = frozenset({
    "asyncio.CancelledError", "asyncio.exceptions.CancelledError", "concurrent.futures.CancelledError",
    "concurrent.futures._base.CancelledError",
})


def messageless_class(node: cst.BaseExpression, ctx) -> bool:
    """A library class that is never raised with a message (``anyio.BrokenResourceError``), or
    a builtin hang-up error whose text is the system's errno string."""
    full = _full_name(node, ctx)
    if type(node) is cst.Name and node.value in _HANGUPS and full in (node.value, f"builtins.{node.value}"):
        return True
    if full in _CANCELLATIONS:
        return True
    return full.split(".", 1)[0] == "anyio" and f"anyio.{full.rsplit('.', 1)[-1]}" in _MESSAGELESS


def document_key_error(node: cst.BaseExpression, classes, ctx) -> bool:
    """``KeyError`` caught in one clause with an archive's format error (``except (KeyError,
    zipfile.BadZipFile)``), the idiom around reading a document the client sent: zipfile's
    ``KeyError`` is a member the archive lacks, the body's a field the document lacks; the text
    is that key. Beside anything else (``except (KeyError, ValueError)``) or alone, a
    ``KeyError`` may be any lookup of the server's and stays reported."""
    return _last_name(node, ctx) == "KeyError" and any(
        _full_name(other, ctx).startswith("zipfile.") and format_error(other, ctx)
        for other in classes if other is not node)


def input_type_error(node: cst.BaseExpression, classes, ctx) -> bool:
    """``TypeError`` caught in one clause with ``ValueError`` (``except (ValueError, TypeError)``,
    the idiom around converting a value: ``int(None)`` raises the one, ``int("x")`` the other):
    its text describes the value being converted, like the ``ValueError``'s. Alone, a
    ``TypeError`` is a programming error and its text is the server's."""
    return _last_name(node, ctx) == "TypeError" and any(
        _last_name(other, ctx) == "ValueError" for other in classes if other is not node)


def curated_class(node: cst.BaseExpression, ctx, local_classes: FrozenSet[str]) -> bool:
    """A project's own application-error class: defined in this file or imported from the
    project (a relative import, or a module of the file's own top-level package), not a
    builtin or a library's. Its messages are written by the project for its callers."""
    if type(node) is cst.Name and node.value in _BUILTIN_EXCEPTIONS:
        return False
    if type(node) is cst.Name and node.value in local_classes:
        return True
    qual = ctx.qualified_name(node) or ""
    if not qual:
        return False
    if qual.startswith("."):
        return True
    root = qual.split(".", 1)[0]
    if root in _FOREIGN_ROOTS or root in _BUILTIN_EXCEPTIONS or root in sys.stdlib_module_names:
        return False
    return root == top_package(ctx.path) or root in project_packages(ctx.path)


def other_package(node: cst.BaseExpression, ctx) -> Optional[str]:
    """The top-level package of a caught class that is neither the project's nor a known
    library's, the standard library's or a builtin (``lfx`` for
    ``lfx.services.deployment.exceptions.DeploymentServiceError``): a third-party package, or
    a companion package of the project (see ``reexported_package``)."""
    qual = ctx.qualified_name(node) or ""
    if not qual or qual.startswith(".") or "." not in qual:
        return None
    root = qual.split(".", 1)[0]
    if root in _FOREIGN_ROOTS or root in _BUILTIN_EXCEPTIONS or root in sys.stdlib_module_names:
        return None
    return root


def reexported_package(module: cst.Module, path: str) -> Optional[str]:
    """``X`` when this module is a shim of the same module of package ``X``
    (``langflow/schema/image.py`` holding ``from lfx.schema.image import *``): the project
    re-exports ``X`` module by module, so ``X`` is code split out of the project into a package
    of its own (a companion package), not a library. Only the same module path below the
    package counts; a docstring, ``__future__`` imports and ``__all__`` may stand beside it."""
    own = _module_parts(path)
    found: Optional[str] = None
    for stmt in module.body:
        if not type(stmt) is cst.SimpleStatementLine:
            return None
        for small in stmt.body:
            if type(small) is cst.Expr and type(small.value) in (cst.SimpleString, cst.ConcatenatedString):
                continue
            if type(small) is cst.Assign and all(
                    type(t.target) is cst.Name and t.target.value == "__all__" for t in small.targets):
                continue
            if type(small) is cst.ImportFrom and small.module is not None and not small.relative:
                parts = _dotted(small.module).split(".")
                if parts[0] == "__future__":
                    continue
                tail = parts[1:]
                if type(small.names) is cst.ImportStar and tail and len(own) > len(tail) \
                        and own[-len(tail):] == tail and own[-len(tail) - 1] != parts[0] \
                        and parts[0] not in _FOREIGN_ROOTS and parts[0] not in sys.stdlib_module_names:
                    found = parts[0]
                    continue
            return None
    return found


def _dotted(node: cst.BaseExpression) -> str:
    if type(node) is cst.Attribute:
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if type(node) is cst.Name else ""


def _module_parts(path: str):
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if not parts or not parts[-1].endswith(".py"):
        return []
    parts[-1] = parts[-1][:-3]
    if parts[-1] == "__init__":
        parts.pop()
    return parts


def top_package(path: str) -> str:
    """The first part of a relative path with folders (``open_webui/routers/x.py`` ->
    ``open_webui``): the project's own package, also when it is a namespace package."""
    if os.path.isabs(path):
        return ""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    return parts[0] if len(parts) > 1 else ""


@functools.lru_cache(maxsize=256)
def _packages_beside(base: str) -> FrozenSet[str]:
    try:
        names = os.listdir(base)
    except OSError:
        return frozenset()
    out = set()
    for name in names:
        if name.endswith(".py"):
            out.add(name[:-3])
        elif os.path.isfile(os.path.join(base, name, "__init__.py")):
            out.add(name)
    return frozenset(out)


def project_packages(path: str) -> FrozenSet[str]:
    """The top-level modules of the project ``path`` belongs to: the packages beside the
    outermost package that contains it (found by walking up while ``__init__.py`` exists)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        return frozenset()
    while os.path.isfile(os.path.join(os.path.dirname(directory), "__init__.py")):
        directory = os.path.dirname(directory)
    return _packages_beside(os.path.dirname(directory))


def unsafe_packages(handler: cst.ExceptHandler, try_node, ctx, local_classes: FrozenSet[str]) -> Optional[Tuple[str, ...]]:
    """What an ``except ... as e`` clause holds: ``None`` when its text is written for the
    client (validation, HTTP, input-conversion and the project's own error classes, or the
    verdict of a validator); else the packages of its classes that are neither a library's nor
    the project's (maybe a companion package: the project pass decides), ``()`` when some class
    is anyone's (``Exception``, ``RuntimeError``, a library's)."""
    if validator_only(try_node):
        return None
    return caught_packages(class_names(handler), ctx, local_classes)


def caught_packages(classes, ctx, local_classes: FrozenSet[str]) -> Optional[Tuple[str, ...]]:
    """``unsafe_packages`` for a list of caught (or ``isinstance``-tested) class nodes."""
    packages = []
    for c in classes:
        if user_facing_class(c, ctx) or input_type_error(c, classes, ctx) or curated_class(c, ctx, local_classes):
            continue
        if format_error(c, ctx) or messageless_class(c, ctx) or document_key_error(c, classes, ctx):
            continue
        package = other_package(c, ctx)
        if package is None:
            return ()
        packages.append(package)
    if classes and not packages:
        return None
    return tuple(sorted(set(packages)))


def narrowed(ctx, name: str, local_classes: FrozenSet[str]) -> bool:
    """The current node is in the body of an ``if`` whose test says the exception bound to
    ``name`` is one whose text is written for the client, whatever its clause caught:
    ``isinstance(exc, C)`` (or ``(A, B)``) with every ``C`` such a class (``except Exception
    as exc: ... if isinstance(exc, OwnConflictError): raise HTTPException(409, str(exc))``),
    or ``"<a phrase of three words or more>" in str(exc)``: the exception is the one that
    says it, a message the code knows. Such a test as an operand of ``and`` is enough; under
    ``or`` every operand must be one. An ``else``/``elif`` branch says nothing."""
    ancestors = ctx.ancestors
    for index in range(len(ancestors) - 2, -1, -1):
        node = ancestors[index]
        if type(node) is cst.If and ancestors[index + 1] is node.body \
                and _says_curated(node.test, ctx, name, local_classes):
            return True
    return False


def _says_curated(test, ctx, name: str, local_classes: FrozenSet[str]) -> bool:
    if type(test) is cst.BooleanOperation:
        left = _says_curated(test.left, ctx, name, local_classes)
        right = _says_curated(test.right, ctx, name, local_classes)
        return (left or right) if type(test.operator) is cst.And else (left and right)
    if type(test) is cst.Call and type(test.func) is cst.Name and test.func.value == "isinstance" \
            and len(test.args) == 2 and _is_name(test.args[0].value, name) \
            and not any(a.star or a.keyword for a in test.args):
        kinds = test.args[1].value
        classes = [e.value for e in kinds.elements] if type(kinds) is cst.Tuple else [kinds]
        return caught_packages(classes, ctx, local_classes) is None
    if type(test) is cst.Comparison and len(test.comparisons) == 1 \
            and type(test.comparisons[0].operator) is cst.In and type(test.left) is cst.SimpleString:
        phrase = test.left.evaluated_value
        text = test.comparisons[0].comparator
        return isinstance(phrase, str) and len(phrase.split()) >= 3 and type(text) is cst.Call \
            and type(text.func) is cst.Name and text.func.value == "str" and len(text.args) == 1 \
            and _is_name(text.args[0].value, name)
    return False


def _is_name(node, name: str) -> bool:
    return type(node) is cst.Name and node.value == name


def validator_only(try_node) -> bool:
    """The ``try`` body is one call of a validator for its exception alone
    (``validate_password(form.password)``, ``await self._validate(data)``), with one ``except``
    clause: a function whose job is to raise when the value is bad, so what it raises is its
    verdict on that value. With a clause for the validator's own error class before it, a
    broad clause is the fallback for everything else, and stays reported."""
    body = getattr(getattr(try_node, "body", None), "body", None)
    if len(getattr(try_node, "handlers", ())) != 1 or not body or len(body) != 1 or not type(body[0]) is cst.SimpleStatementLine \
            or len(body[0].body) != 1 or not type(body[0].body[0]) is cst.Expr:
        return False
    call = body[0].body[0].value
    if type(call) is cst.Await:
        call = call.expression
    if not type(call) is cst.Call:
        return False
    func = call.func
    name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
    name = name.lstrip("_")
    return name == "validate" or name.startswith("validate_")


_CONNECTION_WORDS = frozenset({"connection", "connections", "conn", "connectivity"})


def connection_test(function: cst.FunctionDef) -> bool:
    """A handler whose name says it tries a configuration and reports the outcome:
    ``test`` is a word of its name (``llm_test``, ``send_notification_test``,
    ``test_connection``), or ``verify``/``check`` beside ``connection`` (``verify_connection``).
    The failure it catches is the answer the caller asked for (the provider's or the mail
    server's complaint about the settings being tried), not a leak of the server's internals."""
    name = function.name.value
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)}
    return "test" in words or (bool(words & {"verify", "check"}) and bool(words & _CONNECTION_WORDS))


def is_traceback_call(qual: str) -> bool:
    return qual in TRACEBACK_CALLS


def in_debug_branch(ctx) -> bool:
    """Inside ``if settings.DEBUG:`` / ``if app.debug:`` / ``if DEBUG:`` (not its ``else``)."""
    ancestors = ctx.ancestors
    for index, node in enumerate(ancestors):
        if type(node) is cst.If and index + 1 < len(ancestors) and ancestors[index + 1] is node.body:
            text = ctx.code_for(node.test)
            if "DEBUG" in text or ".debug" in text or text.strip() == "debug":
                if not text.lstrip().startswith("not "):
                    return True
    return False
