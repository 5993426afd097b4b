//! Alipay open-API v2 adapter: form requests to `gateway.do` signed RSA2 (SHA256withRSA over the
//! sorted `k=v&…` string), answers `{"<method>_response": {…}, "sign": "…"}` whose signature covers
//! the exact text of the response node, and form-POST notifications answered `success`.

use crate::crypto::{PrivateKey, PublicKey};
use crate::provider::{
    Acknowledgement, Channel, NewTrade, PayInstructions, PaymentProvider, ProviderError, ProviderFuture, ProviderKind,
    RawNotification, RefundOrder, RefundReport, TradeReport, TradeState, fen_to_yuan, yuan_to_fen,
};
use serde_json::{Value, json};

/// Everything that changes between the sandbox and the real Alipay: configuration only.
#[derive(Debug)]
pub struct AlipaySettings {
    /// `https://openapi.alipay.com/gateway.do`, or the sandbox's.
    pub gateway_url: String,
    pub app_id: String,
    pub app_private_key: PrivateKey,
    pub alipay_public_key: PublicKey,
    pub notify_url: String,
}

pub struct Alipay {
    settings: AlipaySettings,
    http: reqwest::Client,
}

/// The string both sides sign: every parameter but the signature (and, for notifications, the
/// sign type), sorted by name, `k=v` joined by `&`, values as they are (not URL-encoded).
pub fn signing_string(params: &[(String, String)], skip_sign_type: bool) -> String {
    let mut pairs: Vec<&(String, String)> = params
        .iter()
        .filter(|(key, value)| key != "sign" && !(skip_sign_type && key == "sign_type") && !value.is_empty())
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&")
}

