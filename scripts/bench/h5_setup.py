#!/usr/bin/env python3
"""Prepares the H5 benchmark through the real API (standard library only): an approved shop and a
published product as a real listing has it (two spec dimensions, six SKUs, four images, a
description), plus eleven more products so search has a page of results. Prints the product id."""
import json, sys
from bench_api import Api

base, bazaar = sys.argv[1], sys.argv[2]
api = Api(base)
call = api.call
admin = api.admin(bazaar)
women = next(c["id"] for top in call("GET", "/api/v1/categories")["items"] for c in top["children"] if c["name_en"] == "Women")
shop, seller = api.approved_shop(admin, "13800000000", "老街服饰")
skus = [{"specs": {"颜色": colour, "尺码": size}, "price": f"{79 + n * 5}.00", "stock": 100}
        for colour in ("红", "黑") for n, size in enumerate(("S", "M", "L"))]
first = None
for n in range(12):
    product = call("POST", "/api/v1/seller/products", {
        "shop_id": shop, "category_id": women, "title": f"纯棉T恤 女款 夏季 {n}", "subtitle": "100% 新疆长绒棉",
        "brand": "老街", "tags": ["夏季"], "description": "透气亲肤，宽松版型。\n机洗不变形，多色可选。" * 4,
        "attributes": [{"name": "材质", "value": "棉"}, {"name": "产地", "value": "新疆"}],
        "images": [f"https://img.example/t{n}-{i}.jpg" for i in range(4)],
        "specs": [{"name": "颜色", "values": ["红", "黑"]}, {"name": "尺码", "values": ["S", "M", "L"]}],
        "skus": skus}, seller)
    call("POST", f"/api/v1/seller/products/{product['id']}/publish", {}, seller)
    first = first or product["id"]
print(json.dumps({"product": first}))
