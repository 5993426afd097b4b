"""What the benchmark setup scripts share: calling the API (standard library only), logging in,
and creating the administrator the way an operator does (`bazaar admin create`)."""
import json, os, subprocess, urllib.request

PASSWORD = "bench-pass-1"


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", "Bearer " + token)
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or b"null")

    def register(self, phone):
        """Registers `phone` the way the app does: an SMS code (read from the sandbox outbox), then
        the registration with it. The login answer."""
        self.call("POST", "/api/v1/auth/otp/send", {"phone": phone, "purpose": "register"})
        sent = self.call("GET", "/sandbox/sms/messages?phone=" + phone)
        code = "".join(ch for ch in sent[0]["body"] if ch.isdigit())[:6]
        return self.call("POST", "/api/v1/auth/register", {"phone": phone, "password": PASSWORD, "code": code})

    def login(self, phone):
        return self.call("POST", "/api/v1/auth/login", {"phone": phone, "password": PASSWORD})["access_token"]

    def admin(self, bazaar, phone="13700000000"):
        subprocess.run([bazaar, "admin", "create", "--phone", phone], check=True, capture_output=True,
                       env={**os.environ, "BAZAAR_ADMIN_PASSWORD": PASSWORD})
        return self.login(phone)

    def approved_shop(self, admin, phone, name):
        """Registers `phone`, applies for a shop, has the admin approve it; (shop id, seller token)."""
        self.register(phone)
        seller = self.login(phone)
        application = self.call("POST", "/api/v1/shop-applications", {"shop_name": name, "main_category": "食品",
                                "licence_number": "913101150000000000", "contact_phone": phone}, seller)
        shop = self.call("POST", f"/api/v1/admin/shop-applications/{application['id']}/approve", {}, admin)["shop_id"]
        # Roles travel in access tokens: log in again to act as a seller.
        return shop, self.login(phone)
