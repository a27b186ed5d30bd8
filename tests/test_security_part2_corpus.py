"""BL303-BL309 on what the wave-4 corpus showed: the messages fit the code they are on."""
from __future__ import annotations

import textwrap

from conftest import lint_source


def _messages(source: str, code: str):
    result = lint_source(textwrap.dedent(source), [code], path="example.py")
    assert not result.errors, result.errors
    return [f.message for f in result.findings if f.code == code]


def test_password_turned_into_a_key_gets_kdf_advice():
    (message,) = _messages("""
        from hashlib import sha256

        def create_key_from_password(password):
            return sha256(password.encode()).digest()
        """, "BL305")
    assert "turned into a key" in message and "pbkdf2_hmac" in message
    assert "table of such hashes" not in message


def test_stored_password_hash_keeps_the_hashing_advice():
    (message,) = _messages("""
        import hashlib

        def register(user, password):
            user.pw = hashlib.sha256(password.encode()).hexdigest()
        """, "BL305")
    assert "table of such hashes" in message and "make_password" in message


def test_influxdb_advice_names_each_client_s_ca_option():
    v1, v2 = _messages("""
        from influxdb import InfluxDBClient
        from influxdb_client import InfluxDBClient as Client2

        a = InfluxDBClient(host="db", ssl=True, verify_ssl=False)
        b = Client2(url="https://db:8086", token="t", verify_ssl=False)
        """, "BL309")
    assert "as `verify_ssl=`" in v1 and "ssl_ca_cert" not in v1
    assert "`ssl_ca_cert=`" in v2
