//! UnionPay online (ACP 5.1.0) adapter: form requests and answers signed with `signMethod=01`
//! (SHA-256 hex of the sorted `k=v&…` string, then SHA256withRSA over that hex, base64). Consume
//! returns a `tn` for the phone; the back notification (`backUrl`) is a signed form POST; query and
//! refund take the same shape. There is no close for an unpaid trade: its `payTimeout` ends it.

use crate::crypto::{PrivateKey, PublicKey};
use crate::provider::{
    Acknowledgement, Channel, NewTrade, PayInstructions, PaymentProvider, ProviderError, ProviderFuture, ProviderKind,
    RawNotification, RefundOrder, RefundReport, TradeReport, TradeState,
};
use serde_json::json;
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct UnionpaySettings {
    /// `https://gateway.95516.com`, or the sandbox's; `/gateway/api/...` is appended.
    pub gateway_url: String,
    pub mer_id: String,
    pub cert_id: String,
    pub merchant_private_key: PrivateKey,
    pub platform_public_key: PublicKey,
    pub back_url: String,
}

pub struct UnionPay {
    settings: UnionpaySettings,
    http: reqwest::Client,
}

/// What `signMethod=01` signs: the lowercase SHA-256 hex of the sorted `k=v&…` string.
pub fn signing_digest(fields: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = fields.iter().filter(|(key, _)| key != "signature").collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let joined = pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&");
    hex::encode(Sha256::digest(joined.as_bytes()))
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// `origRespCode` (or a notification's `respCode`) as a trade state.
pub fn trade_state(code: &str) -> TradeState {
    match code {
        "00" | "A6" => TradeState::Paid,
        // In progress, or not yet paid.
        "03" | "04" | "05" => TradeState::Pending,
        _ => TradeState::Failed,
    }
}

/// The order's `txnTime` (China time, `yyyyMMddHHmmss`): our trade numbers begin with it, because
/// UnionPay queries need the original transaction time.
fn txn_time_of(out_trade_no: &str) -> &str {
    out_trade_no.get(..14).unwrap_or(out_trade_no)
}

impl UnionPay {
    pub fn new(settings: UnionpaySettings, http: reqwest::Client) -> UnionPay {
        UnionPay { settings, http }
    }

    async fn call(
        &self,
        path: &str,
        mut fields: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        for (key, value) in [
            ("version", "5.1.0"),
            ("encoding", "UTF-8"),
            ("signMethod", "01"),
            ("accessType", "0"),
            ("merId", self.settings.mer_id.as_str()),
            ("certId", self.settings.cert_id.as_str()),
        ] {
            fields.push((key.into(), value.into()));
        }
        let signature = self.settings.merchant_private_key.sign(signing_digest(&fields).as_bytes())?;
        fields.push(("signature".into(), signature));
        let raw = self
            .http
            .post(format!("{}{path}", self.settings.gateway_url))
            .header("content-type", "application/x-www-form-urlencoded;charset=UTF-8")
            .body(crate::alipay::encode_form(&fields))
            .send()
            .await
            .map_err(|err| ProviderError::Unreachable(err.to_string()))?
            .bytes()
            .await
            .map_err(|err| ProviderError::Unreachable(err.to_string()))?;
        let answer: Vec<(String, String)> = form_urlencoded::parse(&raw).into_owned().collect();
        let signature = field(&answer, "signature").ok_or(ProviderError::BadResponseSignature)?;
        if !self.settings.platform_public_key.verify(signing_digest(&answer).as_bytes(), signature) {
            return Err(ProviderError::BadResponseSignature);
        }
        match field(&answer, "respCode") {
            Some("00") => Ok(answer),
            code => Err(ProviderError::Refused {
                code: code.unwrap_or("missing").to_string(),
                message: field(&answer, "respMsg").unwrap_or_default().to_string(),
            }),
        }
    }
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

impl PaymentProvider for UnionPay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Unionpay
    }

    fn create<'a>(&'a self, trade: &'a NewTrade) -> ProviderFuture<'a, PayInstructions> {
        Box::pin(async move {
            let amount = trade.amount_fen.to_string();
            let timeout = (trade.expires_at + chrono::Duration::hours(8)).format("%Y%m%d%H%M%S").to_string();
            let channel_type = if trade.channel == Channel::App { "08" } else { "07" };
            let mut fields = owned(&[
                ("txnType", "01"),
                ("txnSubType", "01"),
                ("bizType", "000201"),
                ("channelType", channel_type),
                ("orderId", &trade.out_trade_no),
                ("txnTime", txn_time_of(&trade.out_trade_no)),
                ("txnAmt", &amount),
                ("currencyCode", "156"),
                ("orderDesc", &trade.subject),
                ("payTimeout", &timeout),
                ("backUrl", &self.settings.back_url),
            ]);
            if let Some(back) = &trade.return_url {
                fields.push(("frontUrl".into(), back.clone()));
            }
            let answer = self.call("/gateway/api/appTransReq.do", fields).await?;
            let tn = field(&answer, "tn").ok_or_else(|| ProviderError::Malformed("no tn".into()))?;
            let mut instructions = PayInstructions::new();
            instructions.insert("tn".into(), json!(tn));
            if trade.channel == Channel::Qr {
                // UnionPay's own apps (云闪付) open a scanned `tn` the same way the SDK does.
                instructions.insert("qr_code".into(), json!(format!("upwallet://pay?tn={tn}")));
            }
            Ok(instructions)
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, TradeReport> {
        Box::pin(async move {
            let fields = owned(&[
                ("txnType", "00"),
                ("txnSubType", "00"),
                ("bizType", "000000"),
                ("orderId", out_trade_no),
                ("txnTime", txn_time_of(out_trade_no)),
            ]);
            let answer = self.call("/gateway/api/queryTrans.do", fields).await?;
            Ok(TradeReport {
                out_trade_no: out_trade_no.to_string(),
                state: trade_state(field(&answer, "origRespCode").unwrap_or("05")),
                provider_trade_no: field(&answer, "queryId").map(str::to_string),
                amount_fen: field(&answer, "txnAmt").and_then(|amount| amount.parse().ok()),
                currency: field(&answer, "currencyCode").map(|code| if code == "156" { "CNY" } else { code }.into()),
            })
        })
    }

    fn close<'a>(&'a self, _out_trade_no: &'a str) -> ProviderFuture<'a, ()> {
        // Nothing to call: the consume carried `payTimeout`, after which UnionPay refuses the tn.
        Box::pin(async { Ok(()) })
    }

    fn refund<'a>(&'a self, refund: &'a RefundOrder) -> ProviderFuture<'a, RefundReport> {
        Box::pin(async move {
            let amount = refund.refund_fen.to_string();
            let now = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y%m%d%H%M%S").to_string();
            let fields = owned(&[
                ("txnType", "04"),
                ("txnSubType", "00"),
                ("bizType", "000201"),
                ("channelType", "07"),
                ("orderId", &refund.out_refund_no),
                ("origQryId", refund.provider_trade_no.as_deref().unwrap_or_default()),
                ("txnTime", &now),
                ("txnAmt", &amount),
                ("backUrl", &self.settings.back_url),
            ]);
            let answer = self.call("/gateway/api/backTransReq.do", fields).await?;
            Ok(RefundReport { provider_refund_id: field(&answer, "queryId").map(str::to_string), accepted: true })
        })
    }

    fn verify_notification(&self, raw: &RawNotification) -> Result<TradeReport, ProviderError> {
        let fields = raw.form();
        let signature = field(&fields, "signature").ok_or_else(|| ProviderError::Rejected("no signature".into()))?;
        if !self.settings.platform_public_key.verify(signing_digest(&fields).as_bytes(), signature) {
            return Err(ProviderError::Rejected("signature does not verify".into()));
        }
        if field(&fields, "merId") != Some(self.settings.mer_id.as_str()) {
            return Err(ProviderError::Rejected("merId is not ours".into()));
        }
        Ok(TradeReport {
            out_trade_no: field(&fields, "orderId").ok_or_else(|| ProviderError::Rejected("no orderId".into()))?.into(),
            state: trade_state(field(&fields, "respCode").unwrap_or_default()),
            provider_trade_no: field(&fields, "queryId").map(str::to_string),
            amount_fen: field(&fields, "txnAmt").and_then(|amount| amount.parse().ok()),
            currency: field(&fields, "currencyCode").map(|code| if code == "156" { "CNY" } else { code }.into()),
        })
    }

    fn acknowledge(&self, accepted: bool) -> Acknowledgement {
        let (status, body) = if accepted { (200, "ok") } else { (400, "fail") };
        Acknowledgement { status, content_type: "text/plain; charset=utf-8", body: body.into() }
    }
}
