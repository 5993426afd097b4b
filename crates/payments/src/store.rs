//! Payment rows: trades, the orders each pays, refunds and every notification received. Every
//! state change is a conditional update, so several gateways (notify handlers, reconcilers) can
//! race for the same payment and it still moves once.

use crate::PaymentError;
use crate::provider::TradeReport;
use bazaar_core::ids::{CheckoutId, OrderId, PaymentId, PaymentRefundId, RefundRequestId, UserId};
use bazaar_db::schema::{payment_notifications, payment_orders, payment_refunds, payments};
use bazaar_db::{DbConn, write_transaction};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub out_trade_no: String,
    pub checkout_id: Option<CheckoutId>,
    pub user_id: UserId,
    pub payer_id: UserId,
    pub provider: String,
    pub channel: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub provider_trade_no: Option<String>,
    pub instructions: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
}

pub struct NewPayment<'a> {
    pub out_trade_no: &'a str,
    pub checkout_id: Option<CheckoutId>,
    pub user_id: UserId,
    pub payer_id: UserId,
    pub provider: &'a str,
    pub channel: &'a str,
    pub instructions: &'a str,
    pub expires_at: NaiveDateTime,
    /// (order id, amount) pairs this trade pays.
    pub orders: &'a [(OrderId, i64)],
}

/// An unpaid order a payment can cover: id, amount, when it was placed.
pub struct Payable {
    pub order_id: OrderId,
    pub amount: i64,
    pub placed_at: NaiveDateTime,
}

pub fn payable_orders(conn: &mut DbConn, checkout_id: CheckoutId) -> Result<(UserId, Vec<Payable>), PaymentError> {
    let orders = bazaar_checkout::payable_orders(conn, checkout_id)?;
    let owner = match orders.first() {
        Some(order) => order.buyer,
        None => return Err(PaymentError::NothingToPay),
    };
    let payable = orders.into_iter().map(|order| Payable {
        order_id: order.order_id,
        amount: order.total.to_minor(),
        placed_at: order.placed_at,
    });
    Ok((owner, payable.collect()))
}

pub fn checkout_owner(conn: &mut DbConn, checkout_id: CheckoutId) -> Result<Option<UserId>, PaymentError> {
    Ok(bazaar_checkout::checkout_buyer(conn, checkout_id)?)
}

pub fn insert(conn: &mut DbConn, new: &NewPayment<'_>) -> Result<PaymentRow, PaymentError> {
    write_transaction(conn, |conn| {
        let amount = crate::error::trade_amount(new.orders.iter().map(|(_, amount)| *amount))?;
        let id: PaymentId = diesel::insert_into(payments::table)
            .values((
                payments::out_trade_no.eq(new.out_trade_no),
                payments::checkout_id.eq(new.checkout_id),
                payments::user_id.eq(new.user_id),
                payments::payer_id.eq(new.payer_id),
                payments::provider.eq(new.provider),
                payments::channel.eq(new.channel),
                payments::amount.eq(amount),
                payments::currency.eq("CNY"),
                payments::status.eq("pending"),
                payments::instructions.eq(new.instructions),
                payments::created_at.eq(Utc::now().naive_utc()),
                payments::expires_at.eq(new.expires_at),
            ))
            .returning(payments::id)
            .get_result(conn)?;
        for (order_id, amount) in new.orders {
            diesel::insert_into(payment_orders::table)
                .values((
                    payment_orders::payment_id.eq(id),
                    payment_orders::order_id.eq(order_id),
                    payment_orders::amount.eq(amount),
                ))
                .execute(conn)?;
        }
        load(conn, id)
    })
}

