"""Order endpoints.

Anti-patterns: verb in route path (/orders/create) and a handler that does
DB access, pricing, payment and email itself (create_order). The other
handlers delegate to app.services.orders.
"""
from typing import Dict, List

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from requests import post as send
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import settings
from app.db import get_session
from app.models import Order, OrderItem, Product, User
from app.services import orders as order_service
from app.services.notifications import send_email

router = APIRouter(prefix="/v1", tags=["orders"])


class OrderIn(BaseModel):
    user_id: int
    items: Dict[int, int]
    coupon: str = ""


def _serialize(order: Order) -> dict:
    return {"id": order.id, "status": order.status, "total_cents": order.total_cents}


@router.post("/orders/create", status_code=201)
def create_order(payload: OrderIn, session: Session = Depends(get_session)) -> dict:
    user = session.execute(select(User).where(User.id == payload.user_id)).scalar_one_or_none()
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")

    products = session.execute(
        select(Product).where(Product.id.in_(payload.items))
    ).scalars().all()
    order = Order(user_id=user.id, status="pending", total_cents=0)
    for product in products:
        qty = payload.items[product.id]
        if product.stock < qty:
            raise HTTPException(status_code=409, detail=f"{product.sku} out of stock")
        product.stock -= qty
        order.items.append(
            OrderItem(product_id=product.id, quantity=qty, unit_price_cents=product.price_cents)
        )
        order.total_cents += qty * product.price_cents
    if payload.coupon == "WELCOME10":
        order.total_cents = int(order.total_cents * 0.9)

    resp = send(
        f"{settings.PAYMENTS_URL}/charges",
        json={"email": user.email, "amount": order.total_cents, "currency": "usd"},
        headers={"Authorization": f"Bearer {settings.STRIPE_API_KEY}"},
    )
    if resp.status_code != 201:
        raise HTTPException(status_code=402, detail="payment declined")
    order.charge_id = resp.json()["id"]
    order.status = "paid"

    session.add(order)
    session.commit()

    send_email(user.email, f"Order #{order.id} confirmed", f"Total: {order.total_cents / 100:.2f} USD")
    return _serialize(order)


@router.get("/orders/summary")
def orders_summary(session: Session = Depends(get_session)) -> List[dict]:
    return order_service.order_summaries(session)


@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int, session: Session = Depends(get_session)) -> dict:
    try:
        order = order_service.cancel_order(session, order_id)
    except order_service.OrderError as exc:
        raise HTTPException(status_code=409, detail=str(exc))
    return _serialize(order)
