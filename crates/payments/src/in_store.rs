//! Face-to-face payments: a seller asks for an amount at the counter and shows a QR code; the
//! first buyer who pays it gets an order in the shop's orders (no items, the note as its label).

use crate::PaymentError;
use crate::crypto::random_token;
use crate::service::{PaymentView, Payments};
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, ShopId};
use bazaar_db::schema::in_store_payments;
use bazaar_db::write_transaction;
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// A counter request stays payable this long.
const VALID_FOR_MINUTES: i64 = 30;
const MAX_NOTE_CHARS: usize = 100;
/// ¥50,000: above this a counter payment is almost surely a typo.
const MAX_AMOUNT_FEN: i64 = 5_000_000;

pub struct InStoreRequest {
    pub amount: Money,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InStoreView {
    pub id: i64,
    pub code: String,
    pub shop_id: ShopId,
    pub shop_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    pub note: String,
    /// What the QR code shown at the counter encodes.
    pub qr_content: String,
    pub expires_at: chrono::DateTime<Utc>,
    /// The buyer's order once someone has started paying it.
    pub order_id: Option<OrderId>,
}

/// A counter request with its shop's name (identity's, read through its function).
struct Row {
    id: i64,
    code: String,
    shop_id: ShopId,
    shop_name: String,
    amount: i64,
    note: String,
    expires_at: NaiveDateTime,
    order_id: Option<OrderId>,
}

impl Payments {
    /// A shop member asks for `amount` at the counter.
    pub async fn create_in_store(
        &self,
        member: &Principal,
        shop_id: ShopId,
        request: InStoreRequest,
    ) -> Result<InStoreView, PaymentError> {
        let amount = request.amount.to_minor();
        if amount <= 0 || amount > MAX_AMOUNT_FEN {
            return Err(PaymentError::invalid("amount", "must be more than 0 and at most 50000.00"));
        }
        let note = bazaar_core::user_text(&request.note, 0, MAX_NOTE_CHARS, false)
            .map_err(|err| PaymentError::invalid("note", err.to_string()))?;
        let code = random_token(16);
        let member = member.clone();
        let row = self
            .db
            .run(move |conn| {
                // Outsiders are told the shop does not exist: counter codes are the shop's own.
                if member.role_in(conn, shop_id).map_err(bazaar_checkout::CheckoutError::from)?.is_none() {
                    return Err(PaymentError::not_found("shop"));
                }
                bazaar_checkout::require_shop_selling(conn, shop_id)?;
                let now = Utc::now().naive_utc();
                diesel::insert_into(in_store_payments::table)
                    .values((
                        in_store_payments::code.eq(&code),
                        in_store_payments::shop_id.eq(shop_id),
                        in_store_payments::created_by.eq(member.user_id),
                        in_store_payments::amount.eq(amount),
                        in_store_payments::note.eq(&note),
                        in_store_payments::created_at.eq(now),
                        in_store_payments::expires_at.eq(now + chrono::Duration::minutes(VALID_FOR_MINUTES)),
                    ))
                    .execute(conn)?;
                by_code(conn, &code)
            })
            .await?;
        Ok(self.in_store_view(row))
    }

    /// What a buyer sees after scanning the counter's code.
    pub async fn in_store(&self, code: String) -> Result<InStoreView, PaymentError> {
        let row = self.db.run(move |conn| by_code(conn, &code)).await?;
        Ok(self.in_store_view(row))
    }

    /// The buyer pays the counter request: their order is created (first buyer only) and a trade
    /// opened for it.
    pub async fn pay_in_store(
        &self,
        principal: &Principal,
        code: String,
        provider: &str,
        channel: &str,
    ) -> Result<PaymentView, PaymentError> {
        let buyer = principal.user_id;
        self.provider(provider)?;
        let checkout_id = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let row = by_code(conn, &code)?;
                    let Row { id, shop_id, amount, note, expires_at, order_id, .. } = row;
                    if crate::service::expired(expires_at) {
                        return Err(PaymentError::Expired("in-store payment request"));
                    }
                    if let Some(order_id) = order_id {
                        let (owner, checkout_id) = bazaar_checkout::order_buyer_and_checkout(conn, order_id)?;
                        if owner != buyer {
                            return Err(taken());
                        }
                        return Ok(checkout_id);
                    }
                    let reference = format!("in-store-{code}");
                    let (checkout_id, order_id) = bazaar_checkout::create_in_store_order(
                        conn,
                        buyer,
                        shop_id,
                        Money::from_minor(amount),
                        &note,
                        &reference,
                    )?;
                    let claimed =
                        diesel::update(in_store_payments::table.find(id).filter(in_store_payments::order_id.is_null()))
                            .set(in_store_payments::order_id.eq(order_id))
                            .execute(conn)?;
                    if claimed == 0 {
                        return Err(taken());
                    }
                    Ok(checkout_id)
                })
            })
            .await?;
        self.open_trade(buyer, checkout_id, provider, channel).await
    }

    fn in_store_view(&self, row: Row) -> InStoreView {
        let Row { id, code, shop_id, shop_name, amount, note, expires_at, order_id } = row;
        InStoreView {
            id,
            qr_content: format!("{}/m/in-store/{code}", self.settings.public_url),
            code,
            shop_id,
            shop_name,
            amount: Money::from_minor(amount),
            note,
            expires_at: expires_at.and_utc(),
            order_id,
        }
    }
}

fn by_code(conn: &mut bazaar_db::DbConn, code: &str) -> Result<Row, PaymentError> {
    type Stored = (i64, String, ShopId, i64, String, NaiveDateTime, Option<OrderId>);
    let stored: Option<Stored> = in_store_payments::table
        .filter(in_store_payments::code.eq(code))
        .select((
            in_store_payments::id,
            in_store_payments::code,
            in_store_payments::shop_id,
            in_store_payments::amount,
            in_store_payments::note,
            in_store_payments::expires_at,
            in_store_payments::order_id,
        ))
        .first(conn)
        .optional()?;
    let (id, code, shop_id, amount, note, expires_at, order_id) =
        stored.ok_or(PaymentError::not_found("in-store payment request"))?;
    let shop_name = bazaar_identity::shop_name(conn, shop_id)?.unwrap_or_default();
    Ok(Row { id, code, shop_id, shop_name, amount, note, expires_at, order_id })
}

/// Another buyer is already paying this counter request.
fn taken() -> PaymentError {
    PaymentError::InvalidState { current: "taken by another buyer".into(), wanted: "pay" }
}
