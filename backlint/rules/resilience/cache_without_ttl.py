from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import caches, roles
from ...frameworks import values as v
from ...rule import Rule

_METHODS = frozenset(caches.DJANGO_TIMEOUT) | frozenset(caches.FLASK_TIMEOUT) | caches.REDIS_SETS | \
    frozenset(caches.AIOCACHE_TTL) | {"cached", "memoize"}


class CacheWithoutTtl(Rule):
    """A cache entry is written so that it never expires.

    ## What it does
    Finds cache writes without an expiry:
    - Django's cache API (`django.core.cache.cache`, `caches[...]`): `set`, `add`,
      `get_or_set`, `set_many`, `touch` with a timeout of `None` (positional or `timeout=None`,
      also through a variable). `cache.set(key, value)` without a timeout is *not* reported:
      the backend's default `TIMEOUT` (300 seconds unless configured) applies.
    - redis (`redis.Redis`, `StrictRedis`, `from_url`, `redis.asyncio`, `get_redis_connection`,
      their pipelines, and receivers named `redis`/`*_redis`): `set` of a key built from data
      (`f"user:{uid}"`, `"user:" + uid`, `"%s" %`, `.format`) with no `ex`, `px`, `exat`, `pxat`
      or `keepttl`, and `hset`/`hmset`/`mset` of such keys, when the same function (or its
      pipeline) never calls `expire`/`expireat`/`pexpire` on anything.
    - Flask-Caching: `set`/`add`/`set_many` and `@cache.cached`/`@cache.memoize` with
      `timeout=0`.
    - aiocache: `set`/`add`/`multi_set` and `@cached` with an explicit `ttl=None`.

    Not reported: explicit TTLs (literal, variable or setting); locks (`set(..., nx=True)`),
    queues, counters, `setex`; keys that are a constant (one entry, not one per entity); keys
    expired in the same function; writes whose receiver's type cannot be seen; tests, scripts,
    migrations.

    ## Why is this bad?
    "Set a TTL on cached data": an entry without expiry is stale for as long as nobody
    remembers to delete it, and every entity ever cached stays in memory. redis without an
    eviction policy then refuses writes when full; with one it evicts useful keys instead.

    ## Example
    ```python
    from django.core.cache import cache

    def remember_profile(user):
        cache.set(f"profile:{user.pk}", user.profile_data(), None)
    ```

    ## Use instead
    ```python
    from django.core.cache import cache

    def remember_profile(user):
        cache.set(f"profile:{user.pk}", user.profile_data(), 60 * 15)
    ```

    ## Known problems
    An `expire` in another function (or a redis `maxmemory-policy` of `allkeys-lru`) is not
    seen. A Django key that is immutable by construction (content-addressed) is reported
    although it never goes stale.
    """

    code = "BL403"
    name = "cache-without-ttl"
    category = "cache-no-ttl"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "performance")
    text_markers = ("cache", "redis", "Redis")
    skip_roles = roles.NOT_REQUEST_PATH

    def visit_Module(self, node: cst.Module) -> None:
        self._expires: Dict[Tuple[int, FrozenSet[str]], bool] = {}

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is not cst.Attribute or func.attr.value not in _METHODS:
            if type(func) is cst.Name and func.value == "cached":
                self._aiocache_decorator(node)
            return
        if v.has_star_kwargs(node):
            return
        method = func.attr.value
        backend = caches.backend_of(func.value, self.ctx.qualified_name, self.ctx.origin_call, self.ctx.text)
        if backend == caches.DJANGO and method in caches.DJANGO_TIMEOUT:
            pos, kw = caches.DJANGO_TIMEOUT[method]
            timeout = v.argument(node, pos, kw)
            if timeout is not None and v.is_none(v.resolve(self.ctx, timeout)) and self._per_entity(node, method):
                self.report(node, f"`{self.ctx.code_for(func)}(...)` with a timeout of `None` keeps this entry "
                                  "forever: it goes stale unless every writer deletes it, and is evicted only under "
                                  "memory pressure; pass a timeout in seconds (a constant or a setting), or leave it "
                                  "out to use the cache's default `TIMEOUT`.")
        elif backend == caches.FLASK and (method in caches.FLASK_TIMEOUT or method in ("cached", "memoize")):
            pos, kw = caches.FLASK_TIMEOUT.get(method, (99, "timeout"))
            timeout = v.argument(node, pos, kw)
            if timeout is not None and v.as_int(v.resolve(self.ctx, timeout)) == 0 and \
                    (method in ("cached", "memoize") or self._per_entity(node, method)):
                self.report(node, f"`{self.ctx.code_for(func)}(...)` with `timeout=0` never expires in "
                                  "Flask-Caching: the entry goes stale and stays in the cache for good; pass a "
                                  "timeout in seconds, or leave it out to use `CACHE_DEFAULT_TIMEOUT`.")
        elif backend == caches.AIOCACHE and method in caches.AIOCACHE_TTL:
            pos, kw = caches.AIOCACHE_TTL[method]
            ttl = v.argument(node, pos, kw)
            if ttl is not None and v.is_none(v.resolve(self.ctx, ttl)) and self._per_entity(node, method):
                self.report(node, f"`{self.ctx.code_for(func)}(...)` with `ttl=None` never expires: pass a "
                                  "`ttl` in seconds.")
        elif backend == caches.REDIS and method in caches.REDIS_SETS:
            self._redis(node, method)

    def _aiocache_decorator(self, node: cst.Call) -> None:
        qual = self.ctx.qualified_name(node.func)
        if qual in ("aiocache.cached", "aiocache.decorators.cached"):
            ttl = v.keyword(node, "ttl")
            if ttl is not None and v.is_none(v.resolve(self.ctx, ttl)):
                self.report(node, "`@cached(ttl=None)` caches every result forever: pass a `ttl` in seconds.")

    def _per_entity(self, node: cst.Call, method: str) -> bool:
        """The write's key (or one of a mapping's keys) is built from data, is not a counter
        (``incr``/``decr`` in the same function) and is not deleted or expired elsewhere in the
        module (a state entry with a managed lifetime, not a forgotten cache entry)."""
        if method in ("set_many", "mset", "multi_set"):
            mapping = v.resolve(self.ctx, v.argument(node, 0, "mapping") or v.argument(node, 0, "data")
                                or v.argument(node, 0, "pairs"))
            keys = [e.key for e in mapping.elements if type(e) is cst.DictElement] \
                if type(mapping) is cst.Dict else []
        else:
            key = v.argument(node, 0, "key") or v.argument(node, 0, "name")
            keys = [key] if key is not None else []
        data_keys = [k for k in keys if caches.built_from_data(v.resolve(self.ctx, k))]
        if not data_keys:
            return False
        if self._in_scope(caches.COUNTER_METHODS):
            return False
        return not any(self._managed(k) for k in data_keys)

    def _managed(self, key: cst.BaseExpression) -> bool:
        text = self.ctx.code_for(key)
        body = self.ctx.text
        start = body.find(text)
        while start != -1:
            before = body[max(0, start - 60):start]
            if any(word + "(" in before for word in caches.LIFETIME_CALLS):
                return True
            start = body.find(text, start + 1)
        return False

    def _in_scope(self, names) -> bool:
        scope = self.ctx.enclosing_function() or self.ctx.module
        key = (id(scope), names)
        if key not in self._expires:
            self._expires[key] = any(
                type(n) is cst.Attribute and n.attr.value in names for n in v.iter_nodes(scope))
        return self._expires[key]

    def _redis(self, node: cst.Call, method: str) -> None:
        if not self._per_entity(node, method):
            return
        key = None if method == "mset" else v.argument(node, 0, "name")
        if method == "set":
            if any(v.keyword(node, k) is not None for k in caches.REDIS_TTL_KEYWORDS) or len(node.args) > 2:
                return
            nx = v.keyword(node, "nx")
            if nx is not None and v.as_bool(nx) is not False:
                return  # a lock or a set-once marker
        if self._in_scope(caches.REDIS_EXPIRES):
            return
        shown = self.ctx.code_for(key) if key is not None else "these keys"
        if method == "set":
            advice = "pass `ex=<seconds>` (or `px=`), or call `expire` on the key right after"
        else:
            advice = (f"call `expire(<key>, <seconds>)` after `{method}` (in the same pipeline), since "
                      f"`{method}` takes no TTL")
        self.report(node, f"`{method}` of the per-entity key `{shown}` with no expiry: one entry per entity stays "
                          f"in redis forever and goes stale; {advice}.")
