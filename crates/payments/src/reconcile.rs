//! Reconciliation: notifications get lost, so trades that stay quiet are asked about, trades that
//! can no longer be paid are closed at the provider (after one last query: money that arrived is
//! recorded and, the orders being gone, refunded), and refunds the provider has not accepted yet are
//! resent. Every gateway runs it; conditional updates make each change happen once.

use crate::PaymentError;
use crate::provider::TradeState;
use crate::service::Payments;
use crate::store;
use serde::Serialize;

const BATCH: i64 = 100;

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct ReconcileReport {
    pub queried: usize,
    pub settled_by_query: usize,
    pub closed: usize,
    pub refunds_resent: usize,
}

impl Payments {
    /// One pass; `Err` only when the database is unreachable (provider failures are retried next
    /// pass).
    pub async fn reconcile_once(&self) -> Result<ReconcileReport, PaymentError> {
        let mut report = ReconcileReport::default();
        let quiet_for = chrono::Duration::from_std(self.settings.query_after).unwrap_or_default();
        let quiet = self.db.run(move |conn| store::due_for_query(conn, quiet_for, BATCH)).await?;
        for payment in quiet {
            report.queried += 1;
            let id = payment.id;
            self.db.run(move |conn| store::mark_queried(conn, id)).await?;
            let Ok(provider) = self.provider(&payment.provider) else { continue };
            match provider.query(&payment.out_trade_no).await {
                Ok(trade) if trade.amount_fen.is_none_or(|amount| amount == payment.amount) => {
                    if self.apply(&payment, &trade, None).await? == "applied" {
                        report.settled_by_query += 1;
                    }
                }
                Ok(trade) => tracing::warn!(
                    target: "security",
                    payment = %payment.id,
                    reported = ?trade.amount_fen,
                    "provider reports a different amount for our trade; left for review"
                ),
                Err(err) => tracing::warn!(payment = %payment.id, error = %err, "trade query failed; retrying later"),
            }
        }
        let unpayable = self.db.run(move |conn| store::due_for_close(conn, BATCH)).await?;
        for payment in unpayable {
            let Ok(provider) = self.provider(&payment.provider) else { continue };
            // Last look before closing: a payment that went through must be recorded (and refunded).
            match provider.query(&payment.out_trade_no).await {
                Ok(trade) if trade.state == TradeState::Paid && trade.amount_fen == Some(payment.amount) => {
                    self.apply(&payment, &trade, None).await?;
                    report.settled_by_query += 1;
                    continue;
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(payment = %payment.id, error = %err, "query before close failed; retrying later");
                    continue;
                }
            }
            match self.close_at_provider(&payment).await {
                Ok(()) => report.closed += 1,
                Err(err) => {
                    tracing::warn!(payment = %payment.id, error = %err, "closing the trade failed; retrying later")
                }
            }
        }
        let unsent = self.db.run(move |conn| store::unsent_refunds(conn, BATCH)).await?;
        for refund in unsent {
            let payment_id = refund.payment_id;
            let payment = self.db.run(move |conn| store::load(conn, payment_id)).await?;
            if self.send_refund(&payment, &refund).await {
                report.refunds_resent += 1;
            }
        }
        Ok(report)
    }
}