/// The exact text of the `"<name>": {…}` object inside a response, which is what the signature
/// covers (re-serialising the parsed JSON would not reproduce it byte for byte).
pub fn response_node<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("\"{name}\"");
    let after_key = raw.find(&key)? + key.len();
    let start = after_key + raw[after_key..].find('{')?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (offset, byte) in raw.as_bytes()[start..].iter().enumerate() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (false, _, b'"') => in_string = true,
            (false, _, b'{') => depth += 1,
            (false, _, b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&raw[start..=start + offset]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `k=urlencoded(v)&…`, the form Alipay's app SDK and wap URLs take.
pub fn encode_form(params: &[(String, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

pub fn trade_state(status: &str) -> Option<TradeState> {
    match status {
        "WAIT_BUYER_PAY" => Some(TradeState::Pending),
        "TRADE_SUCCESS" | "TRADE_FINISHED" => Some(TradeState::Paid),
        "TRADE_CLOSED" => Some(TradeState::Closed),
        _ => None,
    }
}

fn china_time(at: chrono::NaiveDateTime) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Alipay {
    pub fn new(settings: AlipaySettings, http: reqwest::Client) -> Alipay {
        Alipay { settings, http }
    }

    /// The common parameters plus `biz_content`, signed.
    fn signed_params(
        &self,
        method: &str,
        biz_content: &Value,
        notify: bool,
        return_url: Option<&str>,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let mut params = vec![
            ("app_id".to_string(), self.settings.app_id.clone()),
            ("method".into(), method.into()),
            ("format".into(), "JSON".into()),
            ("charset".into(), "utf-8".into()),
            ("sign_type".into(), "RSA2".into()),
            ("timestamp".into(), china_time(chrono::Utc::now().naive_utc())),
            ("version".into(), "1.0".into()),
            ("biz_content".into(), biz_content.to_string()),
        ];
        if notify {
            params.push(("notify_url".into(), self.settings.notify_url.clone()));
        }
        // Signed with the rest: nobody can point a buyer's return at another page.
        if let Some(url) = return_url {
            params.push(("return_url".into(), url.to_string()));
        }
        let sign = self.settings.app_private_key.sign(signing_string(&params, false).as_bytes())?;
        params.push(("sign".into(), sign));
        Ok(params)
    }

    /// Calls a server-side method and returns its verified response node (code 10000 only).
    async fn call(&self, method: &str, biz_content: Value) -> Result<Value, ProviderError> {
        let params = self.signed_params(method, &biz_content, method == "alipay.trade.precreate", None)?;
        let raw = self
            .http
            .post(&self.settings.gateway_url)
            .header("content-type", "application/x-www-form-urlencoded;charset=utf-8")
            .body(encode_form(&params))
            .send()
            .await
            .map_err(|err| ProviderError::Unreachable(err.to_string()))?
            .text()
            .await
            .map_err(|err| ProviderError::Unreachable(err.to_string()))?;
        let node_name = format!("{}_response", method.replace('.', "_"));
        let envelope: Value = serde_json::from_str(&raw).map_err(|err| ProviderError::Malformed(err.to_string()))?;
        let node_text = response_node(&raw, &node_name)
            .or_else(|| response_node(&raw, "error_response"))
            .ok_or_else(|| ProviderError::Malformed(format!("no {node_name} in the answer")))?;
        let node: Value = serde_json::from_str(node_text).map_err(|err| ProviderError::Malformed(err.to_string()))?;
        let code = node["code"].as_str().unwrap_or_default();
        match envelope["sign"].as_str() {
            Some(sign) if self.settings.alipay_public_key.verify(node_text.as_bytes(), sign) => {}
            // Alipay leaves some gateway-level errors unsigned; they carry no money movement.
            None if code != "10000" => {}
            _ => return Err(ProviderError::BadResponseSignature),
        }
        if code != "10000" {
            let sub_code = node["sub_code"].as_str().unwrap_or(code).to_string();
            let message = node["sub_msg"].as_str().or(node["msg"].as_str()).unwrap_or_default().to_string();
            return Err(ProviderError::Refused { code: sub_code, message });
        }
        Ok(node)
    }
}

impl PaymentProvider for Alipay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Alipay
    }

    fn create<'a>(&'a self, trade: &'a NewTrade) -> ProviderFuture<'a, PayInstructions> {
        Box::pin(async move {
            let mut biz = json!({
                "out_trade_no": trade.out_trade_no,
                "total_amount": fen_to_yuan(trade.amount_fen),
                "subject": trade.subject,
                "time_expire": china_time(trade.expires_at),
            });
            let mut answer = PayInstructions::new();
            match trade.channel {
                Channel::App => {
                    biz["product_code"] = json!("QUICK_MSECURITY_PAY");
                    let params = self.signed_params("alipay.trade.app.pay", &biz, true, None)?;
                    answer.insert("order_string".into(), json!(encode_form(&params)));
                }
                Channel::H5 => {
                    biz["product_code"] = json!("QUICK_WAP_WAY");
                    let params = self.signed_params("alipay.trade.wap.pay", &biz, true, trade.return_url.as_deref())?;
                    answer
                        .insert("url".into(), json!(format!("{}?{}", self.settings.gateway_url, encode_form(&params))));
                }
                Channel::Qr => {
                    let node = self.call("alipay.trade.precreate", biz).await?;
                    let qr = node["qr_code"].as_str().ok_or_else(|| ProviderError::Malformed("no qr_code".into()))?;
                    answer.insert("qr_code".into(), json!(qr));
                }
            }
            Ok(answer)
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, TradeReport> {
        Box::pin(async move {
            let pending = || TradeReport {
                out_trade_no: out_trade_no.to_string(),
                state: TradeState::Pending,
                provider_trade_no: None,
                amount_fen: None,
                currency: None,
            };
            let node = match self.call("alipay.trade.query", json!({ "out_trade_no": out_trade_no })).await {
                Ok(node) => node,
                // App and wap trades exist at Alipay only once the buyer has opened them.
                Err(ProviderError::Refused { code, .. }) if code == "ACQ.TRADE_NOT_EXIST" => return Ok(pending()),
                Err(err) => return Err(err),
            };
            let status = node["trade_status"].as_str().unwrap_or_default();
            Ok(TradeReport {
                out_trade_no: out_trade_no.to_string(),
                state: trade_state(status).ok_or_else(|| ProviderError::Malformed(format!("trade_status {status}")))?,
                provider_trade_no: node["trade_no"].as_str().map(str::to_string),
                amount_fen: node["total_amount"].as_str().and_then(yuan_to_fen),
                currency: Some("CNY".into()),
            })
        })
    }

    fn close<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, ()> {
        Box::pin(async move {
            match self.call("alipay.trade.close", json!({ "out_trade_no": out_trade_no })).await {
                Ok(_) => Ok(()),
                // Never opened by the buyer: its time_expire keeps it from being paid later.
                Err(ProviderError::Refused { code, .. }) if code == "ACQ.TRADE_NOT_EXIST" => Ok(()),
                Err(err) => Err(err),
            }
        })
    }

    fn refund<'a>(&'a self, refund: &'a RefundOrder) -> ProviderFuture<'a, RefundReport> {
        Box::pin(async move {
            let node = self
                .call(
                    "alipay.trade.refund",
                    json!({
                        "out_trade_no": refund.out_trade_no,
                        "refund_amount": fen_to_yuan(refund.refund_fen),
                        "out_request_no": refund.out_refund_no,
                        "refund_reason": refund.reason,
                    }),
                )
                .await?;
            Ok(RefundReport { provider_refund_id: node["trade_no"].as_str().map(str::to_string), accepted: true })
        })
    }

    fn verify_notification(&self, raw: &RawNotification) -> Result<TradeReport, ProviderError> {
        let params = raw.form();
        let field = |name: &str| params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let sign = field("sign").ok_or_else(|| ProviderError::Rejected("no sign".into()))?;
        if field("sign_type") != Some("RSA2") {
            return Err(ProviderError::Rejected("sign_type is not RSA2".into()));
        }
        if !self.settings.alipay_public_key.verify(signing_string(&params, true).as_bytes(), sign) {
            return Err(ProviderError::Rejected("signature does not verify".into()));
        }
        if field("app_id") != Some(self.settings.app_id.as_str()) {
            return Err(ProviderError::Rejected("app_id is not ours".into()));
        }
        let status = field("trade_status").unwrap_or_default();
        Ok(TradeReport {
            out_trade_no: field("out_trade_no")
                .ok_or_else(|| ProviderError::Rejected("no out_trade_no".into()))?
                .into(),
            state: trade_state(status).ok_or_else(|| ProviderError::Rejected(format!("trade_status {status}")))?,
            provider_trade_no: field("trade_no").map(str::to_string),
            amount_fen: field("total_amount").and_then(yuan_to_fen),
            currency: Some("CNY".into()),
        })
    }

    fn acknowledge(&self, accepted: bool) -> Acknowledgement {
        // Alipay retries until the body is exactly `success`.
        let (status, body) = if accepted { (200, "success") } else { (400, "fail") };
        Acknowledgement { status, content_type: "text/plain; charset=utf-8", body: body.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_string_sorts_and_skips() {
        let params = vec![
            ("b".to_string(), "2".to_string()),
            ("sign".into(), "x".into()),
            ("a".into(), "1 2".into()),
            ("sign_type".into(), "RSA2".into()),
            ("empty".into(), "".into()),
        ];
        assert_eq!(signing_string(&params, false), "a=1 2&b=2&sign_type=RSA2");
        assert_eq!(signing_string(&params, true), "a=1 2&b=2");
    }

    #[test]
    fn response_node_is_the_exact_text() {
        let raw = r#"{"alipay_trade_query_response":{"code":"10000","msg":"a}b{\"c","n":{"x":1}},"sign":"abc"}"#;
        assert_eq!(
            response_node(raw, "alipay_trade_query_response"),
            Some(r#"{"code":"10000","msg":"a}b{\"c","n":{"x":1}}"#)
        );
        assert_eq!(response_node(raw, "missing"), None);
    }
}
