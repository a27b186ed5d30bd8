"""User endpoints. Anti-pattern: verb in route path (/getUsers)."""
from typing import List

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from app.db import get_session
from app.services import users as user_service

router = APIRouter(prefix="/v1", tags=["users"])


def _serialize(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name}


@router.get("/getUsers")
def get_users(limit: int = 100, session: Session = Depends(get_session)) -> List[dict]:
    return [_serialize(u) for u in user_service.list_users(session, limit=limit)]


@router.get("/users")
def find_users(name: str, session: Session = Depends(get_session)) -> List[dict]:
    return user_service.find_users_by_name(session, name)


@router.get("/users/by-name/{name}")
def users_by_name(name: str, session: Session = Depends(get_session)) -> List[dict]:
    return user_service.search_users_by_name(session, name)


@router.get("/users/{user_id}")
def read_user(user_id: int, session: Session = Depends(get_session)) -> dict:
    user = user_service.get_user(session, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    return _serialize(user)
