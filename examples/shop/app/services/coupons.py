"""Coupon rules.

Anti-pattern: the service layer depends on HTTP (imports and raises
fastapi.HTTPException in check_coupon). redeem raises the domain exception
CouponExpired and lets the router translate it into a status code.
"""
from fastapi import HTTPException
from sqlalchemy import text
from sqlalchemy.orm import Session


class CouponExpired(Exception):
    pass


def check_coupon(session: Session, code: str) -> int:
    uses = session.execute(text("SELECT uses FROM coupons WHERE code = :code"), {"code": code}).scalar()
    if uses is None:
        raise HTTPException(status_code=404, detail="unknown coupon")
    return uses


def redeem(session: Session, code: str) -> int:
    uses = session.execute(text("SELECT uses FROM coupons WHERE code = :code"), {"code": code}).scalar()
    if uses is None or uses >= 100:
        raise CouponExpired(code)
    session.execute(text("UPDATE coupons SET uses = uses + 1 WHERE code = :code"), {"code": code})
    session.commit()
    return uses + 1
