//! The gateway's periodic work: order deadlines and payment reconciliation. Every gateway runs
//! both; each change they make is conditional in the database, so an order or a payment moves
//! once however many gateways race for it.

use bazaar_checkout::Orders;
use bazaar_payments::Payments;
use std::future::Future;
use std::time::Duration;

/// Runs `round` every `period`, forever. A round that overruns delays the next one instead of
/// bunching the missed ticks together (a slow database should not be hit twice in a row).
pub async fn every<F, Fut>(period: Duration, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        round().await;
    }
}

/// One round's outcome in the log: what it moved, or why it failed. The next tick tries again,
/// so a failure is a warning.
fn log_round<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    outcome: Result<T, E>,
    moved_nothing: impl Fn(&T) -> bool,
) {
    match outcome {
        Ok(moved) if moved_nothing(&moved) => {}
        Ok(moved) => tracing::info!(?moved, "{what}"),
        Err(err) => tracing::warn!(error = %err, "{what}: failed; retrying next tick"),
    }
}

/// How long an order may wait at each step before the sweep moves it on.
#[derive(Debug, Clone, Copy)]
pub struct OrderDeadlines {
    pub payment_timeout: Duration,
    pub auto_receive: Duration,
    pub complete_after: Duration,
}

/// Cancels orders left unpaid past their time (releasing their stock), confirms receipt of orders
/// shipped long ago, and completes orders past their after-sales window.
pub async fn sweep_orders(orders: Orders, deadlines: OrderDeadlines, period: Duration) {
    every(period, || async {
        let moved = |count: &usize| *count == 0;
        log_round("cancelled unpaid orders", orders.expire_unpaid(deadlines.payment_timeout).await, moved);
        log_round("confirmed receipt of long-shipped orders", orders.auto_receive(deadlines.auto_receive).await, moved);
        log_round(
            "completed orders past their after-sales window",
            orders.complete_settled(deadlines.complete_after).await,
            moved,
        );
    })
    .await
}

/// Asks the providers about payments whose outcome the gateway has not heard.
pub async fn reconcile_payments(payments: Payments, period: Duration) {
    every(period, || async {
        log_round("payments reconciled", payments.reconcile_once().await, |report| *report == Default::default());
    })
    .await
}
