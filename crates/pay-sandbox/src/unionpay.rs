//! Sandbox UnionPay ACP gateway: consume (`appTransReq.do` → `tn`), query (`queryTrans.do`) and
//! refund (`backTransReq.do`), form in and form out, both signed (`signMethod=01`).

use crate::trades::{Stage, Trade};
use crate::{Sandbox, WireResponse};
use bazaar_payments::ProviderKind;
use bazaar_payments::alipay::encode_form;
use bazaar_payments::unionpay::{field, signing_digest};

pub(crate) fn orig_resp_code(stage: Stage) -> &'static str {
    match stage {
        Stage::Paid => "00",
        Stage::Waiting => "05",
        Stage::Closed => "34",
        Stage::Failed => "01",
    }
}

impl Sandbox {
    /// Signs and encodes answer fields with the platform key.
    pub(crate) fn unionpay_signed(&self, mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
        for (key, value) in [("version", "5.1.0"), ("encoding", "UTF-8"), ("signMethod", "01")] {
            if field(&fields, key).is_none() {
                fields.push((key.into(), value.into()));
            }
        }
        let signature = self.inner.keys.unionpay_platform.sign(signing_digest(&fields).as_bytes()).unwrap_or_default();
        fields.push(("signature".into(), signature));
        fields
    }

    /// `endpoint` is the last path segment (`appTransReq.do`, ...).
    pub fn unionpay(&self, endpoint: &str, form: Vec<(String, String)>) -> WireResponse {
        let answer = match self.unionpay_verified(&form) {
            Err(message) => vec![("respCode".into(), "11".into()), ("respMsg".into(), message.into())],
            Ok(()) => match endpoint {
                "appTransReq.do" | "frontTransReq.do" => self.unionpay_consume(&form),
                "queryTrans.do" => self.unionpay_query(&form),
                "backTransReq.do" => self.unionpay_refund(&form),
                _ => vec![("respCode".into(), "12".into()), ("respMsg".into(), "unknown transaction".into())],
            },
        };
        let mut answer = answer;
        for echoed in ["merId", "orderId", "txnType", "txnSubType", "bizType", "accessType", "txnTime"] {
            if let (None, Some(value)) = (field(&answer, echoed), field(&form, echoed)) {
                answer.push((echoed.into(), value.into()));
            }
        }
        let body = encode_form(&self.unionpay_signed(answer));
        WireResponse::new(200, "application/x-www-form-urlencoded;charset=UTF-8", body)
    }

    fn unionpay_verified(&self, form: &[(String, String)]) -> Result<(), &'static str> {
        let ids = &self.inner.ids;
        if field(form, "merId") != Some(ids.unionpay_mer_id.as_str()) {
            return Err("merId is not a sandbox merchant");
        }
        if field(form, "certId") != Some(ids.unionpay_cert_id.as_str()) || field(form, "signMethod") != Some("01") {
            return Err("certId or signMethod not accepted");
        }
        let signed = field(form, "signature").is_some_and(|signature| {
            self.inner.keys.unionpay_merchant.verify(signing_digest(form).as_bytes(), signature)
        });
        if signed { Ok(()) } else { Err("signature does not verify") }
    }

    fn unionpay_consume(&self, form: &[(String, String)]) -> Vec<(String, String)> {
        let fail = |code: &str, message: &str| {
            vec![("respCode".to_string(), code.to_string()), ("respMsg".into(), message.into())]
        };
        let (Some(order_id), Some(amount), Some(back_url)) = (
            field(form, "orderId"),
            field(form, "txnAmt").and_then(|amount| amount.parse::<i64>().ok()).filter(|fen| *fen > 0),
            field(form, "backUrl"),
        ) else {
            return fail("30", "orderId, txnAmt and backUrl are required");
        };
        let mut state = self.state();
        if let Some(existing) = state.trade(ProviderKind::Unionpay, order_id)
            && (existing.stage == Stage::Paid || existing.amount_fen != amount)
        {
            return fail("12", "duplicate order");
        }
        let mut trade = Trade::new(ProviderKind::Unionpay, order_id, amount, back_url, "app");
        trade.subject = field(form, "orderDesc").unwrap_or_default().to_string();
        trade.return_url = field(form, "frontUrl").map(str::to_string);
        trade.txn_time = field(form, "txnTime").unwrap_or_default().to_string();
        trade.expires_at = field(form, "payTimeout").and_then(|at| {
            chrono::NaiveDateTime::parse_from_str(at, "%Y%m%d%H%M%S").ok().map(|at| at - chrono::Duration::hours(8))
        });
        let tn = (600_000_000_000_000_000u64 + rand::random_range(0..100_000_000_000_000_000u64)).to_string();
        state.open(trade, Some(tn.clone()));
        vec![("respCode".into(), "00".into()), ("respMsg".into(), "成功[0000000]".into()), ("tn".into(), tn)]
    }

    fn unionpay_query(&self, form: &[(String, String)]) -> Vec<(String, String)> {
        let state = self.state();
        let Some(trade) = field(form, "orderId").and_then(|id| state.trade(ProviderKind::Unionpay, id)) else {
            return vec![("respCode".into(), "34".into()), ("respMsg".into(), "查无此交易".into())];
        };
        vec![
            ("respCode".into(), "00".into()),
            ("respMsg".into(), "成功[0000000]".into()),
            ("origRespCode".into(), orig_resp_code(trade.stage).into()),
            ("origRespMsg".into(), "sandbox".into()),
            ("queryId".into(), trade.provider_trade_no.clone()),
            ("txnAmt".into(), trade.amount_fen.to_string()),
            ("currencyCode".into(), "156".into()),
        ]
    }

    fn unionpay_refund(&self, form: &[(String, String)]) -> Vec<(String, String)> {
        let fail = |code: &str, message: &str| {
            vec![("respCode".to_string(), code.to_string()), ("respMsg".into(), message.into())]
        };
        let (Some(refund_no), Some(orig_query_id), Some(amount)) = (
            field(form, "orderId"),
            field(form, "origQryId"),
            field(form, "txnAmt").and_then(|amount| amount.parse::<i64>().ok()),
        ) else {
            return fail("30", "orderId, origQryId and txnAmt are required");
        };
        let mut state = self.state();
        let Some(out_trade_no) = state
            .trades
            .values()
            .find(|trade| trade.provider == ProviderKind::Unionpay && trade.provider_trade_no == orig_query_id)
            .map(|trade| trade.out_trade_no.clone())
        else {
            return fail("35", "原交易不存在");
        };
        match state.refund(ProviderKind::Unionpay, &out_trade_no, refund_no, amount) {
            Ok((record, _)) => vec![
                ("respCode".into(), "00".into()),
                ("respMsg".into(), "成功[0000000]".into()),
                ("queryId".into(), record.refund_id),
                ("txnAmt".into(), record.amount_fen.to_string()),
            ],
            Err(_) => fail("36", "退货金额超限或原交易状态不正确"),
        }
    }
}
