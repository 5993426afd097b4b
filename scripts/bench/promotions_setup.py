#!/usr/bin/env python3
"""Prepares the promotions benchmark through the real API (standard library only): on top of the
order setup, the first shop runs an automatic threshold promotion (满20减2 / 满40减5) and offers a
coupon (10.00 off from 20.00, plenty of quantity, 100 per buyer), the platform offers a coupon over
the whole checkout (3.00 off from 30.00), all of them combinable, and every buyer claims one of each,
so each preview weighs every layer of the stacking. Prints the shop coupon's id."""
import datetime, sys
from bench_api import Api

base, seller, buyers_file, shop, bazaar = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
api = Api(base)
call = api.call
window = {"claim_starts_at": "2020-01-01T00:00:00Z", "claim_ends_at": "2099-01-01T00:00:00Z", "valid_days": 30,
          "total_quantity": 10000000, "per_user_limit": 100, "visibility": "public", "combinable": True}
now = datetime.datetime.now(datetime.timezone.utc)
call("POST", f"/api/v1/seller/shops/{shop}/promotions", {
    "name": "店庆", "kind": "tiers", "combinable": True,
    "tiers": [{"min_spend": "20.00", "amount_off": "2.00"}, {"min_spend": "40.00", "amount_off": "5.00"}],
    "starts_at": (now - datetime.timedelta(minutes=1)).isoformat(),
    "ends_at": (now + datetime.timedelta(days=30)).isoformat()}, seller)
template = call("POST", f"/api/v1/seller/shops/{shop}/coupons", {
    "name": "满20减10", "kind": "fixed", "amount_off": "10.00", "min_spend": "20.00", "scope": "shop", **window}, seller)
admin = api.admin(bazaar)
platform = call("POST", "/api/v1/admin/coupons", {
    "name": "平台满30减3", "kind": "fixed", "amount_off": "3.00", "min_spend": "30.00", "scope": "shop", **window}, admin)
for line in open(buyers_file):
    token = line.split()[0]
    call("POST", f"/api/v1/coupons/{template['id']}/claim", {}, token)
    call("POST", f"/api/v1/coupons/{platform['id']}/claim", {}, token)
print(template["id"])
