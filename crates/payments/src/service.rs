//! The payments service: opening trades for checkouts, notifications, refunds. Reconciliation,
//! pay-for-another and in-store payments extend it in their own files.

use crate::RefundView;
use crate::provider::{
    Acknowledgement, Channel, NewTrade, PaymentProvider, ProviderKind, RawNotification, RefundOrder, TradeReport,
    TradeState,
};
use crate::store::NotificationAudit;
use crate::store::{self, NewPayment, PaymentRow, RefundRow, Settlement};
use crate::{PaymentError, crypto::random_token};
use bazaar_core::Money;
use bazaar_core::ids::{CheckoutId, OrderId, PaymentId, UserId};
use bazaar_db::Database;
use bazaar_identity::Principal;
use bazaar_kv::{Kv, Limit};
use chrono::{NaiveDateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// Unpaid orders are cancelled after this long; trades expire with them.
    pub order_payment_timeout: Duration,
    /// With no notification after this long, the provider is asked.
    pub query_after: Duration,
    /// Base for links shown to people (pay-for-another, in-store QR codes).
    pub public_url: String,
}

#[derive(Clone)]
pub struct Payments {
    pub(crate) db: Database,
    providers: Arc<HashMap<ProviderKind, Arc<dyn PaymentProvider>>>,
    pub(crate) settings: Arc<PaymentSettings>,
    /// Counts rejected notifications per source; without it, each gateway counts on its own.
    kv: Kv,
}

/// Rejected (forged or broken) notifications one source may send per minute before its
/// notifications are refused unread: forgery attempts cannot fill the audit table.
pub const REJECTED_NOTIFICATIONS_PER_SOURCE: Limit = Limit::new(30, std::time::Duration::from_secs(60));

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub id: PaymentId,
    pub out_trade_no: String,
    pub provider: String,
    pub channel: String,
    /// `pending`, `paid`, `closed` or `failed`.
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    pub currency: String,
    pub checkout_id: Option<CheckoutId>,
    pub order_ids: Vec<OrderId>,
    /// Whose orders these are, and who pays (different for pay-for-another).
    pub owner_id: UserId,
    pub payer_id: UserId,
    /// What the phone needs to pay: `order_string`, `qr_code`, `url`, `code_url`, `h5_url`,
    /// `prepay_id` + `app_parameters`, or `tn`, depending on provider and channel.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub pay: serde_json::Value,
    pub created_at: chrono::DateTime<Utc>,
    pub expires_at: chrono::DateTime<Utc>,
    pub paid_at: Option<chrono::DateTime<Utc>>,
    pub closed_at: Option<chrono::DateTime<Utc>>,
    pub refunds: Vec<RefundView>,
}

impl PaymentView {
    /// The money is taken (the provider's notification arrived).
    pub fn is_paid(&self) -> bool {
        self.status == "paid"
    }

    /// Neither paid nor ended yet: the notification may still come.
    pub fn is_pending(&self) -> bool {
        self.status == "pending"
    }
}

/// Trade numbers start with the China-time `yyyyMMddHHmmss` (UnionPay queries need the original
/// transaction time), then random letters: unguessable and unique.
fn new_trade_number() -> String {
    let china_now = Utc::now().naive_utc() + chrono::Duration::hours(8);
    format!("{}{}", china_now.format("%Y%m%d%H%M%S"), random_token(12))
}

impl Payments {
    pub fn new(db: Database, providers: Vec<Arc<dyn PaymentProvider>>, settings: PaymentSettings) -> Payments {
        let providers = providers.into_iter().map(|provider| (provider.kind(), provider)).collect();
        Payments { db, providers: Arc::new(providers), settings: Arc::new(settings), kv: Kv::memory() }
    }

    /// Shares the rejected-notification counts with the other gateways through `kv`.
    pub fn with_kv(mut self, kv: Kv) -> Payments {
        self.kv = kv;
        self
    }

