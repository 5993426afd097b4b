//! The one interface every payment provider adapter implements, and the normalised values that
//! cross it. Amounts are integer fen (分) everywhere; adapters convert at the wire.

use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProviderKind {
    Alipay,
    Wechatpay,
    Unionpay,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [ProviderKind::Alipay, ProviderKind::Wechatpay, ProviderKind::Unionpay];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Alipay => "alipay",
            ProviderKind::Wechatpay => "wechatpay",
            ProviderKind::Unionpay => "unionpay",
        }
    }

    pub fn parse(raw: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// How the phone pays: in the provider's app, by scanning a QR code face to face, or in a mobile
/// web page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    App,
    Qr,
    H5,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Qr => "qr",
            Channel::H5 => "h5",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        [Channel::App, Channel::Qr, Channel::H5].into_iter().find(|channel| channel.as_str() == raw)
    }
}

/// A trade to open at the provider.
#[derive(Debug, Clone)]
pub struct NewTrade {
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub subject: String,
    pub channel: Channel,
    /// Unix seconds after which the provider should refuse to take the money.
    pub expires_at: chrono::NaiveDateTime,
    /// Where the provider's page sends the browser back once the buyer is done (page channels):
    /// Alipay's `return_url`, WeChat Pay's `redirect_url`, UnionPay's `frontUrl`.
    pub return_url: Option<String>,
}

/// What the phone needs to pay: an Alipay order string, a QR code's content, a page URL, a
/// WeChat prepay id with the signed parameters for the app SDK, or a UnionPay `tn`.
pub type PayInstructions = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeState {
    /// Not paid (yet); the buyer may still pay.
    Pending,
    Paid,
    /// Closed unpaid (by us, by timeout, or the buyer's payment failed).
    Closed,
    /// The provider refused the payment; a new attempt needs a new trade.
    Failed,
}

/// A trade as the provider reports it (query results and verified notifications alike).
#[derive(Debug, Clone)]
pub struct TradeReport {
    pub out_trade_no: String,
    pub state: TradeState,
    pub provider_trade_no: Option<String>,
    pub amount_fen: Option<i64>,
    pub currency: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RefundOrder {
    pub out_trade_no: String,
    /// The provider's own number for the paid trade (UnionPay refunds reference it).
    pub provider_trade_no: Option<String>,
    /// Our refund request number: the provider refunds once per number however often it is sent.
    pub out_refund_no: String,
    pub refund_fen: i64,
    pub total_fen: i64,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct RefundReport {
    pub provider_refund_id: Option<String>,
    /// The money has left (or will surely leave) the merchant account.
    pub accepted: bool,
}

/// A notification as it reached us: the exact headers and body bytes (WeChat signs the raw body).
#[derive(Debug, Clone)]
pub struct RawNotification {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawNotification {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// How to answer the provider, in its own dialect.
#[derive(Debug, Clone)]
pub struct Acknowledgement {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider answered but the answer's signature does not verify: never trust it.
    #[error("the provider's answer failed signature verification")]
    BadResponseSignature,
    #[error("the provider refused: {code}: {message}")]
    Refused { code: String, message: String },
    #[error("the provider's answer is not in the expected shape: {0}")]
    Malformed(String),
    /// A notification that is not genuine or not for this merchant: a security event.
    #[error("rejected notification: {0}")]
    Rejected(String),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// One payment provider, as Bazaar uses it. Adapters speak the provider's real wire protocol, so
/// pointing one at the real service is a configuration change.
pub trait PaymentProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    /// Opens a trade; the answer is what the phone needs to pay it.
    fn create<'a>(&'a self, trade: &'a NewTrade) -> ProviderFuture<'a, PayInstructions>;
    fn query<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, TradeReport>;
    /// Closes an unpaid trade so it can no longer be paid.
    fn close<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, ()>;
    /// Full or partial refund, idempotent by `out_refund_no`.
    fn refund<'a>(&'a self, refund: &'a RefundOrder) -> ProviderFuture<'a, RefundReport>;
    /// Verifies (signature, our merchant id, decryption) and normalises a notification.
    fn verify_notification(&self, raw: &RawNotification) -> Result<TradeReport, ProviderError>;
    fn acknowledge(&self, accepted: bool) -> Acknowledgement;
}

/// `12.34` → 1234 fen; `None` for anything that is not a non-negative amount with at most two
/// decimals.
pub fn yuan_to_fen(yuan: &str) -> Option<i64> {
    bazaar_core::Money::parse_str(yuan).ok().map(bazaar_core::Money::to_minor).filter(|fen| *fen >= 0)
}

pub fn fen_to_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_and_fen() {
        assert_eq!(yuan_to_fen("12.34"), Some(1234));
        assert_eq!(yuan_to_fen("12.3"), Some(1230));
        assert_eq!(yuan_to_fen("12"), Some(1200));
        assert_eq!(yuan_to_fen("0.01"), Some(1));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("-1"), None);
        assert_eq!(yuan_to_fen(".5"), None);
        assert_eq!(fen_to_yuan(1234), "12.34");
        assert_eq!(fen_to_yuan(5), "0.05");
    }
}
