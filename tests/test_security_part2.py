"""BL303-BL309 beyond the fixtures: messages say what is wrong here, values are followed (and
not guessed), production settings are told from dev/test ones, SARIF carries CWE metadata."""
from __future__ import annotations

import textwrap

import pytest

from backlint import registry
from backlint.frameworks import cookies as ck
from backlint.frameworks import crypto
from backlint.frameworks.roles import FileRoles, heuristic_roles
from backlint.frameworks.settings_files import is_production_settings
from backlint.reporters import sarif
from backlint.findings import RunResult

from conftest import lint_source

CODES = ("BL303", "BL304", "BL305", "BL306", "BL307", "BL308", "BL309")
ISSUE_TABLE = {
    "BL303": ("jwt-signature-not-verified", "jwt-misuse", "error"),
    "BL304": ("jwt-without-expiry", "jwt-misuse", "warning"),
    "BL305": ("weak-password-hash", "weak-password-hash", "error"),
    "BL306": ("insecure-cookie", "insecure-cookie", "warning"),
    "BL307": ("cors-wildcard-with-credentials", "cors-misconfig", "error"),
    "BL308": ("debug-mode-enabled", "debug-enabled", "warning"),
    "BL309": ("tls-verification-disabled", "tls-verify-disabled", "error"),
}


def _findings(source: str, code: str, path: str = "example.py"):
    result = lint_source(textwrap.dedent(source), [code], path=path)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


def _roles(path: str) -> FileRoles:
    return FileRoles(path, heuristic_roles(path))


@pytest.mark.parametrize("code", CODES)
def test_issue_table_contract(code):
    rule = registry.all_rules()[code]
    name, category, severity = ISSUE_TABLE[code]
    assert (rule.name, rule.category, rule.severity.value) == (name, category, severity)
    assert rule.text_markers, "files that cannot match must not be walked"
    assert not rule.has_fix()


@pytest.mark.parametrize("code", CODES)
def test_sarif_carries_cwe_and_security_severity(code):
    rule = registry.all_rules()[code]
    log = sarif.to_sarif(RunResult(), [sarif.RuleInfo.from_rule(rule)])
    props = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
    assert any(t.startswith("external/cwe/cwe-") for t in props["tags"])
    assert "security" in props["tags"]
    assert 0 < float(props["security-severity"]) <= 10


# -- settings modules ------------------------------------------------------------------------

@pytest.mark.parametrize("path,production", [
    ("myproject/settings.py", True),
    ("myproject/settings/production.py", True),
    ("myproject/settings/base.py", True),
    ("config.py", True),
    ("myproject/settings/dev.py", False),
    ("myproject/settings/local.py", False),
    ("myproject/settings/test.py", False),
    ("myproject/settings_test.py", False),
    ("myproject/local_settings.py", False),
    ("netbox/configuration_example.py", False),
    ("myproject/settings/ci.py", False),
    ("myproject/views.py", False),  # not a settings module at all
])
def test_production_settings(path, production):
    assert is_production_settings(_roles(path)) is production


def test_debug_true_only_in_production_settings():
    src = "DEBUG = True\n"
    assert _findings(src, "BL308", path="proj/settings/production.py")
    assert not _findings(src, "BL308", path="proj/settings/development.py")
    assert not _findings(src, "BL308", path="proj/tests/settings.py")
    assert not _findings(src, "BL308", path="proj/app/models.py")


# -- values are followed, not guessed ------------------------------------------------------------

def test_reassigned_names_are_unknown():
    src = """
    import requests

    def fetch(url, ca):
        verify = False
        if ca:
            verify = ca
        return requests.get(url, verify=verify, timeout=5)
    """
    assert not _findings(src, "BL309")


def test_parameter_shadows_module_constant():
    src = """
    import requests

    VERIFY = False

    def fetch(url, VERIFY=True):
        return requests.get(url, verify=VERIFY, timeout=5)
    """
    assert not _findings(src, "BL309")


def test_module_constant_is_followed():
    src = """
    import requests

    VERIFY_TLS = False

    def fetch(url):
        return requests.get(url, verify=VERIFY_TLS, timeout=5)
    """
    (finding,) = _findings(src, "BL309")
    assert "`requests.get` is called with `verify=False`" in finding.message


