//! The sandbox phone wallet: given what the merchant handed the phone (an Alipay order string, a
//! scanned QR code, a WeChat prepay id or code URL, a UnionPay `tn`, a cashier page link), it
//! pays or declines the trade, and the provider then notifies the merchant.

use crate::notify::{Delivery, NotifyOptions};
use crate::trades::Stage;
use crate::{Sandbox, WireResponse};
use bazaar_payments::ProviderKind;
use bazaar_payments::crypto::random_token;
use bazaar_payments::provider::fen_to_yuan;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WalletAction {
    Pay,
    Decline,
}

#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("nothing to pay is known by that reference")]
    UnknownReference,
    #[error("the order string's signature does not verify: {0}")]
    BadOrderString(String),
    #[error("the trade is {0}")]
    NotPayable(&'static str),
}

#[derive(Debug, Clone, Serialize)]
pub struct WalletOutcome {
    pub provider: ProviderKind,
    pub out_trade_no: String,
    pub amount: String,
    pub subject: String,
    /// `paid` or `declined`.
    pub status: &'static str,
    pub deliveries: Vec<Delivery>,
}

impl Sandbox {
    /// The trade a phone reaches with `reference`, opening it first for an Alipay app order
    /// string (the Alipay app submits it to Alipay, which checks the merchant's signature).
    fn resolve(&self, reference: &str) -> Result<(ProviderKind, String), WalletError> {
        let reference = reference.trim();
        if reference.contains("method=alipay.trade.app.pay") {
            let params: Vec<(String, String)> = form_urlencoded::parse(reference.as_bytes()).into_owned().collect();
            let biz = self.alipay_verified(&params).map_err(|node| {
                WalletError::BadOrderString(node.get("sub_msg").map(ToString::to_string).unwrap_or_default())
            })?;
            let notify_url = params.iter().find(|(key, _)| key == "notify_url").map(|(_, value)| value.clone());
            let token = self
                .alipay_open(&biz, notify_url.unwrap_or_default(), "app", None)
                .map_err(|_| WalletError::NotPayable("not payable (already paid or inconsistent)"))?;
            return self.resolve(&token);
        }
        let key = if let Some((_, token)) = reference.split_once("/sandbox/wallet/scan/") {
            token.to_string()
        } else if let Some((_, token)) = reference.split_once("reference=") {
            token.split('&').next().unwrap_or_default().to_string()
        } else if let Some(tn) = reference.strip_prefix("upwallet://pay?tn=") {
            tn.to_string()
        } else {
            reference.to_string()
        };
        self.state().references.get(&key).cloned().ok_or(WalletError::UnknownReference)
    }

    /// Pays or declines; a payment is then notified according to `options`.
    pub fn wallet(
        &self,
        reference: &str,
        action: WalletAction,
        options: &NotifyOptions,
    ) -> Result<WalletOutcome, WalletError> {
        let (provider, out_trade_no) = self.resolve(reference)?;
        let trade = {
            let mut state = self.state();
            let trade = state.trade_mut(provider, &out_trade_no).ok_or(WalletError::UnknownReference)?;
            match trade.stage {
                Stage::Paid => return Err(WalletError::NotPayable("already paid")),
                Stage::Closed => return Err(WalletError::NotPayable("closed")),
                Stage::Waiting | Stage::Failed if trade.expired() => return Err(WalletError::NotPayable("expired")),
                Stage::Waiting | Stage::Failed => {}
            }
            match action {
                WalletAction::Pay => {
                    trade.stage = Stage::Paid;
                    trade.paid_at = Some(chrono::Utc::now().naive_utc());
                    if trade.provider == ProviderKind::Unionpay {
                        trade.provider_trade_no = format!("{}{}", trade.txn_time, random_token(7).to_uppercase());
                    }
                }
                // Alipay keeps the trade open for another try; WeChat Pay and UnionPay record a
                // failed payment.
                WalletAction::Decline if provider != ProviderKind::Alipay => trade.stage = Stage::Failed,
                WalletAction::Decline => {}
            }
            trade.clone()
        };
        if action == WalletAction::Pay {
            self.announce(&trade, options);
        }
        Ok(WalletOutcome {
            provider,
            amount: fen_to_yuan(trade.amount_fen),
            subject: trade.subject.clone(),
            status: if action == WalletAction::Pay { "paid" } else { "declined" },
            deliveries: self.deliveries(&out_trade_no),
            out_trade_no,
        })
    }

    /// The cashier page a phone browser shows for `reference`: what is paid, and two buttons.
    /// `redirect_url` is WeChat Pay's way back to the merchant, added to its cashier link.
    pub fn cashier_page(&self, reference: &str, redirect_url: Option<&str>) -> WireResponse {
        let found = self.resolve(reference).ok().and_then(|(provider, number)| {
            self.state().trade(provider, &number).map(|trade| (provider, trade.clone()))
        });
        let Some((provider, trade)) = found else {
            return WireResponse::new(404, "text/html; charset=utf-8", page("没有找到这笔交易 (unknown payment)", ""));
        };
        let escaped = html_escape(reference);
        let back = html_escape(redirect_url.filter(|url| is_web_url(url)).unwrap_or_default());
        let body = format!(
            "<p>{provider} · {subject}</p><p class=amount>¥{amount}</p><p>{state}</p>\
             <form method=post action=\"/sandbox/wallet/cashier\"><input type=hidden name=reference value=\"{escaped}\">\
             <input type=hidden name=\"redirect_url\" value=\"{back}\">\
             <button name=action value=pay>确认付款 Pay</button> <button name=action value=decline>取消 Decline</button></form>",
            provider = provider.as_str(),
            subject = html_escape(&trade.subject),
            amount = fen_to_yuan(trade.amount_fen),
            state = match trade.stage {
                Stage::Waiting => "待付款 waiting for payment",
                Stage::Paid => "已付款 paid",
                Stage::Closed => "已关闭 closed",
                Stage::Failed => "付款失败 failed",
            },
        );
        WireResponse::new(200, "text/html; charset=utf-8", page("Bazaar 沙箱收银台 (sandbox cashier)", &body))
    }

    /// The cashier page's form: pays or declines, then shows the result and the way back to the
    /// merchant (the trade's own `return_url`, else the link's `redirect_url`).
    pub fn cashier_submit(&self, reference: &str, action: WalletAction, redirect_url: Option<&str>) -> WireResponse {
        let stored = self.resolve(reference).ok().and_then(|(provider, number)| {
            self.state().trade(provider, &number).and_then(|trade| trade.return_url.clone())
        });
        match self.wallet(reference, action, &NotifyOptions::default()) {
            Ok(outcome) => {
                let mut text = format!("<p class=amount>¥{}</p><p>{}</p>", outcome.amount, outcome.status);
                if let Some(back) = stored.as_deref().or(redirect_url).filter(|url| is_web_url(url)) {
                    text.push_str(&format!(
                        "<p><a href=\"{}\" data-return>返回商家 (back to the shop)</a></p>",
                        html_escape(back)
                    ));
                }
                WireResponse::new(200, "text/html; charset=utf-8", page("完成 (done)", &text))
            }
            Err(err) => WireResponse::new(
                409,
                "text/html; charset=utf-8",
                page("无法付款 (cannot pay)", &html_escape(&err.to_string())),
            ),
        }
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=zh><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>{title}</title><style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}\
         .amount{{font-size:2em}}button{{font-size:1.2em;padding:.5em 1em}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    )
}

/// Only http(s) links are offered as the way back: never `javascript:` or another scheme.
fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
