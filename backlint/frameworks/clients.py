"""Constructors of long-lived resources: database engines, pools, sessions factories, clients.

Each of these opens (or prepares) connections and is meant to be built once per process and
shared; ``per_call_resource(call, qualify)`` names one built here, or returns None.
"""
from __future__ import annotations

from typing import Callable, Optional

from .._lazy import cst

from ..semantics import keyword_arg

# qualified name of the constructor -> display
CONSTRUCTORS = {
    "sqlalchemy.create_engine": "create_engine()",
    "sqlalchemy.engine.create_engine": "create_engine()",
    "sqlalchemy.ext.asyncio.create_async_engine": "create_async_engine()",
    "sqlalchemy.orm.sessionmaker": "sessionmaker()",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "async_sessionmaker()",
    "pymongo.MongoClient": "MongoClient()",
    "pymongo.mongo_client.MongoClient": "MongoClient()",
    "motor.motor_asyncio.AsyncIOMotorClient": "AsyncIOMotorClient()",
    "redis.Redis": "redis.Redis()",
    "redis.StrictRedis": "redis.StrictRedis()",
    "redis.client.Redis": "redis.Redis()",
    "redis.from_url": "redis.from_url()",
    "redis.Redis.from_url": "redis.Redis.from_url()",
    "redis.StrictRedis.from_url": "redis.StrictRedis.from_url()",
    "redis.asyncio.Redis": "redis.asyncio.Redis()",
    "redis.asyncio.from_url": "redis.asyncio.from_url()",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis.from_url()",
    "psycopg2.connect": "psycopg2.connect()",
    "psycopg.connect": "psycopg.connect()",
    "pymysql.connect": "pymysql.connect()",
    "asyncpg.connect": "asyncpg.connect()",
    "asyncpg.create_pool": "asyncpg.create_pool()",
    "httpx.Client": "httpx.Client()",
    "httpx.AsyncClient": "httpx.AsyncClient()",
    "aiohttp.ClientSession": "aiohttp.ClientSession()",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession()",
    "requests.Session": "requests.Session()",
    "requests.session": "requests.Session()",
    "requests.sessions.Session": "requests.Session()",
}

# what to do instead, by kind
ADVICE = {
    "engine": "create the engine (and its sessionmaker) once at module level or in the app's "
              "startup/lifespan hook, and take sessions from it per request",
    "redis": "create one client (or `ConnectionPool`) at module level or at startup and reuse it; "
             "a client built per request opens new connections every time",
    "mongo": "create one `MongoClient` per process (at module level or at startup): it holds the "
             "connection pool",
    "connect": "take connections from a pool created once per process (e.g. the framework's "
               "database layer, `psycopg_pool`, `asyncpg.create_pool` at startup)",
    "http": "create the client once (module level, app startup, or a cached factory) and reuse it, "
            "so connections and TLS sessions are pooled",
}


def kind_of(display: str) -> str:
    if display.startswith(("create_", "sessionmaker", "async_sessionmaker")):
        return "engine"
    if display.startswith("redis."):
        return "redis"
    if "Mongo" in display or "Motor" in display:
        return "mongo"
    if display.startswith(("httpx.", "requests.", "aiohttp.")):
        return "http"
    return "connect"


def per_call_resource(call: cst.Call, qualify: Callable[[cst.BaseExpression], Optional[str]]) -> Optional[str]:
    qual = qualify(call.func)
    display = CONSTRUCTORS.get(qual) if qual else None
    if display is None:
        return None
    if display.startswith("redis.") and keyword_arg(call, "connection_pool") is not None:
        return None  # a client over a shared pool is cheap
    return display
