"""Payment provider client.

Anti-pattern: requests.get without a timeout (get_charge_status). The other
calls set a timeout or forward **kwargs from the caller.
"""
from typing import Any, Dict

import requests

from app import settings

_HEADERS = {"Authorization": f"Bearer {settings.STRIPE_API_KEY}"}


class PaymentError(Exception):
    pass


def _request(method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{settings.PAYMENTS_URL}{path}", headers=_HEADERS, **kwargs)


def charge_card(customer_email: str, amount_cents: int, currency: str = "usd") -> str:
    resp = requests.post(
        f"{settings.PAYMENTS_URL}/charges",
        json={"email": customer_email, "amount": amount_cents, "currency": currency},
        headers=_HEADERS,
        timeout=10,
    )
    if resp.status_code != 201:
        raise PaymentError(resp.text)
    return resp.json()["id"]


def get_charge_status(charge_id: str) -> str:
    url = f"{settings.PAYMENTS_URL}/charges/{charge_id}"
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()["status"]


def get_exchange_rate(currency: str) -> float:
    url = f"{settings.PAYMENTS_URL}/rates/{currency}"
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    return float(resp.json()["rate"])


def refund(charge_id: str, amount_cents: int) -> Dict[str, Any]:
    resp = _request("POST", f"/charges/{charge_id}/refunds", json={"amount": amount_cents}, timeout=10)
    resp.raise_for_status()
    return resp.json()
