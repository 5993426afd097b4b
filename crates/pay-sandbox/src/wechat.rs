//! Sandbox WeChat Pay API v3 (`/sandbox/wechatpay/v3/...`): every request must carry a valid
//! `WECHATPAY2-SHA256-RSA2048` Authorization (else 401 `SIGN_ERROR`); every answer is signed by the
//! platform key with the `Wechatpay-*` headers.

use crate::trades::{Stage, Trade};
use crate::{Sandbox, WireResponse};
use bazaar_payments::ProviderKind;
use bazaar_payments::crypto::random_token;
use bazaar_payments::wechat::{SIGNATURE_SCHEME, parse_authorization, request_message, response_message};
use serde_json::{Value, json};

const MAX_CLOCK_SKEW_SECS: i64 = 300;

pub(crate) fn state_name(trade: &Trade) -> &'static str {
    match trade.stage {
        Stage::Waiting => "NOTPAY",
        Stage::Paid if trade.refunded_fen > 0 => "REFUND",
        Stage::Paid => "SUCCESS",
        Stage::Closed => "CLOSED",
        Stage::Failed => "PAYERROR",
    }
}

fn rfc3339(at: chrono::NaiveDateTime) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%dT%H:%M:%S+08:00").to_string()
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({ "code": code, "message": message }))
}

impl Sandbox {
    /// Handles `method path` (the path as the merchant signed it, starting `/v3/`).
    pub fn wechat(&self, method: &str, path_and_query: &str, authorization: Option<&str>, body: &[u8]) -> WireResponse {
        let (status, answer) = match self.wechat_authorised(method, path_and_query, authorization, body) {
            Err(message) => error(401, "SIGN_ERROR", &message),
            Ok(()) => self.wechat_route(method, path_and_query, body),
        };
        let text = if status == 204 { String::new() } else { answer.to_string() };
        self.wechat_signed(status, text)
    }

    fn wechat_authorised(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let fields = authorization.and_then(parse_authorization).ok_or("missing or malformed Authorization")?;
        let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let ids = &self.inner.ids;
        if field("mchid") != Some(ids.wechat_mchid.as_str()) {
            return Err("unknown mchid".into());
        }
        if field("serial_no") != Some(ids.wechat_merchant_serial.as_str()) {
            return Err("unknown merchant certificate serial_no".into());
        }
        let timestamp = field("timestamp").ok_or("no timestamp")?;
        let skew = timestamp.parse::<i64>().map(|at| (chrono::Utc::now().timestamp() - at).abs());
        if !matches!(skew, Ok(skew) if skew <= MAX_CLOCK_SKEW_SECS) {
            return Err("timestamp outside the allowed window".into());
        }
        let nonce = field("nonce_str").ok_or("no nonce_str")?;
        let body = std::str::from_utf8(body).map_err(|_| "body is not UTF-8")?;
        let message = request_message(method, path, timestamp, nonce, body);
        if !field("signature")
            .is_some_and(|signature| self.inner.keys.wechat_merchant.verify(message.as_bytes(), signature))
        {
            return Err("signature does not verify".into());
        }
        Ok(())
    }

    /// Signs an answer the way WeChat Pay does.
    pub(crate) fn wechat_signed(&self, status: u16, body: String) -> WireResponse {
        let (timestamp, nonce) = (chrono::Utc::now().timestamp().to_string(), random_token(32));
        let signature = self
            .inner
            .keys
            .wechat_platform
            .sign(&response_message(&timestamp, &nonce, body.as_bytes()))
            .unwrap_or_default();
        let mut response = WireResponse::new(status, "application/json", body);
        response.headers = vec![
            ("Wechatpay-Timestamp".into(), timestamp),
            ("Wechatpay-Nonce".into(), nonce),
            ("Wechatpay-Serial".into(), self.inner.ids.wechat_platform_key_id.clone()),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Signature-Type".into(), SIGNATURE_SCHEME.into()),
            ("Request-ID".into(), random_token(24)),
        ];
        response
    }

