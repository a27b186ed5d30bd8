"""Acme's house rules for backlint (an example plugin)."""
