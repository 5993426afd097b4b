//! SMS one-time codes: six digits, stored only as a keyed hash in kv for five minutes, single use,
//! burnt after five wrong tries, and sent under rate limits that stop SMS pumping.

use crate::{IdentityError, Phone};
use bazaar_kv::{Kv, Limit};
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OtpPurpose {
    /// Sign in (or sign up) by code.
    Login,
    /// Prove the phone before registering it with a password.
    Register,
}

impl OtpPurpose {
    fn as_str(self) -> &'static str {
        match self {
            OtpPurpose::Login => "login",
            OtpPurpose::Register => "register",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OtpSettings {
    pub code_ttl: Duration,
    pub max_attempts: i64,
    pub per_phone_minute: Limit,
    pub per_phone_day: Limit,
    pub per_ip_hour: Limit,
    pub global_minute: Limit,
}

impl Default for OtpSettings {
    fn default() -> Self {
        OtpSettings {
            code_ttl: Duration::from_secs(300),
            max_attempts: 5,
            per_phone_minute: Limit::new(1, Duration::from_secs(60)),
            per_phone_day: Limit::new(10, Duration::from_secs(86_400)),
            per_ip_hour: Limit::new(30, Duration::from_secs(3_600)),
            global_minute: Limit::new(600, Duration::from_secs(60)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSent {
    /// Seconds the code stays valid.
    pub expires_in: u64,
    /// Seconds before another code may be requested for this phone.
    pub resend_after: u64,
}

pub(crate) struct OtpCodes<'a> {
    pub kv: &'a Kv,
    pub settings: &'a OtpSettings,
    /// Keys the code hashes, so a dump of kv does not reveal codes (a million guesses is nothing).
    pub pepper: &'a [u8],
}

impl OtpCodes<'_> {
    fn code_key(purpose: OtpPurpose, phone: &Phone) -> String {
        format!("otp:{}:{}", purpose.as_str(), phone)
    }

    fn attempts_key(purpose: OtpPurpose, phone: &Phone) -> String {
        format!("otp_attempts:{}:{}", purpose.as_str(), phone)
    }

    fn digest(&self, purpose: OtpPurpose, phone: &Phone, code: &str) -> String {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.pepper).expect("HMAC takes any key length");
        mac.update(format!("{}|{}|{}", purpose.as_str(), phone, code).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Applies the send limits in order of how often they bite, stopping at the first refusal.
    pub async fn check_send_limits(&self, phone: &Phone, ip: Option<&str>) -> Result<(), IdentityError> {
        let settings = self.settings;
        let mut checks = vec![
            (format!("rl:otp:phone:1m:{phone}"), settings.per_phone_minute),
            (format!("rl:otp:phone:1d:{phone}"), settings.per_phone_day),
        ];
        if let Some(ip) = ip {
            checks.push((format!("rl:otp:ip:1h:{ip}"), settings.per_ip_hour));
        }
        checks.push(("rl:otp:global:1m".to_string(), settings.global_minute));
        for (key, limit) in checks {
            if let Some(retry_after) = self.kv.hit(&key, limit).await? {
                return Err(IdentityError::RateLimited { retry_after });
            }
        }
        Ok(())
    }

    /// Creates a code, replacing any earlier one, and returns it for sending.
    pub async fn issue(&self, purpose: OtpPurpose, phone: &Phone) -> Result<String, IdentityError> {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        let ttl = Some(self.settings.code_ttl);
        self.kv.set(&Self::code_key(purpose, phone), &self.digest(purpose, phone, &code), ttl).await?;
        self.kv.delete(&Self::attempts_key(purpose, phone)).await?;
        Ok(code)
    }

    pub async fn discard(&self, purpose: OtpPurpose, phone: &Phone) -> Result<(), IdentityError> {
        self.kv.delete(&Self::code_key(purpose, phone)).await?;
        Ok(())
    }

    /// Checks `code`; on success the code is spent. Every try counts before comparing, so
    /// concurrent guesses cannot exceed the limit.
    pub async fn verify(&self, purpose: OtpPurpose, phone: &Phone, code: &str) -> Result<(), IdentityError> {
        let code_key = Self::code_key(purpose, phone);
        let Some(expected) = self.kv.get(&code_key).await? else {
            return Err(IdentityError::OtpExpired);
        };
        let attempts_key = Self::attempts_key(purpose, phone);
        let attempts = self.kv.incr(&attempts_key, 1, Some(self.settings.code_ttl)).await?;
        if attempts > self.settings.max_attempts {
            self.kv.delete(&code_key).await?;
            return Err(IdentityError::OtpBurned);
        }
        let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        if !well_formed || !constant_time_eq(&self.digest(purpose, phone, code), &expected) {
            let attempts_left = self.settings.max_attempts - attempts;
            if attempts_left == 0 {
                self.kv.delete(&code_key).await?;
                return Err(IdentityError::OtpBurned);
            }
            return Err(IdentityError::OtpWrong { attempts_left });
        }
        // Single use: only the request that deletes the code logs in.
        if !self.kv.delete(&code_key).await? {
            return Err(IdentityError::OtpExpired);
        }
        self.kv.delete(&attempts_key).await?;
        Ok(())
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The text of a login code message.
pub(crate) fn login_message(code: &str, ttl: Duration) -> String {
    format!("【Bazaar】您的登录验证码是 {code}，{} 分钟内有效，请勿告诉他人。", ttl.as_secs().div_ceil(60))
}
