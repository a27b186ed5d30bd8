"""Moved to ``backlint.frameworks.routes.common``; this name stays for code written against the old layout."""
from .routes.common import *  # noqa: F401,F403
from .routes.common import _ALL_ACTIONS, _line  # noqa: F401
