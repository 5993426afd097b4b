#!/usr/bin/env python3
"""Prepares the chat benchmark through the real API: an admin, one shop approved by the admin, one
buyer, and the buyer's conversation with the shop. Prints a JSON summary with both access tokens
and the conversation id."""
import json, sys
from bench_api import Api

base, bazaar = sys.argv[1], sys.argv[2]
api = Api(base)
admin = api.admin(bazaar)
shop, seller = api.approved_shop(admin, "13800000000", "压测店")
buyer = api.register("13900000000")["access_token"]
conversation = api.call("POST", "/api/v1/chat/conversations", {"shop_id": shop}, buyer)["id"]
print(json.dumps({"buyer": buyer, "seller": seller, "conversation": conversation}))
