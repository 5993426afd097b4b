//! WeChat Pay API v3 adapter: JSON requests authorised by a `WECHATPAY2-SHA256-RSA2048` header
//! (the merchant key signs `method\npath\ntimestamp\nnonce\nbody\n`), answers and callbacks signed
//! by the platform key over `timestamp\nnonce\nbody\n` (headers `Wechatpay-*`), callback resources
//! encrypted with AEAD_AES_256_GCM under the API v3 key, amounts in integer fen.

use crate::crypto::{PrivateKey, PublicKey, aes_gcm_decrypt, random_token};
use crate::provider::{
    Acknowledgement, Channel, NewTrade, PayInstructions, PaymentProvider, ProviderError, ProviderFuture, ProviderKind,
    RawNotification, RefundOrder, RefundReport, TradeReport, TradeState,
};
use serde_json::{Value, json};

pub const SIGNATURE_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// Callbacks older than this are refused (replayed captures).
const CALLBACK_MAX_AGE_SECS: i64 = 300;

#[derive(Debug)]
pub struct WechatSettings {
    /// `https://api.mch.weixin.qq.com`, or the sandbox's; paths `/v3/...` are appended.
    pub base_url: String,
    pub mchid: String,
    pub appid: String,
    pub merchant_serial_no: String,
    pub merchant_private_key: PrivateKey,
    pub platform_public_key: PublicKey,
    pub platform_public_key_id: String,
    pub apiv3_key: String,
    pub notify_url: String,
}

pub struct WechatPay {
    settings: WechatSettings,
    http: reqwest::Client,
}

/// The string the merchant signs for a request.
pub fn request_message(method: &str, path_and_query: &str, timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The string the platform signs for answers and callbacks.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// The fields of an `Authorization: WECHATPAY2-SHA256-RSA2048 k="v",…` header.
pub fn parse_authorization(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.strip_prefix(SIGNATURE_SCHEME)?.trim();
    rest.split(',')
        .map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            Some((key.to_string(), value.trim_matches('"').to_string()))
        })
        .collect()
}

pub fn trade_state(state: &str) -> Option<TradeState> {
    match state {
        "NOTPAY" | "USERPAYING" => Some(TradeState::Pending),
        // REFUND: it was paid, and (part of) it has been refunded since.
        "SUCCESS" | "REFUND" => Some(TradeState::Paid),
        "CLOSED" | "REVOKED" => Some(TradeState::Closed),
        "PAYERROR" => Some(TradeState::Failed),
        _ => None,
    }
}

fn rfc3339_china(at: chrono::NaiveDateTime) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%dT%H:%M:%S+08:00").to_string()
}

impl WechatPay {
    pub fn new(settings: WechatSettings, http: reqwest::Client) -> WechatPay {
        WechatPay { settings, http }
    }

