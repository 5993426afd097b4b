"""A phone's first purchase, driven only through the client openapi-python-client generated from
/openapi.json (no hand edits): sign in by SMS code, search, add to the cart, place the order, pay
in the sandbox, and write to the shop over REST. Run by scripts/openapi/client.sh.

Every call goes through the generated functions and models; a field the document gets wrong shows
up here as a parse failure or a missing attribute, which is the point.
"""

import re
import sys
import time
import uuid

from bazaar_client import AuthenticatedClient, Client
from bazaar_client.api.cart import post_api_v1_cart_items
from bazaar_client.api.catalog import get_api_v1_products_id
from bazaar_client.api.chat import post_api_v1_chat_conversations, post_api_v1_chat_conversations_id_messages
from bazaar_client.api.identity import post_api_v1_auth_otp_login, post_api_v1_auth_otp_send, post_api_v1_me_addresses
from bazaar_client.api.orders import post_api_v1_orders
from bazaar_client.api.payments import get_api_v1_payments_id, post_api_v1_payments
from bazaar_client.api.sandbox import get_sandbox_sms_messages, post_sandbox_wallet_pay
from bazaar_client.api.search import get_api_v1_search
from bazaar_client.models import (
    AddressInput,
    CreatePayment,
    NewContentType0,
    NewContentType0Kind,
    NewLine,
    OtpLoginRequest,
    OtpPurpose,
    OtpSendRequest,
    PlaceOrder,
    Problem,
    SendMessage,
    StartConversation,
    WalletPay,
)


def expect(value, what):
    """The parsed success model, or a failure naming the step and what came back."""
    if value is None or isinstance(value, Problem):
        sys.exit(f"client journey: {what} failed: {value}")
    return value


def main(base_url: str, query: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    phone = "+86139" + str(uuid.uuid4().int)[:8]

    expect(post_api_v1_auth_otp_send.sync(client=anonymous, body=OtpSendRequest(phone=phone, purpose=OtpPurpose.LOGIN)), "sending the SMS code")
    messages = expect(get_sandbox_sms_messages.sync(client=anonymous, phone=phone), "reading the SMS outbox")
    code = re.search(r"\d{6}", messages[0].body).group()
    signed_in = expect(post_api_v1_auth_otp_login.sync(client=anonymous, body=OtpLoginRequest(phone=phone, code=code)), "signing in")
    phone_client = AuthenticatedClient(base_url=base_url, token=signed_in.access_token, raise_on_unexpected_status=True)

    # The index catches up with the seeded catalogue within moments of start.
    hits = []
    for _ in range(100):
        found = expect(get_api_v1_search.sync(client=phone_client, q=query), "searching")
        hits = found.items
        if hits:
            break
        time.sleep(0.1)
    if not hits:
        sys.exit(f"client journey: searching for {query!r} found nothing")
    product = expect(get_api_v1_products_id.sync(client=phone_client, id=hits[0].id), "opening the product")
    sku = next(sku for sku in product.skus if sku.stock > 0)

    expect(post_api_v1_cart_items.sync(client=phone_client, body=NewLine(sku_id=sku.id, quantity=1)), "adding to the cart")
    address = expect(
        post_api_v1_me_addresses.sync(
            client=phone_client,
            body=AddressInput(recipient="孙八", phone=phone, province="上海市", city="上海市", district="黄浦区", detail="南京东路 1 号"),
        ),
        "adding an address",
    )
    checkout = expect(
        post_api_v1_orders.sync(client=phone_client, body=PlaceOrder(address_id=address.id), idempotency_key=str(uuid.uuid4())),
        "placing the order",
    )
    payment = expect(
        post_api_v1_payments.sync(client=phone_client, body=CreatePayment(checkout_id=checkout.checkout_id, provider="alipay", channel="app")),
        "opening the payment",
    )
    reference = payment.pay["order_string"]
    expect(post_sandbox_wallet_pay.sync(client=anonymous, body=WalletPay(reference=reference)), "paying in the sandbox wallet")
    status = None
    for _ in range(150):
        status = expect(get_api_v1_payments_id.sync(client=phone_client, id=payment.id), "reading the payment").status
        if status == "paid":
            break
        time.sleep(0.1)
    if status != "paid":
        sys.exit(f"client journey: the payment is {status}, not paid")

    conversation = expect(
        post_api_v1_chat_conversations.sync(client=phone_client, body=StartConversation(shop_id=product.shop.id)),
        "opening a conversation with the shop",
    )
    sent = expect(
        post_api_v1_chat_conversations_id_messages.sync(
            client=phone_client,
            id=conversation.id,
            body=SendMessage(client_msg_id=str(uuid.uuid4()), content=NewContentType0(kind=NewContentType0Kind.TEXT, text="什么时候发货？")),
        ),
        "sending a chat message",
    )
    print(f"client journey: signed in, found {len(hits)} products, paid order(s) of checkout {checkout.checkout_id}, message {sent.message.seq} sent")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
