//! Asynchronous notifications, as each provider sends them: Alipay a signed form expecting the body
//! `success`, WeChat Pay signed JSON with an AES-256-GCM encrypted resource expecting 200/204,
//! UnionPay a signed form expecting 200. Each is retried on the schedule until acknowledged.

use crate::Sandbox;
use crate::trades::Trade;
use bazaar_payments::ProviderKind;
use bazaar_payments::alipay::{encode_form, signing_string};
use bazaar_payments::crypto::{aes_gcm_encrypt, random_token};
use bazaar_payments::provider::fen_to_yuan;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// How the wallet's payment is announced to the merchant.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyOptions {
    /// Send nothing (the merchant must find out by querying).
    pub silent: bool,
    /// Send this many copies at once (at least one).
    pub duplicates: u32,
    /// After the payment notification, send a stale one describing the trade as still unpaid.
    pub out_of_order: bool,
}

/// One notification and how its delivery went.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub provider: ProviderKind,
    pub out_trade_no: String,
    /// `paid`, or `stale` for an out-of-order copy.
    pub kind: &'static str,
    pub attempts: u32,
    pub acknowledged: bool,
    pub last_status: Option<u16>,
}

/// A ready-to-send request: where, which headers, which bytes.
struct Outgoing {
    url: String,
    content_type: &'static str,
    headers: Vec<(String, String)>,
    body: String,
}

impl Sandbox {
    /// Sends the notifications for a just-paid trade according to `options` (in the background).
    pub(crate) fn announce(&self, trade: &Trade, options: &NotifyOptions) {
        if options.silent {
            return;
        }
        for _ in 0..options.duplicates.max(1) {
            let outgoing = self.notification(trade, false);
            self.spawn_delivery(trade, "paid", outgoing, None);
        }
        if options.out_of_order {
            let stale = self.notification(trade, true);
            // The stale copy leaves after the first one so it truly arrives out of order.
            self.spawn_delivery(trade, "stale", stale, Some(Duration::from_millis(50)));
        }
    }

    fn spawn_delivery(&self, trade: &Trade, kind: &'static str, outgoing: Outgoing, delay: Option<Duration>) {
        let index = {
            let mut state = self.state();
            state.deliveries.push(Delivery {
                provider: trade.provider,
                out_trade_no: trade.out_trade_no.clone(),
                kind,
                attempts: 0,
                acknowledged: false,
                last_status: None,
            });
            state.deliveries.len() - 1
        };
        let sandbox = self.clone();
        let provider = trade.provider;
        tokio::spawn(async move {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let mut pauses = sandbox.inner.retry_schedule.clone().into_iter();
            loop {
                let status = sandbox.send(&outgoing).await;
                let acknowledged = status.as_ref().is_some_and(|(code, body)| match provider {
                    ProviderKind::Alipay => *code == 200 && body.trim() == "success",
                    ProviderKind::Wechatpay => *code == 200 || *code == 204,
                    ProviderKind::Unionpay => *code == 200,
                });
                {
                    let mut state = sandbox.state();
                    if let Some(delivery) = state.deliveries.get_mut(index) {
                        delivery.attempts += 1;
                        delivery.acknowledged = acknowledged;
                        delivery.last_status = status.map(|(code, _)| code);
                    }
                }
                match (acknowledged, pauses.next()) {
                    (false, Some(pause)) => tokio::time::sleep(pause).await,
                    _ => break,
                }
            }
        });
    }

