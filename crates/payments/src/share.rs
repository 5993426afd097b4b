//! Pay for another (代付 / 亲情付): the owner of an unpaid checkout shares a code; another signed-in
//! user opens it, sees what is being bought and for how much, and pays with their own wallet. The
//! code ends with the orders (paid, cancelled, or past the payment deadline).

use crate::PaymentError;
use crate::crypto::random_token;
use crate::service::{PaymentView, Payments};
use crate::store;
use bazaar_core::Money;
use bazaar_core::ids::{CheckoutId, OrderId, PaymentId, UserId};
use bazaar_db::schema::payment_shares;
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareView {
    pub code: String,
    /// The link to send (opens the app's pay-for-another page).
    pub link: String,
    pub expires_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedItem {
    pub order_id: OrderId,
    pub title: String,
    pub quantity: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Money,
}

/// What a friend sees before paying.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedCheckout {
    pub code: String,
    /// The owner's nickname, so the friend knows whom they pay for.
    pub requested_by: String,
    pub items: Vec<SharedItem>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    pub expires_at: chrono::DateTime<Utc>,
}

struct Share {
    checkout_id: CheckoutId,
    owner: UserId,
    expires_at: NaiveDateTime,
}

impl Payments {
    /// The owner of `payment_id` shares its checkout for someone else to pay.
    pub async fn share(&self, principal: &Principal, payment_id: PaymentId) -> Result<ShareView, PaymentError> {
        let owner = principal.user_id;
        let payment = self.get(principal, payment_id).await?;
        if payment.owner_id != owner {
            return Err(PaymentError::not_found("payment"));
        }
        let checkout_id = payment.checkout_id.ok_or(PaymentError::not_found("checkout"))?;
        let (_, payable) = self.db.run(move |conn| store::payable_orders(conn, checkout_id)).await?;
        let placed = payable.iter().map(|p| p.placed_at).min().unwrap_or_else(|| Utc::now().naive_utc());
        let expires_at = placed + chrono::Duration::from_std(self.settings.order_payment_timeout).unwrap_or_default();
        let code = random_token(16);
        let stored = code.clone();
        self.db
            .run(move |conn| {
                diesel::insert_into(payment_shares::table)
                    .values((
                        payment_shares::code.eq(&stored),
                        payment_shares::checkout_id.eq(checkout_id),
                        payment_shares::user_id.eq(owner),
                        payment_shares::created_at.eq(Utc::now().naive_utc()),
                        payment_shares::expires_at.eq(expires_at),
                    ))
                    .execute(conn)
                    .map_err(PaymentError::from)
            })
            .await?;
        let link = format!("{}/m/pay-for-another/{code}", self.settings.public_url);
        Ok(ShareView { code, link, expires_at: expires_at.and_utc() })
    }

    async fn open_share(&self, code: String) -> Result<Share, PaymentError> {
        let share = self
            .db
            .run(move |conn| {
                payment_shares::table
                    .find(&code)
                    .select((payment_shares::checkout_id, payment_shares::user_id, payment_shares::expires_at))
                    .first::<(CheckoutId, UserId, NaiveDateTime)>(conn)
                    .optional()
                    .map_err(PaymentError::from)
            })
            .await?
            .ok_or(PaymentError::not_found("share code"))?;
        let share = Share { checkout_id: share.0, owner: share.1, expires_at: share.2 };
        if crate::service::expired(share.expires_at) {
            return Err(PaymentError::Expired("share code"));
        }
        Ok(share)
    }

    /// What the code asks the friend to pay for.
    pub async fn shared(&self, code: String) -> Result<SharedCheckout, PaymentError> {
        let share = self.open_share(code.clone()).await?;
        let (checkout_id, owner) = (share.checkout_id, share.owner);
        let (items, nickname) = self
            .db
            .run(move |conn| {
                let items = bazaar_checkout::payable_lines(conn, checkout_id)?;
                let nickname = bazaar_identity::nickname_of(conn, owner)?;
                Ok::<_, PaymentError>((items, nickname))
            })
            .await?;
        let (_, payable) = self
            .db
            .run(move |conn| store::payable_orders(conn, checkout_id))
            .await
            .map_err(|_| PaymentError::Expired("share code"))?;
        Ok(SharedCheckout {
            code,
            requested_by: nickname.unwrap_or_else(|| "a Bazaar user".into()),
            items: items
                .into_iter()
                .map(|line| SharedItem {
                    order_id: line.order_id,
                    title: line.title,
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                })
                .collect(),
            amount: Money::from_minor(crate::error::trade_amount(payable.iter().map(|p| p.amount))?),
            expires_at: share.expires_at.and_utc(),
        })
    }

    /// The friend pays with their own wallet; the orders record them as the payer.
    pub async fn pay_shared(
        &self,
        principal: &Principal,
        code: String,
        provider: &str,
        channel: &str,
    ) -> Result<PaymentView, PaymentError> {
        let payer = principal.user_id;
        let share = self.open_share(code).await?;
        self.open_trade(payer, share.checkout_id, provider, channel).await.map_err(|err| match err {
            PaymentError::NothingToPay => PaymentError::Expired("share code"),
            other => other,
        })
    }
}
