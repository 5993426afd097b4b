//! The settings each part of the gateway is built from, composed from the flat configuration:
//! identity's, checkout's, the money ceilings, the sandbox's exposure, the trusted proxies.

use super::Config;

impl Config {
    /// Why the sandbox must not run here, if it must not: it hands out login codes and pays
    /// trades for anyone who can reach it, which is only acceptable on a developer's machine.
    pub fn sandbox_exposure(&self) -> Option<&'static str> {
        if !self.sandbox {
            return None;
        }
        let loopback =
            self.host == "localhost" || self.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            Some("the listen address is not loopback")
        } else if self.database_url().backend() == bazaar_db::Backend::Postgres {
            Some("the database is PostgreSQL (a production backend)")
        } else {
            None
        }
    }

    pub fn trusted_proxy_nets(&self) -> Vec<crate::client_ip::ProxyNet> {
        self.trusted_proxies.iter().filter_map(|raw| crate::client_ip::ProxyNet::parse(raw)).collect()
    }

    /// The money ceilings; `None` when one is out of range (refused at load time).
    pub fn money_limits(&self) -> Option<bazaar_core::MoneyLimits> {
        const MAX_YUAN: u64 = 1_000_000_000_000_000;
        let yuan =
            [self.max_price_yuan, self.max_shipping_fee_yuan, self.max_line_total_yuan, self.max_order_total_yuan];
        if yuan.iter().any(|value| *value > MAX_YUAN) {
            return None;
        }
        bazaar_core::MoneyLimits::from_yuan(yuan[0], yuan[1], yuan[2], yuan[3])
    }

    /// Checkout's settings.
    pub fn checkout_settings(&self) -> bazaar_checkout::CheckoutSettings {
        bazaar_checkout::CheckoutSettings {
            money: self.money_limits().unwrap_or_default(),
            max_unpaid_orders_per_buyer: self.max_unpaid_orders_per_buyer,
            max_reserved_units_per_buyer: self.max_reserved_units_per_buyer,
        }
    }

    /// Identity's settings. `jwt_secret` is filled in by start-up before this is called.
    pub fn identity_settings(&self) -> bazaar_identity::IdentitySettings {
        use bazaar_kv::Limit;
        use std::time::Duration;
        let mut settings = bazaar_identity::IdentitySettings::new(self.jwt_secret.clone().unwrap_or_default());
        settings.jwt_previous_secrets = self.jwt_previous_secrets.clone();
        settings.access_ttl = Duration::from_secs(self.access_token_ttl_secs);
        settings.refresh_ttl = Duration::from_secs(self.refresh_token_ttl_days * 86_400);
        settings.hash_cost = bazaar_identity::password::HashCost {
            memory_kib: self.password_hash_memory_kib,
            iterations: self.password_hash_iterations,
            parallelism: 1,
        };
        if self.password_hash_concurrency > 0 {
            settings.hash_concurrency = self.password_hash_concurrency;
        }
        let minute = Duration::from_secs(60);
        settings.otp.code_ttl = Duration::from_secs(self.otp_code_ttl_secs);
        settings.otp.per_phone_minute = Limit::new(self.otp_per_phone_per_minute, minute);
        settings.otp.per_phone_day = Limit::new(self.otp_per_phone_per_day, Duration::from_secs(86_400));
        settings.otp.per_ip_hour = Limit::new(self.otp_per_ip_per_hour, Duration::from_secs(3_600));
        settings.otp.global_minute = Limit::new(self.otp_global_per_minute, minute);
        settings.login_failures_per_phone = Limit::new(self.login_failures_per_phone, 15 * minute);
        settings.password_attempts_per_ip = Limit::new(self.password_attempts_per_ip_per_hour, 60 * minute);
        settings
    }
}
