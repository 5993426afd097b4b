//! Sandbox Alipay open-API gateway (`gateway.do`): checks the app id and the RSA2 signature of
//! every request, answers `{"<method>_response": {…}, "sign": "…"}` signed by the platform key.

use crate::trades::{Stage, Trade};
use crate::{Sandbox, WireResponse};
use bazaar_payments::ProviderKind;
use bazaar_payments::alipay::signing_string;
use bazaar_payments::crypto::random_token;
use bazaar_payments::provider::{fen_to_yuan, yuan_to_fen};
use serde_json::{Map, Value, json};

pub(crate) fn state_name(stage: Stage, refunded_all: bool) -> &'static str {
    match stage {
        Stage::Waiting | Stage::Failed => "WAIT_BUYER_PAY",
        Stage::Paid if refunded_all => "TRADE_CLOSED",
        Stage::Paid => "TRADE_SUCCESS",
        Stage::Closed => "TRADE_CLOSED",
    }
}

/// An error node in Alipay's shape.
fn failure(code: &str, msg: &str, sub_code: &str, sub_msg: &str) -> Map<String, Value> {
    let mut node = Map::new();
    node.insert("code".into(), json!(code));
    node.insert("msg".into(), json!(msg));
    node.insert("sub_code".into(), json!(sub_code));
    node.insert("sub_msg".into(), json!(sub_msg));
    node
}

fn business_failure(sub_code: &str, sub_msg: &str) -> Map<String, Value> {
    failure("40004", "Business Failed", sub_code, sub_msg)
}

fn success(fields: Value) -> Map<String, Value> {
    let mut node = Map::new();
    node.insert("code".into(), json!("10000"));
    node.insert("msg".into(), json!("Success"));
    if let Value::Object(fields) = fields {
        node.extend(fields);
    }
    node
}

/// What the gateway does with a request: answer JSON, or send a browser to the cashier page.
pub enum GatewayAnswer {
    Json(WireResponse),
    Redirect(String),
}

impl Sandbox {
    /// Checks that `params` are signed by the merchant app; the biz_content on success.
    pub(crate) fn alipay_verified(&self, params: &[(String, String)]) -> Result<Value, Map<String, Value>> {
        let field = |name: &str| params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        if field("app_id") != Some(self.inner.ids.alipay_app_id.as_str()) {
            return Err(failure("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数"));
        }
        if field("sign_type") != Some("RSA2") {
            return Err(failure("40002", "Invalid Arguments", "isv.invalid-signature-type", "sign_type must be RSA2"));
        }
        let signed = field("sign")
            .is_some_and(|sign| self.inner.keys.alipay_app.verify(signing_string(params, false).as_bytes(), sign));
        if !signed {
            return Err(failure("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错"));
        }
        serde_json::from_str(field("biz_content").unwrap_or("{}"))
            .map_err(|_| failure("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content is not JSON"))
    }

    /// `gateway.do`, GET query or POST form alike.
    pub fn alipay_gateway(&self, params: Vec<(String, String)>) -> GatewayAnswer {
        let method = params.iter().find(|(key, _)| key == "method").map(|(_, value)| value.clone()).unwrap_or_default();
        let node_name = format!("{}_response", method.replace('.', "_"));
        let notify_url = params.iter().find(|(key, _)| key == "notify_url").map(|(_, value)| value.clone());
        let return_url = params.iter().find(|(key, _)| key == "return_url").map(|(_, value)| value.clone());
        let node = match self.alipay_verified(&params) {
            Err(node) => node,
            Ok(biz) => match method.as_str() {
                "alipay.trade.precreate" => self.alipay_precreate(&biz, notify_url.unwrap_or_default()),
                "alipay.trade.wap.pay" | "alipay.trade.page.pay" => {
                    match self.alipay_open(&biz, notify_url.unwrap_or_default(), "h5", return_url) {
                        Ok(token) => {
                            return GatewayAnswer::Redirect(
                                self.link(&format!("/sandbox/wallet/cashier?reference={token}")),
                            );
                        }
                        Err(node) => node,
                    }
                }
                "alipay.trade.query" => self.alipay_query(&biz),
                "alipay.trade.refund" => self.alipay_refund(&biz),
                "alipay.trade.close" => self.alipay_close(&biz),
                _ => failure("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名"),
            },
        };
        GatewayAnswer::Json(self.alipay_signed(&node_name, node))
    }

    /// Serialises the node, signs that exact text, and wraps it.
    fn alipay_signed(&self, node_name: &str, node: Map<String, Value>) -> WireResponse {
        let node_text = Value::Object(node).to_string();
        let sign = self.inner.keys.alipay_platform.sign(node_text.as_bytes()).unwrap_or_default();
        let body = format!("{{\"{node_name}\":{node_text},\"sign\":{}}}", json!(sign));
        WireResponse::new(200, "application/json;charset=utf-8", body)
    }

