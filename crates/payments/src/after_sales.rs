//! After-sales refunds: the money of a refund request a shop approved, sent back through the
//! provider that took it, never more than the order's share of its payment less what was refunded
//! of it before.

use crate::PaymentError;
use crate::service::Payments;
use crate::store::{self, PaymentRow, RefundRow};
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, RefundRequestId};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    pub out_refund_no: String,
    pub order_id: Option<OrderId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    pub reason: String,
    /// `pending` (sent, or to be resent) or `succeeded`.
    pub status: String,
}

impl From<RefundRow> for RefundView {
    fn from(row: RefundRow) -> Self {
        RefundView {
            out_refund_no: row.out_refund_no,
            order_id: row.order_id,
            amount: Money::from_minor(row.amount),
            reason: row.reason,
            status: row.status,
        }
    }
}

impl Payments {
    /// Sends an approved refund request's money back through the provider that took it (the
    /// order's share of its payment), and returns the request as it is now. A provider that
    /// cannot be reached is retried by reconciliation, so the shop's decision stands either way.
    pub async fn send_approved_refund(
        &self,
        mut request: bazaar_checkout::RefundRequest,
    ) -> bazaar_checkout::RefundRequest {
        let reason = format!("refund request {} approved", request.id);
        match self.refund_order(request.order_id, request.id, request.amount, reason).await {
            Ok(refund) if refund.status == "succeeded" => request.status = "refunded".into(),
            Ok(_) => {}
            // Orders paid outside Bazaar's payments (none in production) have nothing to send back.
            Err(PaymentError::Refused(bazaar_core::Refusal::NotFound(_))) => {}
            Err(err) => {
                tracing::warn!(request = %request.id, error = %err, "refund not sent yet; reconciliation resends it");
            }
        }
        request
    }

    /// After-sales: the shop approved refund request `request_id` for `order_id`; send `amount`
    /// of the order's share of its payment back (all of it, or what some of its units came to),
    /// never more than the order's share less what was refunded of it before.
    pub async fn refund_order(
        &self,
        order_id: OrderId,
        request_id: RefundRequestId,
        amount: bazaar_core::Money,
        reason: String,
    ) -> Result<RefundView, PaymentError> {
        let out_refund_no = format!("RR{request_id}");
        let number = out_refund_no.clone();
        let (payment, refund) = self
            .db
            .run(move |conn| {
                bazaar_db::write_transaction(conn, |conn| {
                    let payment = paid_payment_of(conn, order_id)?;
                    if let Some(existing) = store::refund_by_number(conn, &number)? {
                        return Ok::<_, PaymentError>((payment, existing));
                    }
                    let share = store::covered_orders(conn, payment.id)?
                        .into_iter()
                        .find(|(id, _)| *id == order_id)
                        .map(|(_, amount)| amount)
                        .ok_or(PaymentError::not_found("payment"))?;
                    let refunds = store::refunds_of(conn, payment.id)?;
                    let refunded = refunds
                        .iter()
                        .try_fold(0_i64, |sum, refund| sum.checked_add(refund.amount))
                        .unwrap_or(i64::MAX);
                    let of_order: i64 =
                        refunds.iter().filter(|refund| refund.order_id == Some(order_id)).map(|r| r.amount).sum();
                    let amount = amount.to_minor();
                    if amount <= 0 || of_order.checked_add(amount).is_none_or(|after| after > share) {
                        return Err(PaymentError::RefundTooLarge { requested: amount, refundable: share - of_order });
                    }
                    if refunded.checked_add(amount).is_none_or(|after| after > payment.amount) {
                        return Err(PaymentError::RefundTooLarge {
                            requested: amount,
                            refundable: payment.amount - refunded,
                        });
                    }
                    let refund = store::insert_refund(
                        conn,
                        payment.id,
                        Some(order_id),
                        Some(request_id),
                        &number,
                        amount,
                        &reason,
                    )?;
                    Ok((payment, refund))
                })
            })
            .await?;
        self.send_refund(&payment, &refund).await;
        let number = out_refund_no;
        let row = self.db.run(move |conn| store::refund_by_number(conn, &number)).await?;
        Ok(row.map(RefundView::from).unwrap_or_else(|| refund.into()))
    }
}

/// The paid payment that covered `order_id`.
fn paid_payment_of(conn: &mut bazaar_db::DbConn, order_id: OrderId) -> Result<PaymentRow, PaymentError> {
    use bazaar_db::schema::{payment_orders, payments};
    use diesel::prelude::*;
    payments::table
        .inner_join(payment_orders::table)
        .filter(payment_orders::order_id.eq(order_id))
        .filter(payments::status.eq("paid"))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PaymentError::not_found("payment"))
}
