//! The payments crate's one error type; the gateway maps it to problem+json once.

use crate::provider::ProviderError;
use bazaar_checkout::CheckoutError;
use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
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
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PaymentError {
    fn from(err: diesel::result::Error) -> Self {
        PaymentError::Db(err.into())
    }
}

impl PaymentError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> PaymentError {
        PaymentError::Invalid { field, message: message.into() }
    }
}
