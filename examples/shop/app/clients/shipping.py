"""Shipping carrier client.

Anti-pattern: outbound HTTP calls without a timeout, in several forms
(requests.Session on self, urllib, httpx with timeout=None, aiohttp).
"""
import json
import urllib.request
from typing import Any, Dict, List

import aiohttp
import httpx
import requests

from app import settings


class ShippingClient:
    def __init__(self, base_url: str = settings.SHIPPING_URL, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def get_quote(self, postcode: str, weight_grams: int) -> Dict[str, Any]:
        resp = self.session.get(
            f"{self.base_url}/quotes", params={"postcode": postcode, "weight": weight_grams}
        )
        resp.raise_for_status()
        return resp.json()

    def create_shipment(self, order_id: int, address: Dict[str, str]) -> str:
        resp = self.session.post(
            f"{self.base_url}/shipments",
            json={"reference": str(order_id), "address": address},
            timeout=10,
        )
        resp.raise_for_status()
        return resp.json()["tracking_number"]


def track_package(tracking_number: str) -> Dict[str, Any]:
    url = f"{settings.SHIPPING_URL}/tracking/{tracking_number}"
    with urllib.request.urlopen(url) as resp:
        return json.load(resp)


def carrier_status(carrier: str) -> str:
    url = f"{settings.SHIPPING_URL}/carriers/{carrier}/status"
    return httpx.get(url, timeout=None).json()["status"]


def list_carriers() -> List[str]:
    url = f"{settings.SHIPPING_URL}/carriers"
    return httpx.get(url).json()["carriers"]


async def fetch_rates(postcodes: List[str]) -> Dict[str, Any]:
    rates = {}
    async with aiohttp.ClientSession() as http:
        for postcode in postcodes:
            async with http.get(f"{settings.SHIPPING_URL}/rates/{postcode}") as resp:
                rates[postcode] = await resp.json()
    return rates


async def fetch_pickup_slots(postcode: str) -> List[str]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(f"{settings.SHIPPING_URL}/pickups/{postcode}") as resp:
            return (await resp.json())["slots"]
