"""BL5xx: unsafe schema migrations (Django and Alembic, and the SQL embedded in them)."""