    /// The providers this deployment can take money through, in a stable order.
    pub fn provider_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.providers.keys().map(|kind| kind.as_str().to_string()).collect();
        names.sort();
        names
    }

    pub fn provider(&self, name: &str) -> Result<Arc<dyn PaymentProvider>, PaymentError> {
        ProviderKind::parse(name)
            .and_then(|kind| self.providers.get(&kind).cloned())
            .ok_or_else(|| PaymentError::ProviderUnavailable(name.to_string()))
    }

    fn provider_of(&self, payment: &PaymentRow) -> Result<Arc<dyn PaymentProvider>, PaymentError> {
        self.provider(&payment.provider)
    }

    /// Opens (or reuses) a trade for the unpaid orders of `checkout_id`, paid by `payer`. Only the
    /// owner may pay their own checkout this way; others go through a share code.
    pub async fn create(
        &self,
        principal: &Principal,
        checkout_id: CheckoutId,
        provider: &str,
        channel: &str,
    ) -> Result<PaymentView, PaymentError> {
        let payer = principal.user_id;
        let (owner, _) = match self.db.run(move |conn| store::payable_orders(conn, checkout_id)).await {
            Ok(found) => found,
            // The owner learns there is nothing left to pay; anyone else that there is no such checkout.
            Err(PaymentError::NothingToPay) => {
                let owner = self.db.run(move |conn| store::checkout_owner(conn, checkout_id)).await?;
                return Err(if owner == Some(payer) {
                    PaymentError::NothingToPay
                } else {
                    PaymentError::not_found("checkout")
                });
            }
            Err(other) => return Err(other),
        };
        if owner != payer {
            return Err(PaymentError::not_found("checkout"));
        }
        self.open_trade(payer, checkout_id, provider, channel).await
    }

    /// The trade itself, for any payer (callers have checked who may pay).
    pub(crate) async fn open_trade(
        &self,
        payer: UserId,
        checkout_id: CheckoutId,
        provider_name: &str,
        channel_name: &str,
    ) -> Result<PaymentView, PaymentError> {
        let provider = self.provider(provider_name)?;
        let channel = Channel::parse(channel_name)
            .ok_or_else(|| PaymentError::invalid("channel", "must be one of app, qr, h5"))?;
        let (provider_name, channel_name) = (provider.kind().as_str(), channel.as_str());
        let (owner, payable) = self.db.run(move |conn| store::payable_orders(conn, checkout_id)).await?;
        let reusable =
            self.db.run(move |conn| store::pending_for(conn, checkout_id, payer, provider_name, channel_name)).await?;
        if let Some(existing) = reusable {
            let covered = self.db.run(move |conn| store::covered_orders(conn, existing.id)).await?;
            let same_orders = covered.iter().map(|(id, _)| *id).eq(payable.iter().map(|p| p.order_id));
            if same_orders && existing.expires_at > Utc::now().naive_utc() {
                return self.view(existing).await;
            }
        }
        let placed = payable.iter().map(|p| p.placed_at).min().unwrap_or_else(|| Utc::now().naive_utc());
        let expires_at = placed + chrono::Duration::from_std(self.settings.order_payment_timeout).unwrap_or_default();
        if expires_at <= Utc::now().naive_utc() {
            return Err(PaymentError::Expired("checkout"));
        }
        let orders: Vec<(OrderId, i64)> = payable.iter().map(|p| (p.order_id, p.amount)).collect();
        let out_trade_no = new_trade_number();
        // A page channel comes back to the storefront's page for this trade, which shows how it
        // ended and leads on to the order (the notification, not this return, makes it paid).
        let return_url =
            (channel == Channel::H5).then(|| format!("{}/m/payments/{out_trade_no}", self.settings.public_url));
        let trade = NewTrade {
            out_trade_no,
            amount_fen: crate::error::trade_amount(orders.iter().map(|(_, amount)| *amount))?,
            subject: format!(
                "Bazaar 订单 {}",
                orders.iter().map(|(id, _)| format!("#{id}")).collect::<Vec<_>>().join(" ")
            ),
            channel,
            expires_at,
            return_url,
        };
        let instructions = provider.create(&trade).await?;
        let instructions = serde_json::Value::Object(instructions).to_string();
        let row = self
            .db
            .run(move |conn| {
                store::insert(
                    conn,
                    &NewPayment {
                        out_trade_no: &trade.out_trade_no,
                        checkout_id: Some(checkout_id),
                        user_id: owner,
                        payer_id: payer,
                        provider: provider_name,
                        channel: channel_name,
                        instructions: &instructions,
                        expires_at,
                        orders: &orders,
                    },
                )
            })
            .await?;
        self.close_replaced(checkout_id, row.id).await;
        self.view(row).await
    }

    /// A newer trade replaces older unpaid ones: close those so only one can take the money (if one
    /// is paid anyway, settling it refunds the money automatically).
    async fn close_replaced(&self, checkout_id: CheckoutId, newest: PaymentId) {
        let Ok(older) = self.db.run(move |conn| store::other_pending(conn, checkout_id, newest)).await else {
            return;
        };
        for payment in older {
            if let Err(err) = self.close_at_provider(&payment).await {
                tracing::warn!(payment = %payment.id, error = %err, "closing a replaced trade failed; reconciliation retries");
            }
        }
    }

    /// The payment with this trade number, for its owner or its payer (the page a provider sends a
    /// browser back to knows only the trade number).
    pub async fn by_trade_number(
        &self,
        principal: &Principal,
        out_trade_no: String,
    ) -> Result<PaymentView, PaymentError> {
        let user = principal.user_id;
        let row = self.db.run(move |conn| store::by_trade_number(conn, &out_trade_no)).await?;
        match row {
            Some(row) if row.user_id == user || row.payer_id == user => self.view(row).await,
            _ => Err(PaymentError::not_found("payment")),
        }
    }

    /// The payment, for its owner or its payer.
    pub async fn get(&self, principal: &Principal, payment_id: PaymentId) -> Result<PaymentView, PaymentError> {
        let user = principal.user_id;
        let row = self.db.run(move |conn| store::load(conn, payment_id)).await?;
        if row.user_id != user && row.payer_id != user {
            return Err(PaymentError::not_found("payment"));
        }
        self.view(row).await
    }

    pub(crate) async fn view(&self, row: PaymentRow) -> Result<PaymentView, PaymentError> {
        let id = row.id;
        let (orders, refunds) = self
            .db
            .run(move |conn| Ok::<_, PaymentError>((store::covered_orders(conn, id)?, store::refunds_of(conn, id)?)))
            .await?;
        Ok(PaymentView {
            id: row.id,
            out_trade_no: row.out_trade_no,
            provider: row.provider,
            channel: row.channel,
            status: row.status,
            amount: Money::from_minor(row.amount),
            currency: row.currency,
            checkout_id: row.checkout_id,
            order_ids: orders.into_iter().map(|(id, _)| id).collect(),
            owner_id: row.user_id,
            payer_id: row.payer_id,
            pay: serde_json::from_str(&row.instructions).unwrap_or_default(),
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.and_utc(),
            paid_at: row.paid_at.map(|at| at.and_utc()),
            closed_at: row.closed_at.map(|at| at.and_utc()),
            refunds: refunds.into_iter().map(RefundView::from).collect(),
        })
    }

    /// Handles a provider's notification: verify, check against our records, apply once, store it
    /// whatever happens, and answer in the provider's dialect.
    /// Judges a provider's notification and stores it for audit. `source` (the sender's address)
    /// is refused unread once it has sent too many rejected ones.
    pub async fn notify(
        &self,
        provider_name: &str,
        raw: RawNotification,
        source: Option<&str>,
    ) -> Result<Acknowledgement, PaymentError> {
        let provider = self.provider(provider_name)?;
        let rejections = source.map(|source| format!("rl:notify_rejected:{source}"));
        if let Some(key) = &rejections
            && self.kv.get(key).await?.and_then(|count| count.parse::<i64>().ok())
                >= Some(REJECTED_NOTIFICATIONS_PER_SOURCE.max)
        {
            let retry_after = self.kv.ttl(key).await?.unwrap_or(REJECTED_NOTIFICATIONS_PER_SOURCE.window);
            return Err(PaymentError::RateLimited { retry_after });
        }
        let audit = NotificationAudit {
            provider: provider.kind().as_str(),
            headers: crate::audit::bounded_text(serde_json::to_string(&raw.headers).unwrap_or_default().as_bytes()),
            body: crate::audit::bounded_text(&raw.body),
        };
        // An accepted notification is stored by `apply`, with what it changed, in one transaction.
        let verdict = self.judge(provider.as_ref(), &raw, audit.clone()).await?;
        let accepted = verdict.is_ok();
        if let Err((reason, out_trade_no)) = verdict {
            if let Some(key) = &rejections {
                self.kv.incr(key, 1, Some(REJECTED_NOTIFICATIONS_PER_SOURCE.window)).await?;
            }
            tracing::warn!(
                target: "security",
                provider = provider_name,
                out_trade_no = out_trade_no.as_deref().unwrap_or("-"),
                reason = %reason,
                "payment notification rejected"
            );
            self.db.run(move |conn| audit.record_rejected(conn, out_trade_no.as_deref(), &reason)).await?;
        }
        Ok(provider.acknowledge(accepted))
    }

    /// `Ok(Ok((outcome, payment)))` for a genuine notification about one of our trades,
    /// `Ok(Err((why, out_trade_no)))` for one to refuse, and `Err` when we could not decide (the
    /// database is unreachable): the provider is then told to retry, and nothing is blamed on it.
    async fn judge(
        &self,
        provider: &dyn PaymentProvider,
        raw: &RawNotification,
        audit: NotificationAudit,
    ) -> Result<Result<(&'static str, PaymentRow), (String, Option<String>)>, PaymentError> {
        let report = match provider.verify_notification(raw) {
            Ok(report) => report,
            Err(err) => return Ok(Err((err.to_string(), None))),
        };
        let (provider_name, trade) = (provider.kind().as_str(), report.out_trade_no.clone());
        let refuse = |why: String| Ok(Err((why, Some(trade.clone()))));
        let lookup = trade.clone();
        let Some(payment) = self.db.run(move |conn| store::by_trade(conn, provider_name, &lookup)).await? else {
            return refuse("unknown out_trade_no".into());
        };
        if report.amount_fen != Some(payment.amount) {
            return refuse(format!("amount {:?} fen does not match {} fen", report.amount_fen, payment.amount));
        }
        if report.currency.as_deref().is_some_and(|currency| currency != payment.currency) {
            return refuse("currency does not match".into());
        }
        let outcome = self.apply(&payment, &report, Some(audit)).await?;
        Ok(Ok((outcome, payment)))
    }

    /// Applies what the provider says about a trade (from a notification or a query); the outcome
    /// word is what the audit log records. A notification's `audit` record is stored in the same
    /// transaction as the change it caused.
    pub(crate) async fn apply(
        &self,
        payment: &PaymentRow,
        report: &TradeReport,
        audit: Option<NotificationAudit>,
    ) -> Result<&'static str, PaymentError> {
        let id = payment.id;
        let row = payment.clone();
        match report.state {
            TradeState::Paid => {
                let report = report.clone();
                match self.db.run(move |conn| store::settle(conn, &row, &report, audit.as_ref())).await? {
                    Settlement::Duplicate => Ok("duplicate"),
                    Settlement::Applied { refunds } => {
                        if !refunds.is_empty() {
                            // Reloaded: refunds reference the provider's trade number settling just stored.
                            let settled = self.db.run(move |conn| store::load(conn, id)).await?;
                            for refund in refunds {
                                self.send_refund(&settled, &refund).await;
                            }
                        }
                        Ok("applied")
                    }
                }
            }
            // A stale "not paid yet" after the money arrived changes nothing.
            TradeState::Pending => {
                if let Some(audit) = audit {
                    self.db.run(move |conn| audit.record(conn, &row, "ignored")).await?;
                }
                Ok("ignored")
            }
            TradeState::Closed | TradeState::Failed => {
                let to = if report.state == TradeState::Closed { "closed" } else { "failed" };
                self.db.run(move |conn| store::finish_unpaid_audited(conn, &row, to, audit.as_ref())).await
            }
        }
    }

    /// Sends a recorded refund to the provider; if that fails it stays `pending` and the
    /// reconciler resends it (the refund number keeps the provider from paying twice).
    pub(crate) async fn send_refund(&self, payment: &PaymentRow, refund: &RefundRow) -> bool {
        let Ok(provider) = self.provider_of(payment) else {
            return false;
        };
        let order = RefundOrder {
            out_trade_no: payment.out_trade_no.clone(),
            provider_trade_no: payment.provider_trade_no.clone(),
            out_refund_no: refund.out_refund_no.clone(),
            refund_fen: refund.amount,
            total_fen: payment.amount,
            reason: refund.reason.clone(),
        };
        match provider.refund(&order).await {
            Ok(report) if report.accepted => {
                let (refund_id, request) = (refund.id, refund.refund_request_id);
                let provider_refund_id = report.provider_refund_id;
                let outcome = self
                    .db
                    .run(move |conn| {
                        store::refund_succeeded(conn, refund_id, provider_refund_id.as_deref())?;
                        if let Some(request) = request {
                            bazaar_checkout::mark_refunded(conn, request)?;
                        }
                        Ok::<_, PaymentError>(())
                    })
                    .await;
                outcome.is_ok()
            }
            Ok(_) => false,
            Err(err) => {
                tracing::warn!(refund = %refund.out_refund_no, error = %err, "refund not accepted yet; will retry");
                false
            }
        }
    }

    pub(crate) async fn close_at_provider(&self, payment: &PaymentRow) -> Result<(), PaymentError> {
        self.provider_of(payment)?.close(&payment.out_trade_no).await?;
        let id = payment.id;
        self.db.run(move |conn| store::finish_unpaid(conn, id, "closed")).await?;
        Ok(())
    }

    /// The newest notifications with `outcome` (`rejected` for security review), at most 200.
    pub async fn notifications_with(
        &self,
        principal: &bazaar_identity::Principal,
        outcome: String,
    ) -> Result<Vec<store::StoredNotification>, PaymentError> {
        principal.require_admin().map_err(bazaar_checkout::CheckoutError::from)?;
        self.db.run(move |conn| store::notifications_with(conn, &outcome, 200)).await
    }

    /// Stored notifications of a trade, oldest first (admins).
    pub async fn notifications(
        &self,
        principal: &bazaar_identity::Principal,
        payment_id: PaymentId,
    ) -> Result<Vec<store::StoredNotification>, PaymentError> {
        principal.require_admin().map_err(bazaar_checkout::CheckoutError::from)?;
        self.db
            .run(move |conn| {
                let payment = store::load(conn, payment_id)?;
                store::notifications_for(conn, &payment.out_trade_no)
            })
            .await
    }
}

pub(crate) fn expired(at: NaiveDateTime) -> bool {
    at <= Utc::now().naive_utc()
}
