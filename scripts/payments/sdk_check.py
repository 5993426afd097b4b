"""Real clients against Bazaar's payment sandboxes.

The published SDKs `wechatpayv3` and `python-alipay-sdk` sign requests, verify answers and verify
(and decrypt) callbacks with their own code. If they accept the sandbox, the sandbox speaks the
protocol; if not, this exits non-zero naming the check that failed.

Usage: sdk_check.py <gateway base URL> <sandbox-payment-keys.json>
"""

import json
import queue
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from alipay import AliPay
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import WeChatPay, WeChatPayType

BASE, KEYS_FILE = sys.argv[1].rstrip("/"), sys.argv[2]
KEYS = json.load(open(KEYS_FILE, encoding="utf-8"))
CHECKS = []


def check(name, condition, detail=""):
    CHECKS.append(name)
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    print(f"ok   {name}")


class Callbacks(BaseHTTPRequestHandler):
    """The merchant's notify URL: hands each callback to the test and acknowledges it."""

    received = queue.Queue()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.received.put((self.path, dict(self.headers), body))
        if self.path.startswith("/alipay"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"success")
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
threading.Thread(target=server.serve_forever, daemon=True).start()
NOTIFY = f"http://127.0.0.1:{server.server_address[1]}"


def wallet(reference, **options):
    body = json.dumps({"reference": reference, **options}).encode()
    request = urllib.request.Request(f"{BASE}/sandbox/wallet/pay", body, {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def next_callback(prefix):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            path, headers, body = Callbacks.received.get(timeout=deadline - time.time())
        except queue.Empty:
            break
        if path.startswith(prefix):
            return headers, body
    raise SystemExit(f"FAIL no {prefix} callback arrived")


def trade_number():
    return time.strftime("%Y%m%d%H%M%S") + str(time.time_ns())[-10:]


def stranger_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# ---------------------------------------------------------------- WeChat Pay API v3 (wechatpayv3)
def wechat_client(private_key):
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=KEYS["wechat_mchid"],
        private_key=private_key,
        cert_serial_no=KEYS["wechat_merchant_serial"],
        appid=KEYS["wechat_appid"],
        apiv3_key=KEYS["wechat_apiv3_key"],
        notify_url=f"{NOTIFY}/wechatpay",
        public_key=KEYS["wechat_platform"]["public_pem"],
        public_key_id=KEYS["wechat_platform_key_id"],
    )
    client._core._gate_way = f"{BASE}/sandbox/wechatpay"
    return client


wxpay = wechat_client(KEYS["wechat_merchant"]["private_pem"])
number = trade_number()
code, message = wxpay.pay(description="青团 x2", out_trade_no=number, amount={"total": 1980})
check("wechatpay native order: SDK signs, sandbox accepts, SDK verifies the signed answer", code == 200, message)
code_url = json.loads(message)["code_url"]
code, message = wxpay.query(out_trade_no=number)
check("wechatpay query before paying: NOTPAY", code == 200 and json.loads(message)["trade_state"] == "NOTPAY", message)
wallet(code_url)
headers, body = next_callback("/wechatpay")
result = wxpay.callback(headers, body)
check("wechatpay callback: SDK verifies the signature and decrypts the AEAD_AES_256_GCM resource", result is not None)
resource = result["resource"]
check(
    "wechatpay callback resource: SUCCESS for our trade and amount",
    resource["trade_state"] == "SUCCESS" and resource["out_trade_no"] == number and resource["amount"]["total"] == 1980,
    resource,
)
tampered = dict(headers)
tampered_body = body.replace(b"encrypt-resource", b"encrypt-resourcf")
check("wechatpay callback with a changed byte is refused by the SDK", wxpay.callback(tampered, tampered_body) is None)
code, message = wxpay.query(out_trade_no=number)
check("wechatpay query after paying: SUCCESS", code == 200 and json.loads(message)["trade_state"] == "SUCCESS", message)
refund = dict(out_refund_no="R" + number, amount={"refund": 500, "total": 1980, "currency": "CNY"}, out_trade_no=number)
code, message = wxpay.refund(**refund)
first = json.loads(message)
check("wechatpay partial refund accepted", code == 200 and first["status"] == "SUCCESS", message)
code, message = wxpay.refund(**refund)
check("wechatpay refund replayed with the same out_refund_no: same refund", code == 200 and json.loads(message)["refund_id"] == first["refund_id"], message)
other = trade_number()
wxpay.pay(description="关单", out_trade_no=other, amount={"total": 100})
code, message = wxpay.close(out_trade_no=other)
check("wechatpay close answers 204 (signed, verified by the SDK)", code == 204, message)
code, message = wxpay.query(out_trade_no=other)
check("wechatpay closed trade reads CLOSED", json.loads(message)["trade_state"] == "CLOSED", message)
forger = wechat_client(stranger_key_pem())
code, message = forger.pay(description="x", out_trade_no=trade_number(), amount={"total": 1})
check("wechatpay request signed with another key: 401 SIGN_ERROR", code == 401 and json.loads(message)["code"] == "SIGN_ERROR", message)

# ------------------------------------------------------------ Alipay open API v2 (python-alipay-sdk)
def alipay_client(private_key):
    client = AliPay(
        appid=KEYS["alipay_app_id"],
        app_notify_url=f"{NOTIFY}/alipay",
        app_private_key_string=private_key,
        alipay_public_key_string=KEYS["alipay_platform"]["public_pem"],
        sign_type="RSA2",
    )
    client._gateway = f"{BASE}/sandbox/alipay/gateway.do"
    return client


ali = alipay_client(KEYS["alipay_app"]["private_pem"])
number = trade_number()
answer = ali.api_alipay_trade_precreate(subject="青团", out_trade_no=number, total_amount="19.80")
check("alipay precreate: SDK signs, sandbox accepts, SDK verifies the signed answer", answer.get("code") == "10000", answer)
qr_code = answer["qr_code"]
answer = ali.api_alipay_trade_query(out_trade_no=number)
check("alipay query before paying: WAIT_BUYER_PAY", answer.get("trade_status") == "WAIT_BUYER_PAY", answer)
wallet(qr_code)
headers, body = next_callback("/alipay")
fields = dict(urllib.parse.parse_qsl(body.decode()))
signature = fields.pop("sign")
check("alipay notify: SDK verifies the signature", ali.verify(dict(fields), signature), fields)
check("alipay notify: TRADE_SUCCESS for our trade", fields["trade_status"] == "TRADE_SUCCESS" and fields["out_trade_no"] == number)
forged = dict(fields, total_amount="0.01")
check("alipay notify with a changed amount fails SDK verification", not ali.verify(forged, signature))
answer = ali.api_alipay_trade_refund(refund_amount="5.00", out_trade_no=number, out_request_no="R1")
check("alipay partial refund: money moves", answer.get("code") == "10000" and answer.get("fund_change") == "Y", answer)
answer = ali.api_alipay_trade_refund(refund_amount="5.00", out_trade_no=number, out_request_no="R1")
check("alipay refund replayed with the same out_request_no: no second refund", answer.get("fund_change") == "N", answer)
answer = ali.api_alipay_trade_query(out_trade_no=number)
check("alipay query after paying: TRADE_SUCCESS", answer.get("trade_status") == "TRADE_SUCCESS", answer)
app_number = trade_number()
order_string = ali.api_alipay_trade_app_pay(subject="青团", out_trade_no=app_number, total_amount="9.90")
paid = wallet(order_string)
check("alipay app order string signed by the SDK is accepted by the wallet", paid["status"] == "paid", paid)
headers, body = next_callback("/alipay")
fields = dict(urllib.parse.parse_qsl(body.decode()))
signature = fields.pop("sign")
check("alipay app-pay notify verifies", ali.verify(dict(fields), signature) and fields["out_trade_no"] == app_number)
other = trade_number()
ali.api_alipay_trade_precreate(subject="关单", out_trade_no=other, total_amount="1.00")
answer = ali.api_alipay_trade_close(out_trade_no=other)
check("alipay close", answer.get("code") == "10000", answer)
check("alipay closed trade reads TRADE_CLOSED", ali.api_alipay_trade_query(out_trade_no=other).get("trade_status") == "TRADE_CLOSED")
forger = alipay_client(stranger_key_pem())
answer = forger.api_alipay_trade_precreate(subject="x", out_trade_no=trade_number(), total_amount="1.00")
check("alipay request signed with another key is refused (isv.invalid-signature)", answer.get("sub_code") == "isv.invalid-signature", answer)

print(f"sdk-check: {len(CHECKS)} checks passed")
