#!/usr/bin/env python3
"""Prepares an order benchmark through the real API (standard library only): two shops approved by
an admin, products with the given stock, and N buyers with an address each. Prints a JSON summary
and writes one "token address_id" line per buyer to the given file."""
import json, sys
from bench_api import Api

base, bazaar, buyers_file, buyers, stock = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
api = Api(base)
call = api.call
admin = api.admin(bazaar)
snacks = next(c["id"] for top in call("GET", "/api/v1/categories")["items"] for c in top["children"] if c["name_en"] == "Snacks")
skus = []
for n in range(2):
    shop, seller = api.approved_shop(admin, f"1380000000{n}", f"压测店{n}")
    for title in ("热卖", "普通"):
        product = call("POST", "/api/v1/seller/products", {"shop_id": shop, "category_id": snacks, "title": f"{title}{n}",
                       "skus": [{"price": "12.50", "stock": stock}]}, seller)
        call("POST", f"/api/v1/seller/products/{product['id']}/publish", {}, seller)
        skus.append({"shop": shop, "sku": product["skus"][0]["id"], "seller": seller})
with open(buyers_file, "w") as out:
    for n in range(buyers):
        phone = f"139{n:08d}"
        token = api.register(phone)["access_token"]
        address = call("POST", "/api/v1/me/addresses", {"recipient": "压测", "phone": phone, "province": "上海市",
                       "city": "上海市", "district": "黄浦区", "detail": "1 号"}, token)["id"]
        out.write(f"{token} {address}\n")
print(json.dumps({"skus": skus}))