    /// Opens a trade from a verified biz_content; the reference a phone uses to pay it.
    pub(crate) fn alipay_open(
        &self,
        biz: &Value,
        notify_url: String,
        kind: &str,
        return_url: Option<String>,
    ) -> Result<String, Map<String, Value>> {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        let amount = biz["total_amount"].as_str().and_then(yuan_to_fen).filter(|fen| *fen > 0);
        let (Some(amount), false) = (amount, out_trade_no.is_empty()) else {
            return Err(failure(
                "40002",
                "Invalid Arguments",
                "isv.missing-or-invalid-parameter",
                "out_trade_no / total_amount",
            ));
        };
        let mut state = self.state();
        if let Some(existing) = state.trade(ProviderKind::Alipay, out_trade_no) {
            if existing.stage == Stage::Paid {
                return Err(business_failure("ACQ.TRADE_HAS_SUCCESS", "交易已被支付"));
            }
            if existing.amount_fen != amount {
                return Err(business_failure("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"));
            }
        }
        let mut trade = Trade::new(ProviderKind::Alipay, out_trade_no, amount, &notify_url, kind);
        trade.subject = biz["subject"].as_str().unwrap_or_default().to_string();
        trade.return_url = return_url;
        trade.expires_at = biz["time_expire"].as_str().and_then(|at| {
            chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|at| at - chrono::Duration::hours(8))
        });
        let token = format!("alipay-{}", random_token(20));
        // Opening the same trade again (a retry) adds another way to reach the one trade.
        state.open(trade, Some(token.clone()));
        Ok(token)
    }

    fn alipay_precreate(&self, biz: &Value, notify_url: String) -> Map<String, Value> {
        match self.alipay_open(biz, notify_url, "qr", None) {
            Ok(token) => success(json!({
                "out_trade_no": biz["out_trade_no"],
                "qr_code": self.link(&format!("/sandbox/wallet/scan/{token}")),
            })),
            Err(node) => node,
        }
    }

    fn alipay_query(&self, biz: &Value) -> Map<String, Value> {
        let state = self.state();
        let Some(trade) = state.trade(ProviderKind::Alipay, biz["out_trade_no"].as_str().unwrap_or_default()) else {
            return business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在");
        };
        let mut fields = json!({
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.provider_trade_no,
            "trade_status": state_name(trade.stage, trade.refunded_fen == trade.amount_fen),
            "total_amount": fen_to_yuan(trade.amount_fen),
            "buyer_logon_id": "san***@sandbox.com",
        });
        if let Some(paid_at) = trade.paid_at {
            fields["send_pay_date"] =
                json!((paid_at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string());
            fields["buyer_pay_amount"] = json!(fen_to_yuan(trade.amount_fen));
        }
        success(fields)
    }

    fn alipay_refund(&self, biz: &Value) -> Map<String, Value> {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        // Without out_request_no Alipay treats the request as the one full refund of the trade.
        let request_no = biz["out_request_no"].as_str().unwrap_or(out_trade_no);
        let Some(amount) = biz["refund_amount"].as_str().and_then(yuan_to_fen) else {
            return failure("40002", "Invalid Arguments", "isv.missing-or-invalid-parameter", "refund_amount");
        };
        let mut state = self.state();
        match state.refund(ProviderKind::Alipay, out_trade_no, request_no, amount) {
            Ok((_, fresh)) => {
                let trade = state.trade(ProviderKind::Alipay, out_trade_no);
                let (trade_no, refunded) =
                    trade.map(|t| (t.provider_trade_no.clone(), t.refunded_fen)).unwrap_or_default();
                success(json!({
                    "out_trade_no": out_trade_no,
                    "trade_no": trade_no,
                    "refund_fee": fen_to_yuan(refunded),
                    // `N` on a replayed out_request_no: no money moved this time.
                    "fund_change": if fresh { "Y" } else { "N" },
                }))
            }
            Err("TRADE_NOT_EXIST") => business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在"),
            Err("TRADE_STATUS_ERROR") => business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
            Err(_) => business_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"),
        }
    }

    fn alipay_close(&self, biz: &Value) -> Map<String, Value> {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        let mut state = self.state();
        let Some(trade) = state.trade_mut(ProviderKind::Alipay, out_trade_no) else {
            return business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在");
        };
        if trade.stage == Stage::Paid {
            return business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
        }
        trade.stage = Stage::Closed;
        success(json!({ "out_trade_no": out_trade_no, "trade_no": trade.provider_trade_no }))
    }
}
