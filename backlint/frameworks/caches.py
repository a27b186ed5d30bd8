"""Cache and key-value store APIs, and how each spells "this entry expires".

Rules ask: which backend is this receiver (``backend_of``), where is a write's timeout
(``TIMEOUT_ARG``), and does a key look per-entity (``built_from_data``).
"""
from __future__ import annotations

from typing import Callable, Optional

from .._lazy import cst

DJANGO, REDIS, FLASK, AIOCACHE = "django", "redis", "flask-caching", "aiocache"

# Django cache methods -> (position, keyword) of their timeout argument
DJANGO_TIMEOUT = {"set": (2, "timeout"), "add": (2, "timeout"), "get_or_set": (2, "timeout"),
                  "set_many": (1, "timeout"), "touch": (1, "timeout")}
FLASK_TIMEOUT = {"set": (2, "timeout"), "add": (2, "timeout"), "set_many": (1, "timeout")}
AIOCACHE_TTL = {"set": (2, "ttl"), "add": (2, "ttl"), "multi_set": (1, "ttl")}
# redis writes that never carry a TTL themselves, and the ones that can
REDIS_SETS = frozenset({"set", "hset", "hmset", "mset"})
REDIS_TTL_KEYWORDS = frozenset({"ex", "px", "exat", "pxat", "keepttl"})
REDIS_EXPIRES = frozenset({"expire", "expireat", "pexpire", "pexpireat", "setex", "psetex", "persist",
                           "getex"})
COUNTER_METHODS = frozenset({"incr", "decr", "incrby", "decrby", "incr_version", "hincrby"})
# calls that end or bound a key's life when they name the same key elsewhere in the module
LIFETIME_CALLS = ("delete", "unlink", "expire", "expireat", "pexpire", "delete_many", "touch", "hdel")

_DJANGO_CACHES = ("django.core.cache.cache", "django.core.cache.caches")
_REDIS_CTORS = (
    "redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis", "redis.from_url",
    "redis.Redis.from_url", "redis.StrictRedis.from_url", "redis.asyncio.Redis", "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url", "redis.asyncio.StrictRedis", "django_redis.get_redis_connection",
    "redis.cluster.RedisCluster", "redis.asyncio.RedisCluster",
)
_REDIS_RECEIVERS = frozenset(c + "()" for c in _REDIS_CTORS) | frozenset(c + "().pipeline()" for c in _REDIS_CTORS)


def _last_name(expr: cst.BaseExpression) -> str:
    if type(expr) is cst.Name:
        return expr.value
    if type(expr) is cst.Attribute:
        return expr.attr.value
    return ""


def backend_of(receiver: cst.BaseExpression, qualify: Callable[[cst.BaseExpression], Optional[str]],
               origin: Callable[[cst.BaseExpression], Optional[cst.Call]], text: str,
               depth: int = 0) -> Optional[str]:
    """The cache backend ``receiver`` is, when the code says so; None when it cannot be told."""
    if type(receiver) is cst.Subscript:  # caches["default"]
        return DJANGO if qualify(receiver.value) == "django.core.cache.caches" else None
    qual = qualify(receiver)
    if qual in _DJANGO_CACHES:
        return DJANGO
    if qual in _REDIS_RECEIVERS:
        return REDIS
    if qual is not None and qual.startswith("flask_caching.Cache()"):
        return FLASK
    if qual is not None and qual.startswith(("aiocache.Cache()", "aiocache.caches.get()")):
        return AIOCACHE
    name = _last_name(receiver).lower()
    if "redis" in name:
        return REDIS
    if name.endswith("cache") and "flask_caching" in text and (qual is None or qual.startswith(".")
                                                                or qual.endswith(".cache")):
        return FLASK
    call = origin(receiver)
    if call is not None and depth < 2 and type(call.func) is cst.Attribute and \
            call.func.attr.value == "pipeline":
        return REDIS if backend_of(call.func.value, qualify, origin, text, depth + 1) == REDIS else None
    return None


def _is_data(expr: cst.BaseExpression) -> bool:
    """A part of a key that varies per entity: not a literal, not an UPPER_CASE constant, not a
    configured prefix (``self.key_prefix``, ``settings.CACHE_PREFIX``)."""
    if type(expr) in (cst.SimpleString, cst.Integer, cst.FormattedString, cst.ConcatenatedString):
        return type(expr) is cst.FormattedString and _fstring_has_data(expr)
    if type(expr) is cst.Name:
        return not expr.value.isupper()
    if type(expr) is cst.Attribute:
        attr = expr.attr.value
        return not (attr.isupper() or "prefix" in attr.lower() or attr.lower().endswith(("namespace", "_key")))
    return True


def _fstring_has_data(expr: cst.FormattedString) -> bool:
    return any(type(p) is cst.FormattedStringExpression and _is_data(p.expression) for p in expr.parts)


def built_from_data(expr: Optional[cst.BaseExpression]) -> bool:
    """A key visibly built from data (``f"user:{uid}"``, ``"user:" + uid``, ``"u:%s" % uid``,
    ``"u:{}".format(uid)``): one entry per entity, so the key space grows with the data. A key
    made only of constants and configured prefixes (``f"{PREFIX}:models"``) is one entry."""
    if expr is None:
        return False
    if type(expr) is cst.FormattedString:
        return _fstring_has_data(expr)
    if type(expr) is cst.BinaryOperation and type(expr.operator) in (cst.Add, cst.Modulo):
        if type(expr.left) not in (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString) and \
                type(expr.right) not in (cst.SimpleString, cst.FormattedString):
            return False
        parts = [expr.left, expr.right]
        if isinstance(expr.right, (cst.Tuple,)):
            parts = [expr.left] + [e.value for e in expr.right.elements]
        return any(_is_data(p) for p in parts)
    if type(expr) is cst.Call and type(expr.func) is cst.Attribute and expr.func.attr.value == "format":
        return type(expr.func.value) is cst.SimpleString and any(_is_data(a.value) for a in expr.args)
    return False
