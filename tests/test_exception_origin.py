"""BL312's recognisers of exception text written for the client (origin_exception)."""
from __future__ import annotations

import libcst as cst
import pytest

from backlint.frameworks import origin_exception as oe


@pytest.mark.parametrize("path,source,expected", [
    ("app/schema/image.py", "from corelib.schema.image import *\n", "corelib"),
    ("./app/schema/image.py", '"""Moved."""\nfrom __future__ import annotations\nfrom corelib.schema.image import *\n', "corelib"),
    ("src/app/interface/__init__.py", "from corelib.interface import *\n__all__ = []\n", "corelib"),
    ("app/schema/image.py", "from corelib.schema.images import *\n", None),  # another module
    ("app/schema/image.py", "from corelib.schema.image import Image\n", None),  # not a star import
    ("app/schema/image.py", "from corelib.schema.image import *\nX = 1\n", None),  # code of its own
    ("app/image.py", "from corelib import *\n", None),  # the package itself: no module path
    ("app/schema/image.py", "from .image_impl import *\n", None),  # relative: the project's own
    ("app/json/decoder.py", "from json.decoder import *\n", None),  # the standard library
    ("corelib/schema/image.py", "from corelib.schema.image import *\n", None),  # itself
])
def test_reexported_package(path, source, expected):
    assert oe.reexported_package(cst.parse_module(source), path) == expected


@pytest.mark.parametrize("name,expected", [
    ("llm_test", True), ("send_notification_test", True), ("testConnection", True),
    ("verify_connection", True), ("check_db_connection", True),
    ("verify_email", False), ("latest_runs", False), ("contest_entry", False),
    ("attest", False), ("testing_mode", False),
])
def test_connection_test_names(name, expected):
    function = cst.parse_module(f"def {name}(request):\n    pass\n").body[0]
    assert oe.connection_test(function) is expected


@pytest.mark.parametrize("body,handlers,expected", [
    ("validate_password(p)", 1, True),
    ("await self._validate(p)", 1, True),
    ("validate(p)", 1, True),
    ("validate_password(p)", 2, False),
    ("validated_copy(p)", 1, False),
    ("x = validate_form(p)", 1, False),
    ("validate_password(p); save(p)", 1, False),
])
def test_validator_only(body, handlers, expected):
    clauses = "".join(f"    except E{i}:\n        pass\n" for i in range(handlers))
    source = f"async def f(self, p):\n    try:\n        {body}\n{clauses}"
    try_node = cst.parse_module(source).body[0].body.body[0]
    assert oe.validator_only(try_node) is expected


_HANDLER = '''{imports}
from fastapi import HTTPException


def read(data):
    try:
        return parse(data)
    except {caught} as e:
        raise HTTPException(400, detail=str(e))
'''


@pytest.mark.parametrize("imports,caught,reported", [
    ("from zipfile import BadZipfile", "BadZipfile", False),
    ("import zipfile", "(KeyError, zipfile.BadZipFile)", False),
    ("from tarfile import BadZipFile", "(KeyError, BadZipFile)", True),  # not zipfile's
    ("import zipfile", "(KeyError, UnicodeDecodeError)", True),  # a decoding error, not an archive
    ("import zipfile", "(KeyError, zipfile.LargeZipFile)", True),  # not a format error
    ("import zipfile", "UnicodeError", False),
    ("from pypdf.errors import PdfReadError", "PdfReadError", False),  # about the PDF read
    ("import PyPDF2", "PyPDF2.errors.PdfReadError", False),
    ("import pypdf", "(pypdf.PdfReadError, OSError)", True),  # opening a file: a path
    ("import os", "(BrokenPipeError, ConnectionResetError)", False),  # "[Errno 32] Broken pipe"
    ("import os", "(BrokenPipeError, OSError)", True),
    ("from .errors import BrokenPipeError", "ConnectionError", True),  # the parent class: anyone's
    ("import jwt", "jwt.InvalidTokenError", False),  # PyJWT's refusal of the token presented
    ("from jwt import exceptions", "(exceptions.ExpiredSignatureError, exceptions.DecodeError)", False),
    ("import jwt", "jwt.PyJWTError", True),  # also the key-set client's network errors
    ("import jwt", "(jwt.InvalidTokenError, OSError)", True),
    ("from jose import JWTError", "JWTError", True),  # also raised for the server's own key
    ("from .auth import InvalidTokenError", "InvalidTokenError", False),  # the project's own class: curated
])
def test_archive_error_classes(imports, caught, reported):
    from conftest import lint_source

    findings = lint_source(_HANDLER.format(imports=imports, caught=caught), ["BL312"]).findings
    assert [f.code for f in findings] == (["BL312"] if reported else [])


