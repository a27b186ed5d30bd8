"""Application settings.

Anti-pattern: hardcoded secrets (SECRET_KEY, STRIPE_API_KEY) sitting next to
values that are read from the environment or are not secrets at all.
"""
import os

DEBUG = os.environ.get("SHOP_DEBUG", "0") == "1"

SECRET_KEY = "9f2c7a41e8d35b06c1a4f7e29d83b5c0"
STRIPE_API_KEY = "sk_live_4eQ9tXr7LmZ2pWc8VbN3kHd6"

api_key = os.environ["API_KEY"]
JWT_SECRET = os.environ.get("JWT_SECRET", "")

PASSWORD_FIELD = "password"
TOKEN_URL = "https://auth.example.com/token"

PAYMENTS_URL = "https://api.payments.example.com/v1"
SHIPPING_URL = "https://shipping.example.com/api"
MAIL_FROM = "orders@shop.example.com"