    async fn send(&self, outgoing: &Outgoing) -> Option<(u16, String)> {
        let mut request = self
            .inner
            .http
            .post(&outgoing.url)
            .header("content-type", outgoing.content_type)
            .body(outgoing.body.clone());
        for (name, value) in &outgoing.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.unwrap_or_default()))
    }

    fn notification(&self, trade: &Trade, stale: bool) -> Outgoing {
        match trade.provider {
            ProviderKind::Alipay => self.alipay_notification(trade, stale),
            ProviderKind::Wechatpay => self.wechat_notification(trade, stale),
            ProviderKind::Unionpay => self.unionpay_notification(trade, stale),
        }
    }

    fn alipay_notification(&self, trade: &Trade, stale: bool) -> Outgoing {
        let china =
            |at: chrono::NaiveDateTime| (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string();
        let now = chrono::Utc::now().naive_utc();
        let mut fields: Vec<(String, String)> = [
            ("notify_time", china(now)),
            ("notify_type", "trade_status_sync".into()),
            ("notify_id", random_token(32)),
            ("charset", "utf-8".into()),
            ("version", "1.0".into()),
            ("sign_type", "RSA2".into()),
            ("app_id", self.inner.ids.alipay_app_id.clone()),
            ("trade_no", trade.provider_trade_no.clone()),
            ("out_trade_no", trade.out_trade_no.clone()),
            ("trade_status", if stale { "WAIT_BUYER_PAY" } else { "TRADE_SUCCESS" }.into()),
            ("total_amount", fen_to_yuan(trade.amount_fen)),
            ("subject", trade.subject.clone()),
            ("gmt_create", china(trade.created_at)),
            ("buyer_id", "2088000000000001".into()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
        if let (false, Some(paid_at)) = (stale, trade.paid_at) {
            fields.push(("gmt_payment".into(), china(paid_at)));
            fields.push(("receipt_amount".into(), fen_to_yuan(trade.amount_fen)));
            fields.push(("buyer_pay_amount".into(), fen_to_yuan(trade.amount_fen)));
        }
        let sign = self.inner.keys.alipay_platform.sign(signing_string(&fields, true).as_bytes()).unwrap_or_default();
        fields.push(("sign".into(), sign));
        Outgoing {
            url: trade.notify_url.clone(),
            content_type: "application/x-www-form-urlencoded; charset=utf-8",
            headers: Vec::new(),
            body: encode_form(&fields),
        }
    }

    fn wechat_notification(&self, trade: &Trade, stale: bool) -> Outgoing {
        let transaction = self.wechat_transaction(trade, stale.then_some("NOTPAY"));
        let nonce = random_token(12);
        let ciphertext = aes_gcm_encrypt(
            self.inner.ids.wechat_apiv3_key.as_bytes(),
            nonce.as_bytes(),
            b"transaction",
            transaction.to_string().as_bytes(),
        )
        .unwrap_or_default();
        let body = json!({
            "id": format!("EV-{}", random_token(20)),
            "create_time": (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%dT%H:%M:%S+08:00").to_string(),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": "transaction",
                "nonce": nonce,
            },
        })
        .to_string();
        let signed = self.wechat_signed(200, body);
        Outgoing {
            url: trade.notify_url.clone(),
            content_type: "application/json",
            headers: signed.headers,
            body: signed.body,
        }
    }

    fn unionpay_notification(&self, trade: &Trade, stale: bool) -> Outgoing {
        let now = (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc();
        let fields: Vec<(String, String)> = [
            ("accessType", "0".to_string()),
            ("bizType", "000201".into()),
            ("currencyCode", "156".into()),
            ("merId", self.inner.ids.unionpay_mer_id.clone()),
            ("orderId", trade.out_trade_no.clone()),
            ("queryId", trade.provider_trade_no.clone()),
            ("respCode", if stale { "05" } else { "00" }.into()),
            ("respMsg", "success".into()),
            ("settleAmt", trade.amount_fen.to_string()),
            ("txnAmt", trade.amount_fen.to_string()),
            ("txnSubType", "01".into()),
            ("txnTime", trade.txn_time.clone()),
            ("txnType", "01".into()),
            ("traceNo", random_token(6)),
            ("traceTime", now.format("%m%d%H%M%S").to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
        Outgoing {
            url: trade.notify_url.clone(),
            content_type: "application/x-www-form-urlencoded; charset=UTF-8",
            headers: Vec::new(),
            body: encode_form(&self.unionpay_signed(fields)),
        }
    }

    /// Notifications sent for a trade, in the order they were started.
    pub fn deliveries(&self, out_trade_no: &str) -> Vec<Delivery> {
        self.state().deliveries.iter().filter(|delivery| delivery.out_trade_no == out_trade_no).cloned().collect()
    }
}
