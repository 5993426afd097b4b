#!/usr/bin/env python3
"""Prepares the promotions benchmark through the real API (standard library only): on top of the
order setup, the first shop offers a coupon (10.00 off from 20.00, plenty of quantity, 100 per
buyer) and every buyer claims one, so each preview has a coupon to choose. Prints the coupon's id."""
import sys
from bench_api import Api

base, seller, buyers_file = sys.argv[1], sys.argv[2], sys.argv[3]
api = Api(base)
call = api.call
shop = int(sys.argv[4])
template = call("POST", f"/api/v1/seller/shops/{shop}/coupons", {
    "name": "满20减10", "kind": "fixed", "amount_off": "10.00", "min_spend": "20.00", "scope": "shop",
    "claim_starts_at": "2020-01-01T00:00:00Z", "claim_ends_at": "2099-01-01T00:00:00Z", "valid_days": 30,
    "total_quantity": 10000000, "per_user_limit": 100, "visibility": "public"}, seller)
for line in open(buyers_file):
    token = line.split()[0]
    call("POST", f"/api/v1/coupons/{template['id']}/claim", {}, token)
print(template["id"])
