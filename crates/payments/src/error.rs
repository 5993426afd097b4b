//! The payments crate's one error type; the gateway maps it to problem+json once.

use crate::provider::ProviderError;
use bazaar_checkout::CheckoutError;
use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// One of the everyday refusals (invalid field, not found, forbidden, conflict).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A provider that is not configured on this deployment.
    #[error("payment provider {0} is not available")]
    ProviderUnavailable(String),
    #[error("nothing to pay: the checkout has no order waiting for payment")]
    NothingToPay,
    #[error("this {0} has expired")]
    Expired(&'static str),
    #[error("the payment is {current}; cannot {wanted}")]
    InvalidState { current: String, wanted: &'static str },
    #[error("refund of {requested} fen exceeds the {refundable} fen still refundable")]
    RefundTooLarge { requested: i64, refundable: i64 },
    #[error("too many rejected notifications from this source; try again later")]
    RateLimited { retry_after: std::time::Duration },
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    /// Identity refused or failed (a user that vanished, say): it keeps its kind.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] bazaar_kv::KvError),
}

/// The amount of a trade covering orders of these amounts (fen): their exact sum, which must be
/// more than zero. Orders are already bounded by checkout's ceilings; this refuses instead of
/// wrapping whatever reaches it.
pub(crate) fn trade_amount(amounts: impl IntoIterator<Item = i64>) -> Result<i64, PaymentError> {
    let sum = amounts.into_iter().try_fold(0_i64, i64::checked_add);
    match sum {
        Some(fen) if fen > 0 => Ok(fen),
        Some(_) => Err(PaymentError::NothingToPay),
        None => Err(PaymentError::invalid("amount", "the orders' amounts do not add up to a payable sum")),
    }
}

bazaar_db::errors_from_below!(PaymentError { Identity: bazaar_identity::IdentityError });

bazaar_core::refusal_constructors!(PaymentError);

impl Classify for PaymentError {
    fn classify(&self) -> Failure<'_> {
        let detail = self.to_string();
        let refused = match self {
            PaymentError::Refused(refusal) => refusal.clone(),
            PaymentError::ProviderUnavailable(_) => {
                Refusal::Invalid { field: "provider".into(), code: "provider_unavailable", message: detail }
            }
            PaymentError::NothingToPay => Refusal::conflict("nothing_to_pay", detail),
            PaymentError::Expired(_) => Refusal::Gone { code: "expired", message: detail },
            PaymentError::InvalidState { current, .. } => {
                Refusal::conflict("invalid_payment_state", detail).with("current", current.as_str())
            }
            PaymentError::RefundTooLarge { refundable, .. } => {
                Refusal::conflict("refund_too_large", detail).with("refundable_fen", *refundable)
            }
            PaymentError::RateLimited { retry_after } => Refusal::rate_limited(detail, *retry_after),
            // The provider's own refusal is worth passing on; its transport trouble is ours to retry.
            PaymentError::Provider(ProviderError::Refused { code, message }) => {
                return Failure::Upstream {
                    code: "provider_refused",
                    message: format!("{code}: {message}"),
                    extra: vec![("provider_code", code.as_str().into())],
                };
            }
            PaymentError::Provider(provider) => {
                tracing::warn!(error = %provider, "payment provider call failed");
                return Failure::Upstream { code: "provider_unavailable", message: detail, extra: Vec::new() };
            }
            PaymentError::Checkout(checkout) => return checkout.classify(),
            PaymentError::Identity(identity) => return identity.classify(),
            PaymentError::Db(db) => return db.classify(),
            PaymentError::Kv(kv) => return kv.classify(),
        };
        Failure::Refused(refused)
    }
}
