#!/usr/bin/env python3
"""Helpers for scripts/bench/payments.sh.

  checkouts BASE BUYERS_FILE SKU COUNT OUT      places COUNT checkouts round-robin over the buyers;
                                                writes "token checkout_id" lines
  notifications DB KEYS OUT STATUS              signs a genuine notification (as the sandbox
                                                provider would) for every Alipay and WeChat Pay
                                                trade in STATUS (pending: first deliveries; paid:
                                                duplicates); writes one request per line for wrk
  latency BASE CHECKOUTS_FILE PROVIDERS...      per provider: open a trade, let the sandbox wallet
                                                pay it, poll until the payment reads `paid`; prints
                                                "provider count p50_ms p99_ms"
"""
import base64, json, sqlite3, sys, time, urllib.parse, urllib.request
from bench_api import Api


def checkouts(base, buyers_file, sku, count, out):
    api = Api(base)
    buyers = [line.split() for line in open(buyers_file)]
    with open(out, "w") as sink:
        for n in range(int(count)):
            token, address = buyers[n % len(buyers)]
            body = {"address_id": int(address), "items": [{"sku_id": int(sku), "quantity": 1}]}
            req = urllib.request.Request(base + "/api/v1/orders", json.dumps(body).encode(), method="POST")
            req.add_header("content-type", "application/json")
            req.add_header("authorization", "Bearer " + token)
            # Distinct per run: a replayed key would return an earlier (already paid) checkout.
            req.add_header("idempotency-key", f"bench-{time.time_ns()}-{n}")
            try:
                with urllib.request.urlopen(req) as resp:
                    sink.write(f"{token} {json.loads(resp.read())['checkout_id']}\n")
            except urllib.error.HTTPError as err:
                raise SystemExit(f"placing checkout {n}: {err.code} {err.read().decode()}")


def notifications(db, keys_file, out, status):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.hashes import SHA256

    keys = json.load(open(keys_file))
    def signer(pem):
        key = serialization.load_pem_private_key(pem.encode(), None)
        return lambda data: base64.b64encode(key.sign(data, padding.PKCS1v15(), SHA256())).decode()
    alipay_sign, wechat_sign = signer(keys["alipay_platform"]["private_pem"]), signer(keys["wechat_platform"]["private_pem"])
    rows = sqlite3.connect(db).execute("SELECT provider, out_trade_no, amount FROM payments WHERE status = ?", (status,))
    written = 0
    with open(out, "w") as sink:
        for provider, number, amount in rows:
            if provider == "alipay":
                fields = {"notify_type": "trade_status_sync", "notify_id": number, "charset": "utf-8", "version": "1.0",
                          "app_id": keys["alipay_app_id"], "trade_no": "T" + number, "out_trade_no": number,
                          "trade_status": "TRADE_SUCCESS", "total_amount": f"{amount // 100}.{amount % 100:02d}"}
                text = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
                fields["sign_type"], fields["sign"] = "RSA2", alipay_sign(text.encode())
                sink.write(f"/api/v1/payments/notify/alipay\tapplication/x-www-form-urlencoded\t\t{urllib.parse.urlencode(fields)}\n")
            elif provider == "wechatpay":
                transaction = {"appid": keys["wechat_appid"], "mchid": keys["wechat_mchid"], "out_trade_no": number,
                               "transaction_id": "42" + number, "trade_state": "SUCCESS",
                               "amount": {"total": amount, "currency": "CNY"}}
                nonce = number[-12:]
                sealed = AESGCM(keys["wechat_apiv3_key"].encode()).encrypt(nonce.encode(), json.dumps(transaction).encode(), b"transaction")
                body = json.dumps({"id": "EV" + number, "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
                                   "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
                                                "associated_data": "transaction", "nonce": nonce}}, separators=(",", ":"))
                stamp = str(int(time.time()))
                signature = wechat_sign(f"{stamp}\nN\n{body}\n".encode())
                headers = ";;".join([f"Wechatpay-Timestamp:{stamp}", "Wechatpay-Nonce:N",
                                     f"Wechatpay-Serial:{keys['wechat_platform_key_id']}", f"Wechatpay-Signature:{signature}",
                                     "Wechatpay-Signature-Type:WECHATPAY2-SHA256-RSA2048"])
                sink.write(f"/api/v1/payments/notify/wechatpay\tapplication/json\t{headers}\t{body}\n")
            else:
                continue
            written += 1
    print(written)


def latency(base, checkouts_file, *providers):
    api = Api(base)
    lines = [line.split() for line in open(checkouts_file)]
    per = len(lines) // len(providers)
    for index, provider in enumerate(providers):
        samples = []
        for token, checkout in lines[index * per:(index + 1) * per]:
            payment = api.call("POST", "/api/v1/payments", {"checkout_id": int(checkout), "provider": provider, "channel": "app"}, token)
            pay = payment["pay"]
            reference = pay.get("order_string") or pay.get("prepay_id") or pay.get("tn")
            started = time.perf_counter()
            api.call("POST", "/sandbox/wallet/pay", {"reference": reference})
            while api.call("GET", f"/api/v1/payments/{payment['id']}", token=token)["status"] != "paid":
                pass
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
        print(f"{provider} {len(samples)} {pick(0.5):.2f} {pick(0.99):.2f}")


if __name__ == "__main__":
    {"checkouts": checkouts, "notifications": notifications, "latency": latency}[sys.argv[1]](*sys.argv[2:])
