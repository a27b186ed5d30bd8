"""User queries.

Anti-pattern: SQL built with an f-string (search_users_by_name); the
parameterized version is find_users_by_name.
"""
from typing import List, Optional

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import User


def list_users(session: Session, limit: int = 100) -> List[User]:
    return list(session.scalars(select(User).order_by(User.id).limit(limit)))


def get_user(session: Session, user_id: int) -> Optional[User]:
    return session.get(User, user_id)


def search_users_by_name(session: Session, name: str) -> List[dict]:
    result = session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    return [dict(row) for row in result.mappings()]


def find_users_by_name(session: Session, name: str) -> List[dict]:
    result = session.execute(
        text("SELECT * FROM users WHERE name = :name"), {"name": name}
    )
    return [dict(row) for row in result.mappings()]
