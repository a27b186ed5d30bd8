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