    /// Sends a signed request; returns status and the verified body (empty for 204).
    async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), ProviderError> {
        let body_text = body.map(Value::to_string).unwrap_or_default();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let nonce = random_token(32);
        let signature = self
            .settings
            .merchant_private_key
            .sign(request_message(method, path, &timestamp, &nonce, &body_text).as_bytes())?;
        let authorization = format!(
            "{SIGNATURE_SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
            self.settings.mchid, self.settings.merchant_serial_no
        );
        let url = format!("{}{path}", self.settings.base_url);
        let builder = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).header("content-type", "application/json").body(body_text),
        };
        let response = builder
            .header("authorization", authorization)
            .header("accept", "application/json")
            .header("wechatpay-serial", &self.settings.platform_public_key_id)
            .send()
            .await
            .map_err(|err| ProviderError::Unreachable(err.to_string()))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string()
        };
        let (signature, timestamp, nonce, serial) = (
            header("wechatpay-signature"),
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-serial"),
        );
        let bytes = response.bytes().await.map_err(|err| ProviderError::Unreachable(err.to_string()))?;
        let parsed: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|err| ProviderError::Malformed(err.to_string()))?
        };
        if !(200..300).contains(&status) {
            return Err(ProviderError::Refused {
                code: parsed["code"].as_str().unwrap_or("HTTP_ERROR").to_string(),
                message: parsed["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        if serial != self.settings.platform_public_key_id
            || !self.settings.platform_public_key.verify(&response_message(&timestamp, &nonce, &bytes), &signature)
        {
            return Err(ProviderError::BadResponseSignature);
        }
        Ok((status, parsed))
    }

    /// The parameters the WeChat app SDK takes to open the payment sheet, signed by the merchant.
    fn app_parameters(&self, prepay_id: &str) -> Result<Value, ProviderError> {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let nonce = random_token(32);
        let message = format!("{}\n{timestamp}\n{nonce}\n{prepay_id}\n", self.settings.appid);
        Ok(json!({
            "appid": self.settings.appid,
            "partnerid": self.settings.mchid,
            "prepayid": prepay_id,
            "package": "Sign=WXPay",
            "noncestr": nonce,
            "timestamp": timestamp,
            "sign": self.settings.merchant_private_key.sign(message.as_bytes())?,
        }))
    }
}

impl PaymentProvider for WechatPay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Wechatpay
    }

    fn create<'a>(&'a self, trade: &'a NewTrade) -> ProviderFuture<'a, PayInstructions> {
        Box::pin(async move {
            let mut body = json!({
                "appid": self.settings.appid,
                "mchid": self.settings.mchid,
                "description": trade.subject,
                "out_trade_no": trade.out_trade_no,
                "time_expire": rfc3339_china(trade.expires_at),
                "notify_url": self.settings.notify_url,
                "amount": { "total": trade.amount_fen, "currency": "CNY" },
            });
            let kind = match trade.channel {
                Channel::App => "app",
                Channel::Qr => "native",
                Channel::H5 => {
                    body["scene_info"] = json!({ "payer_client_ip": "127.0.0.1", "h5_info": { "type": "Wap" } });
                    "h5"
                }
            };
            let (_, answer) = self.request("POST", &format!("/v3/pay/transactions/{kind}"), Some(&body)).await?;
            let text = |field: &str| {
                answer[field]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ProviderError::Malformed(format!("no {field}")))
            };
            let mut instructions = PayInstructions::new();
            match trade.channel {
                Channel::App => {
                    let prepay_id = text("prepay_id")?;
                    instructions.insert("app_parameters".into(), self.app_parameters(&prepay_id)?);
                    instructions.insert("prepay_id".into(), json!(prepay_id));
                }
                Channel::Qr => {
                    instructions.insert("code_url".into(), json!(text("code_url")?));
                }
                Channel::H5 => {
                    let mut h5_url = text("h5_url")?;
                    // WeChat Pay's way back to the merchant's page is appended to its link.
                    if let Some(back) = &trade.return_url {
                        let joiner = if h5_url.contains('?') { '&' } else { '?' };
                        let encoded: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
                        h5_url = format!("{h5_url}{joiner}redirect_url={encoded}");
                    }
                    instructions.insert("h5_url".into(), json!(h5_url));
                }
            }
            Ok(instructions)
        })
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, TradeReport> {
        Box::pin(async move {
            let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}", self.settings.mchid);
            let (_, answer) = self.request("GET", &path, None).await?;
            let state = answer["trade_state"].as_str().unwrap_or_default();
            Ok(TradeReport {
                out_trade_no: out_trade_no.to_string(),
                state: trade_state(state).ok_or_else(|| ProviderError::Malformed(format!("trade_state {state}")))?,
                provider_trade_no: answer["transaction_id"].as_str().map(str::to_string),
                amount_fen: answer["amount"]["total"].as_i64(),
                currency: answer["amount"]["currency"].as_str().map(str::to_string),
            })
        })
    }

    fn close<'a>(&'a self, out_trade_no: &'a str) -> ProviderFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
            self.request("POST", &path, Some(&json!({ "mchid": self.settings.mchid }))).await.map(drop)
        })
    }

    fn refund<'a>(&'a self, refund: &'a RefundOrder) -> ProviderFuture<'a, RefundReport> {
        Box::pin(async move {
            let body = json!({
                "out_trade_no": refund.out_trade_no,
                "out_refund_no": refund.out_refund_no,
                "reason": refund.reason,
                "amount": { "refund": refund.refund_fen, "total": refund.total_fen, "currency": "CNY" },
            });
            let (_, answer) = self.request("POST", "/v3/refund/domestic/refunds", Some(&body)).await?;
            let status = answer["status"].as_str().unwrap_or_default();
            Ok(RefundReport {
                provider_refund_id: answer["refund_id"].as_str().map(str::to_string),
                accepted: matches!(status, "SUCCESS" | "PROCESSING"),
            })
        })
    }

    fn verify_notification(&self, raw: &RawNotification) -> Result<TradeReport, ProviderError> {
        let header = |name: &str| raw.header(name).ok_or_else(|| ProviderError::Rejected(format!("no {name} header")));
        if header("Wechatpay-Signature-Type").unwrap_or(SIGNATURE_SCHEME) != SIGNATURE_SCHEME {
            return Err(ProviderError::Rejected("unsupported signature type".into()));
        }
        let (timestamp, nonce) = (header("Wechatpay-Timestamp")?, header("Wechatpay-Nonce")?);
        if header("Wechatpay-Serial")? != self.settings.platform_public_key_id {
            return Err(ProviderError::Rejected("signed by a key that is not the platform's".into()));
        }
        // The signature covers the raw body bytes exactly as they arrived.
        let message = response_message(timestamp, nonce, &raw.body);
        if !self.settings.platform_public_key.verify(&message, header("Wechatpay-Signature")?) {
            return Err(ProviderError::Rejected("signature does not verify".into()));
        }
        let age = timestamp.parse::<i64>().map(|sent| chrono::Utc::now().timestamp() - sent);
        if !matches!(age, Ok(age) if age.abs() <= CALLBACK_MAX_AGE_SECS) {
            return Err(ProviderError::Rejected("timestamp too old or unreadable (replay?)".into()));
        }
        let envelope: Value =
            serde_json::from_slice(&raw.body).map_err(|err| ProviderError::Rejected(err.to_string()))?;
        let resource = &envelope["resource"];
        if resource["algorithm"] != "AEAD_AES_256_GCM" {
            return Err(ProviderError::Rejected("resource is not AEAD_AES_256_GCM".into()));
        }
        let field = |name: &str| resource[name].as_str().unwrap_or_default();
        let plain = aes_gcm_decrypt(
            self.settings.apiv3_key.as_bytes(),
            field("nonce").as_bytes(),
            field("associated_data").as_bytes(),
            field("ciphertext"),
        )
        .map_err(|err| ProviderError::Rejected(err.to_string()))?;
        let transaction: Value =
            serde_json::from_slice(&plain).map_err(|err| ProviderError::Rejected(err.to_string()))?;
        if transaction["mchid"] != self.settings.mchid.as_str() || transaction["appid"] != self.settings.appid.as_str()
        {
            return Err(ProviderError::Rejected("mchid or appid is not ours".into()));
        }
        let state = transaction["trade_state"].as_str().unwrap_or_default();
        Ok(TradeReport {
            out_trade_no: transaction["out_trade_no"]
                .as_str()
                .ok_or_else(|| ProviderError::Rejected("no out_trade_no".into()))?
                .to_string(),
            state: trade_state(state).ok_or_else(|| ProviderError::Rejected(format!("trade_state {state}")))?,
            provider_trade_no: transaction["transaction_id"].as_str().map(str::to_string),
            amount_fen: transaction["amount"]["total"].as_i64(),
            currency: transaction["amount"]["currency"].as_str().map(str::to_string),
        })
    }

    fn acknowledge(&self, accepted: bool) -> Acknowledgement {
        if accepted {
            Acknowledgement { status: 204, content_type: "application/json", body: String::new() }
        } else {
            let body = json!({ "code": "FAIL", "message": "rejected" }).to_string();
            Acknowledgement { status: 400, content_type: "application/json", body }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_header_fields() {
        let header = format!(
            "{SIGNATURE_SCHEME} mchid=\"19\",nonce_str=\"N\",signature=\"a=b\",timestamp=\"1\",serial_no=\"S\""
        );
        let fields = parse_authorization(&header).unwrap();
        assert_eq!(fields[0], ("mchid".to_string(), "19".to_string()));
        assert_eq!(fields[2], ("signature".to_string(), "a=b".to_string()));
        assert!(parse_authorization("Bearer x").is_none());
    }
}