def test_aliases_are_resolved():
    src = """
    import jwt as pyjwt
    from hashlib import sha1 as h

    def f(token, password):
        h(password.encode())
        return pyjwt.decode(token, "k")
    """
    assert len(_findings(src, "BL303")) == 1
    assert len(_findings(src, "BL305")) == 1


def test_same_named_function_of_another_library_is_not_pyjwt():
    src = """
    import json

    def f(text):
        return json.decode(text)
    """
    assert not _findings(src, "BL303")


# -- messages are right for this code -----------------------------------------------------------

def test_jwt_messages_name_the_library():
    pyjwt = _findings("import jwt\njwt.decode(t, k)\n", "BL303")[0].message
    jose = _findings("from jose import jwt\njwt.decode(t, k)\n", "BL303")[0].message
    assert "PyJWT 1.x" in pyjwt and "PyJWT 2 refuses the call" in pyjwt
    assert "python-jose" in jose and "PyJWT 2" not in jose


def test_pbkdf2_message_recommends_per_digest():
    src = """
    import hashlib
    def f(password, salt):
        return hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 5000)
    """
    (finding,) = _findings(src, "BL305")
    assert "5,000 iterations" in finding.message and "210,000" in finding.message


def test_pbkdf2_between_thresholds_is_not_reported():
    src = """
    import hashlib
    def f(password, salt):
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 310_000)
    """
    assert not _findings(src, "BL305")


def test_cookie_message_names_missing_flags_and_framework_default():
    src = """
    from flask import make_response
    def f(token):
        r = make_response("ok")
        r.set_cookie("session", token, secure=True)
        return r
    """
    (finding,) = _findings(src, "BL306")
    assert "`httponly`, `samesite`" in finding.message
    assert "`secure`" not in finding.message.split(":")[0]
    assert "Flask/werkzeug leaves them off by default" in finding.message


def test_csrf_cookie_is_not_asked_for_httponly():
    src = """
    from django.http import HttpResponse
    def f(token):
        r = HttpResponse()
        r.set_cookie("csrftoken", token, samesite="Lax")
        return r
    """
    (finding,) = _findings(src, "BL306")
    assert "httponly" not in finding.message and "`secure`" in finding.message


def test_starlette_default_samesite_is_known():
    src = """
    from starlette.responses import Response
    def f(token):
        r = Response()
        r.set_cookie("session", token, secure=True, httponly=True)
        return r
    """
    assert not _findings(src, "BL306")


@pytest.mark.parametrize("name,kind", [
    ("sessionid", "sensitive"), ("auth_token", "sensitive"), ("XSRF-TOKEN", "csrf"),
    ("django_language", "preference"), ("theme", "preference"), ("tracking_id", None),
    (None, None),
])
def test_cookie_classification(name, kind):
    assert ck.classify(name) == kind


@pytest.mark.parametrize("name,password", [
    ("password", True), ("raw_password", True), ("newPassword", True), ("pwd", True),
    ("password_hash", False), ("hashed_password", False), ("password_reset_token", False),
    ("PASSWORD_FIELD", False), ("passport", False), ("token", False),
])
def test_password_names(name, password):
    assert crypto.is_password_name(name) is password


def test_tls_context_reported_once():
    src = """
    import ssl
    def f():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    """
    (finding,) = _findings(src, "BL309")
    assert "with `check_hostname = False`" in finding.message


def test_unknown_context_cert_none_alone_is_not_reported():
    src = """
    import ssl
    def f(ctx):
        ctx.verify_mode = ssl.CERT_NONE
    """
    assert not _findings(src, "BL309")


def test_cors_echo_needs_credentials_and_no_allow_list():
    src = """
    def view(request, response):
        origin = request.headers.get("Origin")
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    """
    (finding,) = _findings(src, "BL307")
    assert "`origin`" in finding.message


def test_django_cors_pair_only_in_production_settings():
    src = "CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n"
    assert _findings(src, "BL307", path="proj/settings.py")
    assert not _findings(src, "BL307", path="proj/settings/local.py")


def test_unverified_claims_used_only_for_expiry_are_not_identity():
    src = """
    from jose import jwt
    def seconds_left(token, now):
        return jwt.get_unverified_claims(token)["exp"] - now
    """
    assert not _findings(src, "BL303")
