"""BL302's value judgements (frameworks/secret_values.py) and the file roles it relies on."""
# backlint: ignore-file[BL302]  (fake secrets are this file's test data)
from __future__ import annotations

import pytest

from backlint.frameworks import secret_values as sv
from backlint.frameworks import secrets as sk
from backlint.frameworks.roles import heuristic_roles

from conftest import lint_source


def _bl302(source: str, path: str = "app/config.py"):
    result = lint_source(source, ["BL302"], path=path)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == "BL302"]


@pytest.mark.parametrize("path", ["netbox/configuration_testing.py", "proj/settings_testing.py"])
def test_testing_configurations_are_tests(path):
    assert "test" in heuristic_roles(path)
    assert _bl302('SECRET_KEY = "Wq8nV2pLz5x7Kd3"\n', path=path) == []


@pytest.mark.parametrize(
    "value,expected",
    [
        ("web.search.bing_search_v7_subscription_key", True), ("shop:support:status:4", True),
        ("api_token.jwt.encode.secret", True), ("pkg.models.xcom.XCOM_RETURN_KEY", True),
        ("Xk9.Lm2", False), ("q8#k.Zp:Lw", False), ("a.B", False), ("nopath", False),
    ],
)
def test_key_paths(value, expected):
    assert sv.is_key_path(value) is expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("Enter your API key", True), ("ClickHouse Cloud password", True),
        ("Login failed. Bad username or password.", True),
        ("q7#Lz 9!vW@2 kP", False), ("Zx81!kd93 Lq0", False), ("single", False),
    ],
)
def test_sentences_and_keys_with_spaces(value, expected):
    assert sv.is_sentence(value) is expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", True),
        ("AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt", True),
        ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo", True),
        ("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ", True),
        ("AAAAQ8vLp2Kz9Nw4", False),
    ],
)
def test_public_keys(value, expected):
    assert sv.is_public_key(value) is expected


def test_private_keys_are_still_secrets_and_public_keys_are_not():
    private = ("-----BEGIN RSA PRIVATE KEY-----\n"
               "MIIEowIBAAKCAQEAtFI3OyV2dZAkg05rK+gqv81RKMGHZEM9YpvujA/C5Q52ryFlwRlOEVHzc0X0AWIR\n")
    assert sk.find_token(private) is not None
    public = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo"
    assert sk.classify_value(public, "JWT_KEY") is None
    assert sk.classify_value(public, strict=True) is None


@pytest.mark.parametrize(
    "value,expected",
    [
        ("Passwords", None), ("API Key", None), ("secret-key-missing!", None),
        ("build-time-secret-key", None), ("12345678", "weak"),
        ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "weak"),
        ("q7#Lz 9!vW@2 kP", "secret"), ("Kd8s!29dkLq", "secret"), ("letmein", "secret"),
    ],
)
def test_classify_value_judges_the_value(value, expected):
    assert sk.classify_value(value, "SECRET_KEY") == expected


@pytest.mark.parametrize("name", ["secrete", "passwrd", "db_pwd", "pword"])
def test_misspelt_password_names(name):
    assert sk.name_kind(name) == "strong"


def test_comparisons_report_the_literal_password_not_the_lookalikes():
    source = (
        'def f(password, pwd, token, password_type):\n'
        '    a = password == "letmein"\n'
        '    b = pwd != "guest"\n'
        '    c = token == "else"\n'
        '    d = password_type == "bcrypt"\n'
        '    e = password == "password"\n'
        '    g = "s3cr3tPw" == password == pwd\n'
    )
    found = _bl302(source)
    assert [f.start_line for f in found] == [2, 3, 7]
    assert all("compared with a hardcoded value" in f.message for f in found)
    assert "hmac.compare_digest" in found[0].message


def test_password_equal_to_its_login_is_a_note():
    (finding,) = _bl302('conn = Connection(login="shop", password="shop")\n')
    assert finding.severity.value == "note"
    assert "development default" in finding.message


def test_private_key_in_test_code_is_a_note_with_test_advice():
    source = ('CA_KEY = ("-----BEGIN RSA PRIVATE KEY-----\\n"\n'
              '          "MIIEowIBAAKCAQEAtFI3OyV2dZAkg05rK+gqv81RKMGHZEM9YpvujA/C5Q52ryFlwRlOEVHzc0X0AWIR\\n")\n')
    (finding,) = _bl302(source, path="tests/vectors.py")
    assert finding.severity.value == "note" and "generate it when the tests run" in finding.message
    (finding,) = _bl302(source, path="app/keys.py")
    assert finding.severity.value == "error" and "revoke it" in finding.message


def test_test_tokens_and_test_mode_keys_are_inputs_in_tests():
    jwt_token = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
                 ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    source = f'TOKEN = "{jwt_token}"\nSTRIPE = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n'
    assert _bl302(source, path="tests/test_auth.py") == []
    assert len(_bl302(source, path="app/auth.py")) == 2
