"""Coupon endpoints.

Anti-patterns: a GET handler that writes (read_coupon increments the use
counter and commits) and talks to the database directly. redeem_coupon is
the corrected version: an unsafe method, delegating to app.services.coupons.
"""
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_session
from app.services import coupons as coupon_service

router = APIRouter(prefix="/v1", tags=["coupons"])


@router.get("/coupons/{code}")
def read_coupon(code: str, session: Session = Depends(get_session)) -> dict:
    row = session.execute(text("SELECT code, uses FROM coupons WHERE code = :code"), {"code": code}).first()
    if row is None:
        raise HTTPException(status_code=404, detail="unknown coupon")
    session.execute(text("UPDATE coupons SET uses = uses + 1 WHERE code = :code"), {"code": code})
    session.commit()
    return {"code": row.code, "uses": row.uses + 1}


@router.post("/coupons/{code}/redemptions", status_code=201)
def redeem_coupon(code: str, session: Session = Depends(get_session)) -> dict:
    try:
        uses = coupon_service.redeem(session, code)
    except coupon_service.CouponExpired:
        raise HTTPException(status_code=410, detail="coupon expired")
    return {"code": code, "uses": uses}
