//! The sandbox providers' books: trades by merchant trade number, what a phone can scan or open
//! to reach each, refunds by refund number, and the notifications sent.

use crate::notify::Delivery;
use bazaar_payments::ProviderKind;
use bazaar_payments::crypto::random_token;
use chrono::NaiveDateTime;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Waiting,
    Paid,
    Closed,
    /// The payer's payment failed (declined in the wallet).
    Failed,
}

#[derive(Debug, Clone)]
pub struct Trade {
    pub provider: ProviderKind,
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub subject: String,
    pub notify_url: String,
    /// `app`, `native`, `h5`, `jsapi`, `qr`, ...
    pub kind: String,
    pub stage: Stage,
    /// The provider's own trade number (Alipay trade_no, WeChat transaction_id, UnionPay queryId).
    pub provider_trade_no: String,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub refunded_fen: i64,
    /// UnionPay's original transaction time, echoed in answers.
    pub txn_time: String,
    /// Where the cashier sends the browser back (Alipay's signed `return_url`, UnionPay's
    /// `frontUrl`); WeChat Pay's comes on the cashier link itself as `redirect_url`.
    pub return_url: Option<String>,
}

impl Trade {
    pub fn new(provider: ProviderKind, out_trade_no: &str, amount_fen: i64, notify_url: &str, kind: &str) -> Trade {
        let now = chrono::Utc::now().naive_utc();
        let china = (now + chrono::Duration::hours(8)).format("%Y%m%d").to_string();
        Trade {
            provider,
            out_trade_no: out_trade_no.to_string(),
            amount_fen,
            subject: String::new(),
            notify_url: notify_url.to_string(),
            kind: kind.to_string(),
            stage: Stage::Waiting,
            provider_trade_no: format!("{china}{}", random_token(16).to_uppercase()),
            created_at: now,
            paid_at: None,
            expires_at: None,
            refunded_fen: 0,
            txn_time: String::new(),
            return_url: None,
        }
    }

    pub fn expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= chrono::Utc::now().naive_utc())
    }
}

#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub refund_id: String,
    pub amount_fen: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Default)]
pub struct SandboxState {
    pub(crate) trades: HashMap<(ProviderKind, String), Trade>,
    /// QR contents, prepay ids, code URLs, page tokens and `tn`s → the trade they pay.
    pub(crate) references: HashMap<String, (ProviderKind, String)>,
    pub(crate) refunds: HashMap<(ProviderKind, String), RefundRecord>,
    pub(crate) deliveries: Vec<Delivery>,
}

impl SandboxState {
    pub fn trade(&self, provider: ProviderKind, out_trade_no: &str) -> Option<&Trade> {
        self.trades.get(&(provider, out_trade_no.to_string()))
    }

    pub(crate) fn trade_mut(&mut self, provider: ProviderKind, out_trade_no: &str) -> Option<&mut Trade> {
        self.trades.get_mut(&(provider, out_trade_no.to_string()))
    }

    /// Opens a trade, or returns the existing one with the same number (a merchant retrying).
    pub(crate) fn open(&mut self, trade: Trade, reference: Option<String>) -> &Trade {
        let key = (trade.provider, trade.out_trade_no.clone());
        self.trades.entry(key.clone()).or_insert(trade);
        if let Some(reference) = reference {
            self.references.entry(reference).or_insert(key.clone());
        }
        &self.trades[&key]
    }

    pub(crate) fn add_reference(&mut self, reference: String, provider: ProviderKind, out_trade_no: &str) {
        self.references.insert(reference, (provider, out_trade_no.to_string()));
    }

    /// Refunds once per refund number; `Err` with the reason when the trade cannot refund that much.
    pub(crate) fn refund(
        &mut self,
        provider: ProviderKind,
        out_trade_no: &str,
        out_refund_no: &str,
        amount_fen: i64,
    ) -> Result<(RefundRecord, bool), &'static str> {
        if let Some(existing) = self.refunds.get(&(provider, out_refund_no.to_string())) {
            return Ok((existing.clone(), false));
        }
        let trade = self.trade_mut(provider, out_trade_no).ok_or("TRADE_NOT_EXIST")?;
        if trade.stage != Stage::Paid {
            return Err("TRADE_STATUS_ERROR");
        }
        if amount_fen <= 0 || trade.refunded_fen + amount_fen > trade.amount_fen {
            return Err("REFUND_AMOUNT_EXCEEDS");
        }
        trade.refunded_fen += amount_fen;
        let record = RefundRecord {
            refund_id: format!("50{}", random_token(20).to_uppercase()),
            amount_fen,
            created_at: chrono::Utc::now().naive_utc(),
        };
        self.refunds.insert((provider, out_refund_no.to_string()), record.clone());
        Ok((record, true))
    }
}
