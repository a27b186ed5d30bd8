"""Static route discovery: which functions are HTTP handlers, for which methods and paths.

Shared knowledge for the API rules (BL1xx) and ``backlint routes``. Nothing here imports user
code. Two halves:

* :func:`extract` (``extract.py``, built from one mixin per shape: ``decorators.py``,
  ``calls.py``, ``tables.py``, ``classes.py``, ``django.py``, ``litestar.py``) reads one parsed
  file and returns :class:`FileRoutes` (``model.py``): the handlers defined in it (with the
  libcst nodes, for rules) and JSON-able *facts* (objects such as apps, routers,
  blueprints and ``urlpatterns``, the routes declared on them, and how they are mounted).
* :func:`resolve` (``resolve.py``) joins the facts of every file of a project: prefixes from
  ``include_router(prefix=...)``, ``register_blueprint(url_prefix=...)``, ``include("x.urls")``,
  ``Mount``, ``add_subapp``, Litestar routers and DRF routers are applied along the mount chain.
  A piece that cannot be resolved statically is shown as ``{?}``.

Frameworks: Flask, FastAPI, Starlette, Django (+ Django REST framework), aiohttp, Litestar, Sanic.
Paths keep each framework's own parameter syntax (``<int:id>``, ``{id}``, ``{id:int}``).
"""
from __future__ import annotations

from .collect import _python_files, collect_facts  # noqa: F401
from .common import (  # noqa: F401  (rules import them from here)
    _ALL_ACTIONS, ANY, CONSTRUCTORS, DJANGO_METHOD_DECORATORS, DJANGO_VIEW_DECORATORS, HTTP_VERBS,
    LITESTAR_DECORATORS, METHOD_ORDER, ROOT_KINDS, SAFE_METHODS, UNKNOWN, VIEW_BASES, VIEWSET_ACTIONS,
    VIEWSET_BASES, display_path, is_param_segment, join_path, module_name_for, norm_methods, string_list,
    string_value,
)
from .extract import TEXT_MARKERS, extract, for_context  # noqa: F401
from .model import FileRoutes, Handler, PathDecl  # noqa: F401
from .resolve import Route, resolve  # noqa: F401