    fn wechat_route(&self, method: &str, path_and_query: &str, body: &[u8]) -> (u16, Value) {
        let path = path_and_query.split('?').next().unwrap_or_default();
        let request: Value =
            if body.is_empty() { Value::Null } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["v3", "pay", "transactions", kind @ ("app" | "native" | "h5" | "jsapi")]) => {
                self.wechat_prepay(kind, &request)
            }
            ("GET", ["v3", "pay", "transactions", "out-trade-no", number]) => self.wechat_query(number),
            ("POST", ["v3", "pay", "transactions", "out-trade-no", number, "close"]) => self.wechat_close(number),
            ("POST", ["v3", "refund", "domestic", "refunds"]) => self.wechat_refund(&request),
            _ => error(404, "NOT_FOUND", "no such API"),
        }
    }

    fn wechat_prepay(&self, kind: &str, request: &Value) -> (u16, Value) {
        let ids = &self.inner.ids;
        if request["mchid"] != ids.wechat_mchid.as_str() {
            return error(400, "MCH_NOT_EXISTS", "商户号不存在");
        }
        if request["appid"] != ids.wechat_appid.as_str() {
            return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配");
        }
        let (Some(number), Some(total), Some(notify_url)) =
            (request["out_trade_no"].as_str(), request["amount"]["total"].as_i64(), request["notify_url"].as_str())
        else {
            return error(400, "PARAM_ERROR", "out_trade_no, amount.total and notify_url are required");
        };
        if total <= 0 || request["amount"]["currency"].as_str().is_some_and(|currency| currency != "CNY") {
            return error(400, "PARAM_ERROR", "amount.total must be positive fen in CNY");
        }
        let mut state = self.state();
        if let Some(existing) = state.trade(ProviderKind::Wechatpay, number) {
            if existing.stage == Stage::Paid {
                return error(400, "ORDERPAID", "该订单已支付");
            }
            if existing.amount_fen != total {
                return error(400, "INVALID_REQUEST", "201 商户订单号重复");
            }
        }
        let mut trade = Trade::new(ProviderKind::Wechatpay, number, total, notify_url, kind);
        trade.subject = request["description"].as_str().unwrap_or_default().to_string();
        trade.expires_at = request["time_expire"]
            .as_str()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.naive_utc());
        let prepay_id = format!("wx{}", random_token(30));
        state.open(trade, Some(prepay_id.clone()));
        match kind {
            "native" => {
                let code_url = format!("weixin://wxpay/bizpayurl?pr={}", random_token(10));
                state.add_reference(code_url.clone(), ProviderKind::Wechatpay, number);
                (200, json!({ "code_url": code_url }))
            }
            "h5" => {
                let h5_url = self.link(&format!("/sandbox/wallet/cashier?reference={prepay_id}"));
                (200, json!({ "h5_url": h5_url }))
            }
            _ => (200, json!({ "prepay_id": prepay_id })),
        }
    }

    /// The transaction as WeChat Pay describes it (queries and callbacks alike).
    pub(crate) fn wechat_transaction(&self, trade: &Trade, state_override: Option<&str>) -> Value {
        let ids = &self.inner.ids;
        let mut transaction = json!({
            "appid": ids.wechat_appid,
            "mchid": ids.wechat_mchid,
            "out_trade_no": trade.out_trade_no,
            "trade_type": trade.kind.to_uppercase(),
            "trade_state": state_override.unwrap_or(state_name(trade)),
            "trade_state_desc": "sandbox",
            "payer": { "openid": "oSandboxPayer0000000000000001" },
            "amount": { "total": trade.amount_fen, "currency": "CNY" },
        });
        if let Some(paid_at) = trade.paid_at.filter(|_| state_override.is_none()) {
            transaction["transaction_id"] = json!(trade.provider_trade_no);
            transaction["success_time"] = json!(rfc3339(paid_at));
            transaction["bank_type"] = json!("OTHERS");
            transaction["amount"]["payer_total"] = json!(trade.amount_fen);
            transaction["amount"]["payer_currency"] = json!("CNY");
        }
        transaction
    }

    fn wechat_query(&self, number: &str) -> (u16, Value) {
        let state = self.state();
        match state.trade(ProviderKind::Wechatpay, number) {
            Some(trade) => (200, self.wechat_transaction(trade, None)),
            None => error(404, "ORDER_NOT_EXIST", "订单不存在"),
        }
    }

    fn wechat_close(&self, number: &str) -> (u16, Value) {
        let mut state = self.state();
        match state.trade_mut(ProviderKind::Wechatpay, number) {
            None => error(404, "ORDER_NOT_EXIST", "订单不存在"),
            Some(trade) if trade.stage == Stage::Paid => error(400, "ORDERPAID", "订单已支付"),
            Some(trade) => {
                trade.stage = Stage::Closed;
                (204, Value::Null)
            }
        }
    }

    fn wechat_refund(&self, request: &Value) -> (u16, Value) {
        let (Some(number), Some(refund_no), Some(refund), Some(total)) = (
            request["out_trade_no"].as_str(),
            request["out_refund_no"].as_str(),
            request["amount"]["refund"].as_i64(),
            request["amount"]["total"].as_i64(),
        ) else {
            return error(
                400,
                "PARAM_ERROR",
                "out_trade_no, out_refund_no, amount.refund and amount.total are required",
            );
        };
        let mut state = self.state();
        if state.trade(ProviderKind::Wechatpay, number).is_some_and(|trade| trade.amount_fen != total) {
            return error(400, "PARAM_ERROR", "amount.total does not match the order");
        }
        match state.refund(ProviderKind::Wechatpay, number, refund_no, refund) {
            Ok((record, _)) => {
                let transaction_id = state
                    .trade(ProviderKind::Wechatpay, number)
                    .map(|trade| trade.provider_trade_no.clone())
                    .unwrap_or_default();
                (
                    200,
                    json!({
                        "refund_id": record.refund_id,
                        "out_refund_no": refund_no,
                        "transaction_id": transaction_id,
                        "out_trade_no": number,
                        "channel": "ORIGINAL",
                        "user_received_account": "支付用户零钱",
                        "status": "SUCCESS",
                        "create_time": rfc3339(record.created_at),
                        "amount": { "total": total, "refund": record.amount_fen, "payer_total": total,
                                    "payer_refund": record.amount_fen, "currency": "CNY" },
                    }),
                )
            }
            Err("TRADE_NOT_EXIST") => error(404, "RESOURCE_NOT_EXISTS", "订单不存在"),
            Err("TRADE_STATUS_ERROR") => error(403, "NOT_ENOUGH", "订单未支付"),
            Err(_) => error(403, "NOT_ENOUGH", "退款金额超过可退金额"),
        }
    }
}
