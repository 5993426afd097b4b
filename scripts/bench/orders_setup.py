#!/usr/bin/env python3
"""Prepares an order benchmark through the real API (standard library only): two shops approved by
an admin, products with the given stock, and N buyers with an address each. Prints a JSON summary
and writes one "token address_id" line per buyer to the given file."""
import json, sys, urllib.request, subprocess, os

base, bazaar, buyers_file, buyers, stock = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")

def login(phone):
    return call("POST", "/api/v1/auth/login", {"phone": phone, "password": "bench-pass-1"})["access_token"]

subprocess.run([bazaar, "admin", "create", "--phone", "13700000000"], check=True, capture_output=True,
               env={**os.environ, "BAZAAR_ADMIN_PASSWORD": "bench-pass-1"})
admin = login("13700000000")
snacks = next(c["id"] for top in call("GET", "/api/v1/categories") for c in top["children"] if c["name_en"] == "Snacks")
skus = []
for n in range(2):
    phone = f"1380000000{n}"
    call("POST", "/api/v1/auth/register", {"phone": phone, "password": "bench-pass-1"})
    seller = login(phone)
    app = call("POST", "/api/v1/shop-applications", {"shop_name": f"压测店{n}", "main_category": "食品",
               "licence_number": "913101150000000000", "contact_phone": phone}, seller)
    shop = call("POST", f"/api/v1/admin/shop-applications/{app['id']}/approve", {}, admin)["shop_id"]
    seller = login(phone)
    for title in ("热卖", "普通"):
        product = call("POST", "/api/v1/seller/products", {"shop_id": shop, "category_id": snacks, "title": f"{title}{n}",
                       "skus": [{"price": "12.50", "stock": stock}]}, seller)
        call("POST", f"/api/v1/seller/products/{product['id']}/publish", {}, seller)
        skus.append({"shop": shop, "sku": product["skus"][0]["id"], "seller": seller})
with open(buyers_file, "w") as out:
    for n in range(buyers):
        phone = f"139{n:08d}"
        token = call("POST", "/api/v1/auth/register", {"phone": phone, "password": "bench-pass-1"})["access_token"]
        address = call("POST", "/api/v1/me/addresses", {"recipient": "压测", "phone": phone, "province": "上海市",
                       "city": "上海市", "district": "黄浦区", "detail": "1 号"}, token)["id"]
        out.write(f"{token} {address}\n")
print(json.dumps({"skus": skus}))