pub fn load(conn: &mut DbConn, id: PaymentId) -> Result<PaymentRow, PaymentError> {
    payments::table
        .find(id)
        .select(PaymentRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(PaymentError::not_found("payment"))
}

pub fn by_trade_number(conn: &mut DbConn, out_trade_no: &str) -> Result<Option<PaymentRow>, PaymentError> {
    Ok(payments::table
        .filter(payments::out_trade_no.eq(out_trade_no))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_trade(conn: &mut DbConn, provider: &str, out_trade_no: &str) -> Result<Option<PaymentRow>, PaymentError> {
    Ok(payments::table
        .filter(payments::out_trade_no.eq(out_trade_no))
        .filter(payments::provider.eq(provider))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The reusable pending trade for the same checkout, payer, provider and channel, if any.
pub fn pending_for(
    conn: &mut DbConn,
    checkout_id: CheckoutId,
    payer_id: UserId,
    provider: &str,
    channel: &str,
) -> Result<Option<PaymentRow>, PaymentError> {
    Ok(payments::table
        .filter(payments::checkout_id.eq(checkout_id))
        .filter(payments::payer_id.eq(payer_id))
        .filter(payments::provider.eq(provider))
        .filter(payments::channel.eq(channel))
        .filter(payments::status.eq("pending"))
        .order(payments::id.desc())
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Other pending trades of a checkout (to close once a new one replaces them).
pub fn other_pending(
    conn: &mut DbConn,
    checkout_id: CheckoutId,
    except: PaymentId,
) -> Result<Vec<PaymentRow>, PaymentError> {
    Ok(payments::table
        .filter(payments::checkout_id.eq(checkout_id))
        .filter(payments::status.eq("pending"))
        .filter(payments::id.ne(except))
        .select(PaymentRow::as_select())
        .load(conn)?)
}

pub fn covered_orders(conn: &mut DbConn, payment_id: PaymentId) -> Result<Vec<(OrderId, i64)>, PaymentError> {
    Ok(payment_orders::table
        .filter(payment_orders::payment_id.eq(payment_id))
        .order(payment_orders::order_id.asc())
        .select((payment_orders::order_id, payment_orders::amount))
        .load(conn)?)
}

/// A refund to send (and resend until the provider accepts it).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_refunds)]
pub struct RefundRow {
    pub id: PaymentRefundId,
    pub payment_id: PaymentId,
    pub order_id: Option<OrderId>,
    pub refund_request_id: Option<RefundRequestId>,
    pub out_refund_no: String,
    pub amount: i64,
    pub reason: String,
    pub status: String,
}

/// What applying a "paid" report did.
pub enum Settlement {
    /// First time: the orders are paid; money for orders that could no longer take it must go back.
    Applied { refunds: Vec<RefundRow> },
    /// Already known: nothing changed.
    Duplicate,
}

/// A provider's notification as received, stored for audit in the same transaction as what it
/// changed, so a crash can never leave a settled trade without the notification that settled it.
#[derive(Debug, Clone)]
pub struct NotificationAudit {
    pub provider: &'static str,
    pub headers: String,
    pub body: String,
}

impl NotificationAudit {
    /// A notification about one of our trades, with what it changed (`applied`, `ignored`…).
    pub fn record(&self, conn: &mut DbConn, payment: &PaymentRow, outcome: &str) -> Result<(), PaymentError> {
        self.insert(conn, Some(&payment.out_trade_no), Some(payment.id), outcome, "")
    }

    /// A notification refused (unverifiable, unknown trade, wrong amount), with why.
    pub fn record_rejected(
        &self,
        conn: &mut DbConn,
        out_trade_no: Option<&str>,
        why: &str,
    ) -> Result<(), PaymentError> {
        self.insert(conn, out_trade_no, None, "rejected", why)
    }

    fn insert(
        &self,
        conn: &mut DbConn,
        out_trade_no: Option<&str>,
        payment_id: Option<PaymentId>,
        outcome: &str,
        detail: &str,
    ) -> Result<(), PaymentError> {
        diesel::insert_into(payment_notifications::table)
            .values((
                payment_notifications::provider.eq(self.provider),
                payment_notifications::out_trade_no.eq(out_trade_no),
                payment_notifications::payment_id.eq(payment_id),
                payment_notifications::headers.eq(&self.headers),
                payment_notifications::body.eq(&self.body),
                payment_notifications::outcome.eq(outcome),
                payment_notifications::detail.eq(detail),
                payment_notifications::received_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// Marks a pending trade closed or failed (`to`), recording `audit` with the outcome alongside.
pub fn finish_unpaid_audited(
    conn: &mut DbConn,
    payment: &PaymentRow,
    to: &'static str,
    audit: Option<&NotificationAudit>,
) -> Result<&'static str, PaymentError> {
    write_transaction(conn, |conn| {
        let outcome = if finish_unpaid(conn, payment.id, to)? { to } else { "ignored" };
        if let Some(audit) = audit {
            audit.record(conn, payment, outcome)?;
        }
        Ok(outcome)
    })
}

/// Records the money as received and pays the covered orders, in one transaction. Orders already
/// cancelled (payment timeout) or paid by another trade get an automatic refund row instead,
/// inserted here so it is never lost; the caller sends it.
pub fn settle(
    conn: &mut DbConn,
    payment: &PaymentRow,
    report: &TradeReport,
    audit: Option<&NotificationAudit>,
) -> Result<Settlement, PaymentError> {
    write_transaction(conn, |conn| {
        let settlement = settle_in(conn, payment, report)?;
        if let Some(audit) = audit {
            let outcome = if matches!(settlement, Settlement::Duplicate) { "duplicate" } else { "applied" };
            audit.record(conn, payment, outcome)?;
        }
        Ok(settlement)
    })
}

fn settle_in(conn: &mut DbConn, payment: &PaymentRow, report: &TradeReport) -> Result<Settlement, PaymentError> {
    {
        let now = Utc::now().naive_utc();
        // A closed or failed trade that the provider says was paid anyway still holds our money.
        let moved = diesel::update(
            payments::table.find(payment.id).filter(payments::status.eq_any(["pending", "closed", "failed"])),
        )
        .set((
            payments::status.eq("paid"),
            payments::provider_trade_no.eq(&report.provider_trade_no),
            payments::paid_at.eq(now),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Ok(Settlement::Duplicate);
        }
        let reference = format!("{} {}", payment.provider, payment.out_trade_no);
        let payer = Some(payment.payer_id);
        let mut refunds = Vec::new();
        for (order_id, amount) in covered_orders(conn, payment.id)? {
            let why = match bazaar_checkout::record_payment(conn, order_id, &reference, payer) {
                Ok(true) => continue,
                Ok(false) => "the order was already paid by another payment",
                Err(bazaar_checkout::CheckoutError::InvalidTransition { .. }) => {
                    "the order was cancelled before the payment arrived"
                }
                Err(err) => return Err(err.into()),
            };
            tracing::warn!(
                payment = %payment.id,
                %order_id,
                why,
                "payment arrived for an order that cannot take it; refunding"
            );
            let out_refund_no = format!("AUTO{}O{order_id}", payment.id);
            refunds.push(insert_refund(conn, payment.id, Some(order_id), None, &out_refund_no, amount, why)?);
        }
        Ok(Settlement::Applied { refunds })
    }
}

pub fn insert_refund(
    conn: &mut DbConn,
    payment_id: PaymentId,
    order_id: Option<OrderId>,
    refund_request_id: Option<RefundRequestId>,
    out_refund_no: &str,
    amount: i64,
    reason: &str,
) -> Result<RefundRow, PaymentError> {
    let id: PaymentRefundId = diesel::insert_into(payment_refunds::table)
        .values((
            payment_refunds::payment_id.eq(payment_id),
            payment_refunds::order_id.eq(order_id),
            payment_refunds::refund_request_id.eq(refund_request_id),
            payment_refunds::out_refund_no.eq(out_refund_no),
            payment_refunds::amount.eq(amount),
            payment_refunds::reason.eq(reason),
            payment_refunds::status.eq("pending"),
            payment_refunds::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(payment_refunds::id)
        .get_result(conn)?;
    Ok(payment_refunds::table.find(id).select(RefundRow::as_select()).get_result(conn)?)
}

pub fn refund_by_number(conn: &mut DbConn, out_refund_no: &str) -> Result<Option<RefundRow>, PaymentError> {
    Ok(payment_refunds::table
        .filter(payment_refunds::out_refund_no.eq(out_refund_no))
        .select(RefundRow::as_select())
        .first(conn)
        .optional()?)
}

/// Refunds not yet accepted by the provider (to resend; the refund number keeps it once).
pub fn unsent_refunds(conn: &mut DbConn, limit: i64) -> Result<Vec<RefundRow>, PaymentError> {
    Ok(payment_refunds::table
        .filter(payment_refunds::status.eq("pending"))
        .order(payment_refunds::id.asc())
        .limit(limit)
        .select(RefundRow::as_select())
        .load(conn)?)
}

/// Refunds of a payment, newest first.
pub fn refunds_of(conn: &mut DbConn, payment_id: PaymentId) -> Result<Vec<RefundRow>, PaymentError> {
    Ok(payment_refunds::table
        .filter(payment_refunds::payment_id.eq(payment_id))
        .order(payment_refunds::id.desc())
        .select(RefundRow::as_select())
        .load(conn)?)
}

/// Marks a refund as accepted by the provider; true the first time.
pub fn refund_succeeded(
    conn: &mut DbConn,
    refund_id: PaymentRefundId,
    provider_refund_id: Option<&str>,
) -> Result<bool, PaymentError> {
    let moved = diesel::update(payment_refunds::table.find(refund_id).filter(payment_refunds::status.eq("pending")))
        .set((
            payment_refunds::status.eq("succeeded"),
            payment_refunds::provider_refund_id.eq(provider_refund_id),
            payment_refunds::completed_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(moved == 1)
}

/// Moves a payment from `pending` to `to` (closed, failed); true if it moved.
pub fn finish_unpaid(conn: &mut DbConn, payment_id: PaymentId, to: &str) -> Result<bool, PaymentError> {
    let moved = diesel::update(payments::table.find(payment_id).filter(payments::status.eq("pending")))
        .set((payments::status.eq(to), payments::closed_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    Ok(moved == 1)
}

pub fn mark_queried(conn: &mut DbConn, payment_id: PaymentId) -> Result<(), PaymentError> {
    diesel::update(payments::table.find(payment_id))
        .set(payments::queried_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
    Ok(())
}

/// Pending payments to ask the provider about: old enough that a notification should have come,
/// and not asked recently.
pub fn due_for_query(
    conn: &mut DbConn,
    quiet_for: chrono::Duration,
    limit: i64,
) -> Result<Vec<PaymentRow>, PaymentError> {
    let cutoff = Utc::now().naive_utc() - quiet_for;
    Ok(payments::table
        .filter(payments::status.eq("pending"))
        .filter(payments::created_at.lt(cutoff))
        .filter(payments::queried_at.is_null().or(payments::queried_at.lt(cutoff)))
        .order(payments::created_at.asc())
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(conn)?)
}

/// Pending payments that can no longer be paid: past their deadline, or every order they cover is
/// no longer waiting for payment (cancelled by timeout or by the buyer). Which orders still wait
/// is checkout's to say, so the unexpired candidates are asked about in one call.
pub fn due_for_close(conn: &mut DbConn, limit: i64) -> Result<Vec<PaymentRow>, PaymentError> {
    let now = Utc::now().naive_utc();
    let pending = || payments::table.filter(payments::status.eq("pending")).order(payments::created_at.asc());
    let mut due: Vec<PaymentRow> =
        pending().filter(payments::expires_at.lt(now)).limit(limit).select(PaymentRow::as_select()).load(conn)?;
    // Unexpired trades live minutes, so their number is small; the bound keeps one round cheap.
    let unexpired: Vec<PaymentRow> = pending()
        .filter(payments::expires_at.ge(now))
        .limit(UNEXPIRED_CHECKED_PER_ROUND)
        .select(PaymentRow::as_select())
        .load(conn)?;
    let ids: Vec<PaymentId> = unexpired.iter().map(|payment| payment.id).collect();
    let covered: Vec<(PaymentId, OrderId)> = payment_orders::table
        .filter(payment_orders::payment_id.eq_any(&ids))
        .select((payment_orders::payment_id, payment_orders::order_id))
        .load(conn)?;
    let order_ids: Vec<OrderId> = covered.iter().map(|(_, order)| *order).collect();
    let payable: std::collections::HashSet<OrderId> =
        bazaar_checkout::still_payable(conn, &order_ids)?.into_iter().collect();
    let alive: std::collections::HashSet<PaymentId> =
        covered.iter().filter(|(_, order)| payable.contains(order)).map(|(payment, _)| *payment).collect();
    let room = usize::try_from(limit).unwrap_or(0).saturating_sub(due.len());
    due.extend(unexpired.into_iter().filter(|payment| !alive.contains(&payment.id)).take(room));
    Ok(due)
}

/// How many unexpired pending trades one reconciliation round checks for orders gone unpayable.
const UNEXPIRED_CHECKED_PER_ROUND: i64 = 1_000;

/// A stored notification, for audit views.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = payment_notifications)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredNotification {
    pub id: i64,
    pub provider: String,
    pub out_trade_no: Option<String>,
    pub outcome: String,
    pub detail: String,
    pub body: String,
    pub received_at: NaiveDateTime,
}

pub fn notifications_for(conn: &mut DbConn, out_trade_no: &str) -> Result<Vec<StoredNotification>, PaymentError> {
    Ok(payment_notifications::table
        .filter(payment_notifications::out_trade_no.eq(out_trade_no))
        .order(payment_notifications::id.asc())
        .select(StoredNotification::as_select())
        .load(conn)?)
}

/// The newest notifications with `outcome` (security review of rejected ones).
pub fn notifications_with(
    conn: &mut DbConn,
    outcome: &str,
    limit: i64,
) -> Result<Vec<StoredNotification>, PaymentError> {
    Ok(payment_notifications::table
        .filter(payment_notifications::outcome.eq(outcome))
        .order(payment_notifications::id.desc())
        .limit(limit)
        .select(StoredNotification::as_select())
        .load(conn)?)
}
