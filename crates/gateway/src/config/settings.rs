//! What the gateway derives from its own keys: whether the sandbox may run here, the trusted
//! proxies.

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
}
