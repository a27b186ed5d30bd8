from fastapi import FastAPI

from app.routers import coupons, orders, users

app = FastAPI(title="Shop API")

app.include_router(users.router, prefix="/api")
app.include_router(orders.router, prefix="/api")
app.include_router(coupons.router, prefix="/api")


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
