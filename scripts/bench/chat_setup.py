#!/usr/bin/env python3
"""Prepares the chat benchmark through the real API (standard library only): an admin, one shop
approved by the admin, one buyer, and the buyer's conversation with the shop. Prints a JSON
summary with both access tokens and the conversation id."""
import json, sys, urllib.request, subprocess, os

base, bazaar = sys.argv[1], sys.argv[2]

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
call("POST", "/api/v1/auth/register", {"phone": "13800000000", "password": "bench-pass-1"})
seller = login("13800000000")
application = call("POST", "/api/v1/shop-applications", {"shop_name": "压测店", "main_category": "食品",
                   "licence_number": "913101150000000000", "contact_phone": "13800000000"}, seller)
shop = call("POST", f"/api/v1/admin/shop-applications/{application['id']}/approve", {}, admin)["shop_id"]
seller = login("13800000000")
buyer = call("POST", "/api/v1/auth/register", {"phone": "13900000000", "password": "bench-pass-1"})["access_token"]
conversation = call("POST", "/api/v1/chat/conversations", {"shop_id": shop}, buyer)["id"]
print(json.dumps({"buyer": buyer, "seller": seller, "conversation": conversation}))