class _QualCtx:
    def __init__(self, qual):
        self.qual = qual

    def qualified_name(self, node):
        return self.qual

    def code_for(self, node):
        return cst.Module(body=[]).code_for_node(node)


@pytest.mark.parametrize("qual,expected", [
    ("anyio.BrokenResourceError", True),
    ("anyio.ClosedResourceError", True),
    ("anyio._core._exceptions.EndOfStream", True),  # where anyio defines it
    ("anyio.WouldBlock", True),
    ("anyio.TypedAttributeLookupError", False),  # anyio's, but raised with a text
    ("aiohttp.BrokenResourceError", False),  # not anyio's
    (None, False),  # unresolved: the name alone is not enough
])
def test_messageless_class(qual, expected):
    node = cst.parse_expression("BrokenResourceError")
    assert oe.messageless_class(node, _QualCtx(qual)) is expected


_GUARDED = '''import aiohttp
from fastapi import HTTPException

from .errors import OwnError


async def run(adapter, other):
    try:
        await adapter.run()
    except {caught} as exc:
        {guard}
            raise HTTPException(409, detail={text})
        raise
'''


@pytest.mark.parametrize("caught,guard,text,reported", [
    ("Exception", "if isinstance(exc, OwnError):", "str(exc)", False),
    ("Exception", "if isinstance(exc, (OwnError, ValueError)):", "str(exc)", False),
    ("Exception", "if adapter.strict and isinstance(exc, OwnError):", "f'{exc}'", False),
    ("Exception", "if isinstance(exc, (OwnError, KeyError)):", "str(exc)", True),  # KeyError: anyone's
    ("Exception", "if isinstance(other, OwnError):", "str(exc)", True),  # another name
    ("Exception", "if isinstance(exc, OwnError) or adapter.strict:", "str(exc)", True),  # `or`
    ("Exception", "if not isinstance(exc, OwnError):", "str(exc)", True),
    ("Exception", 'if "stream or streaming set to True" in str(exc):', "str(exc)", False),  # a known message
    ("Exception", 'if isinstance(exc, OwnError) or "has no stream set" in str(exc):', "str(exc)", False),
    ("Exception", 'if isinstance(exc, KeyError) or "has no stream set" in str(exc):', "str(exc)", True),
    ("Exception", 'if "timed out" in str(exc):', "str(exc)", True),  # two words: any library's text
    ("Exception", 'if "has no stream set" not in str(exc):', "str(exc)", True),
    ("Exception", 'if "has no stream set" in str(other):', "str(exc)", True),
    ("aiohttp.ClientResponseError", "if True:", "exc.message", False),
    ("aiohttp.client_exceptions.ClientResponseError", "if True:", "f'{exc.status}: {exc.message}'", False),
    ("aiohttp.ClientResponseError", "if True:", "str(exc)", True),  # holds the URL
    ("(aiohttp.ClientResponseError, OSError)", "if True:", "exc.message", True),
    ("aiohttp.ClientError", "if True:", "exc.message", True),  # not a status error
])
def test_guards_and_status_errors(caught, guard, text, reported):
    from conftest import lint_source

    source = _GUARDED.format(caught=caught, guard=guard, text=text)
    findings = lint_source(source, ["BL312"]).findings
    assert [f.code for f in findings] == (["BL312"] if reported else [])
