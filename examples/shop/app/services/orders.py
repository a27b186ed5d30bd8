"""Order service layer.

Anti-patterns: N+1 query (export_customer_emails) and SQL built with
% formatting (count_orders_by_status). order_summaries and
count_orders_by_status_safe are the corrected versions.
"""
from typing import List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import engine
from app.models import Order
from app.services import payments


class OrderError(Exception):
    pass


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise OrderError(f"order {order_id} not found")
    return order


def cancel_order(session: Session, order_id: int) -> Order:
    order = get_order(session, order_id)
    if order.status == "shipped":
        raise OrderError("shipped orders cannot be cancelled")
    if order.charge_id:
        payments.refund(order.charge_id, order.total_cents)
    order.status = "cancelled"
    session.commit()
    return order


def export_customer_emails(session: Session) -> List[Tuple[int, str]]:
    rows = []
    for order in session.scalars(select(Order)).all():
        rows.append((order.id, order.user.email))
    return rows


def order_summaries(session: Session) -> List[dict]:
    stmt = select(Order).options(selectinload(Order.items))
    summaries = []
    for order in session.scalars(stmt).all():
        summaries.append(
            {
                "id": order.id,
                "status": order.status,
                "items": sum(item.quantity for item in order.items),
            }
        )
    return summaries


def count_orders_by_status(status: str) -> int:
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT count(*) FROM orders WHERE status = '%s'" % status)
        return cursor.fetchone()[0]
    finally:
        conn.close()


def count_orders_by_status_safe(status: str) -> int:
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT count(*) FROM orders WHERE status = %s", (status,))
        return cursor.fetchone()[0]
    finally:
        conn.close()
