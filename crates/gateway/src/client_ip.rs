//! The client's address behind proxies. `X-Forwarded-For` is a list each proxy appends to, so
//! only its right end is written by proxies we run; everything to the left came from the client
//! and may be forged. The client is the right-most address that is not one of our proxies.

use actix_web::HttpRequest;
use std::net::IpAddr;

/// A trusted proxy: one address, or a network such as `10.0.0.0/8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyNet {
    network: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    pub fn parse(raw: &str) -> Option<ProxyNet> {
        let (address, prefix) = match raw.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (raw, None),
        };
        let network: IpAddr = address.trim().parse().ok()?;
        let full = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(full);
        (prefix <= full).then_some(ProxyNet { network, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> u128 {
            match ip {
                IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        if self.network.is_ipv4() != address.is_ipv4() {
            return false;
        }
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
        bits(self.network) & mask == bits(address) & mask
    }
}

/// The right-most address of `forwarded` (the `X-Forwarded-For` values in order) that is not a
/// trusted proxy. With no proxy list, that is the last hop, the one our own proxy added.
pub fn from_forwarded_for<'a>(forwarded: impl Iterator<Item = &'a str>, proxies: &[ProxyNet]) -> Option<IpAddr> {
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|value| value.split(',')).filter_map(|hop| parse_hop(hop.trim())).collect();
    hops.into_iter().rev().find(|hop| !proxies.iter().any(|proxy| proxy.contains(*hop)))
}

/// `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80` or `::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|socket| socket.ip()))
}

/// The client's IP: the peer address, or, when the gateway is configured to trust a proxy in
/// front of it, the right-most forwarded address that is not one of the trusted proxies.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool, proxies: &[ProxyNet]) -> Option<String> {
    let peer = req.peer_addr().map(|socket| socket.ip());
    if trust_forwarded_for {
        let values = req.headers().get_all("x-forwarded-for").filter_map(|value| value.to_str().ok());
        if let Some(client) = from_forwarded_for(values, proxies) {
            return Some(client.to_string());
        }
    }
    peer.map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(header: &str, proxies: &[&str]) -> Option<String> {
        let proxies: Vec<ProxyNet> = proxies.iter().map(|raw| ProxyNet::parse(raw).unwrap()).collect();
        from_forwarded_for(std::iter::once(header), &proxies).map(|ip| ip.to_string())
    }

    #[test]
    fn the_client_cannot_choose_its_address_by_prepending_one() {
        // The client sent `X-Forwarded-For: 6.6.6.6`; our proxy appended the real peer.
        assert_eq!(client("6.6.6.6, 203.0.113.7", &[]).as_deref(), Some("203.0.113.7"));
        assert_eq!(client("6.6.6.6, 203.0.113.7, 10.0.0.2", &["10.0.0.0/8"]).as_deref(), Some("203.0.113.7"));
        assert_eq!(
            client("203.0.113.7, 10.0.0.2, 10.0.0.3", &["10.0.0.2", "10.0.0.3"]).as_deref(),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn odd_hops_and_networks() {
        assert_eq!(client("junk, 2001:db8::1", &[]).as_deref(), Some("2001:db8::1"));
        assert_eq!(client("198.51.100.1:4711", &[]).as_deref(), Some("198.51.100.1"));
        assert_eq!(client("10.1.2.3", &["10.0.0.0/8"]), None);
        assert!(ProxyNet::parse("10.0.0.0/33").is_none());
        assert!(ProxyNet::parse("fd00::/8").unwrap().contains("fd12::1".parse().unwrap()));
        assert!(!ProxyNet::parse("10.0.0.0/8").unwrap().contains("::1".parse().unwrap()));
    }
}
