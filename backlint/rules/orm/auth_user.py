"""Django's user model, named indirectly: ``get_user_model()``, a foreign key to
``settings.AUTH_USER_MODEL``, or ``django.contrib.auth.models.User``. The project's user model is
the one model that extends ``AbstractUser``/``AbstractBaseUser``; with none (the default user)
or several, the reference stays unresolved, as before."""
from __future__ import annotations

from typing import Dict, Optional

USER = "django.contrib.auth.models.User"
GET_USER_MODEL = "django.contrib.auth.get_user_model"
REFS = frozenset({USER, "django.conf.settings.AUTH_USER_MODEL"})
_BASES = ("django.contrib.auth.models.AbstractUser", "django.contrib.auth.models.AbstractBaseUser",
          "django.contrib.auth.base_user.AbstractBaseUser")


def project_user_model(models: Dict[str, dict]) -> Optional[str]:
    """The full name of the one model whose bases include Django's abstract user classes."""
    found = [name for name, fact in models.items() if any(b in _BASES for b in fact.get("bases", ()))]
    return found[0] if len(found) == 1 else None
