//! Where a campaign or a short link sends a visitor: a page of this site's H5 storefront, or an
//! external URL on the configured allow-list. Checked when written (the target must belong to
//! the shop that writes it) and again when followed, so a short link is never an open redirect.

use crate::CampaignError;
use bazaar_core::ids::{CampaignId, CouponTemplateId, DrawId, ProductId, ShopId};
use bazaar_db::DbConn;
use serde::{Deserialize, Serialize};

/// What a campaign features, or where a link goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Target {
    Product {
        product_id: ProductId,
    },
    Shop {
        shop_id: ShopId,
    },
    /// A coupon to claim on the campaign's landing page.
    Coupon {
        coupon_template_id: CouponTemplateId,
    },
    Draw {
        draw_id: DrawId,
    },
    Search {
        q: String,
    },
    /// An external page; its host must be on `short_link_allowed_hosts`.
    External {
        url: String,
    },
}

impl Target {
    /// (kind, id, text) as stored.
    pub(crate) fn columns(&self) -> (&'static str, Option<i64>, Option<String>) {
        match self {
            Target::Product { product_id } => ("product", Some(product_id.get()), None),
            Target::Shop { shop_id } => ("shop", Some(shop_id.get()), None),
            Target::Coupon { coupon_template_id } => ("coupon", Some(coupon_template_id.get()), None),
            Target::Draw { draw_id } => ("draw", Some(draw_id.get()), None),
            Target::Search { q } => ("search", None, Some(q.clone())),
            Target::External { url } => ("external", None, Some(url.clone())),
        }
    }

    pub(crate) fn from_columns(kind: &str, id: Option<i64>, text: Option<String>) -> Option<Target> {
        Some(match (kind, id, text) {
            ("product", Some(id), _) => Target::Product { product_id: ProductId(id) },
            ("shop", Some(id), _) => Target::Shop { shop_id: ShopId(id) },
            ("coupon", Some(id), _) => Target::Coupon { coupon_template_id: CouponTemplateId(id) },
            ("draw", Some(id), _) => Target::Draw { draw_id: DrawId(id) },
            ("search", _, Some(q)) => Target::Search { q },
            ("external", _, Some(url)) => Target::External { url },
            _ => return None,
        })
    }

    /// The H5 path (or external URL) a visitor is sent to. A coupon is claimed on its campaign's
    /// landing page.
    pub fn location(&self, campaign: Option<CampaignId>) -> String {
        match self {
            Target::Product { product_id } => format!("/m/products/{product_id}"),
            Target::Shop { shop_id } => format!("/m/shops/{shop_id}"),
            Target::Draw { draw_id } => format!("/m/draws/{draw_id}"),
            Target::Search { q } => {
                format!("/m/search?q={}", form_encode(q))
            }
            Target::Coupon { .. } => match campaign {
                Some(campaign) => format!("/m/campaigns/{campaign}"),
                None => "/m/".to_string(),
            },
            Target::External { url } => url.clone(),
        }
    }
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The host of an `https://` or `http://` URL, lowercased, when the URL is plain enough to judge
/// (no user info, no backslashes, no whitespace).
pub(crate) fn external_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let host = authority.split(':').next()?.to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Whether `url` goes to a host on the allow-list.
pub(crate) fn external_allowed(url: &str, allowed_hosts: &[String]) -> bool {
    external_host(url).is_some_and(|host| allowed_hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(&host)))
}

/// Checks `target` for a campaign or link of `shop` (`None`: the platform, which may name any
/// shop's pages): it must exist and belong to the shop; an external URL must be allowed.
pub(crate) fn check(
    conn: &mut DbConn,
    shop: Option<ShopId>,
    target: &Target,
    allowed_hosts: &[String],
) -> Result<(), CampaignError> {
    let foreign = || CampaignError::invalid("target", "belongs to another shop");
    match target {
        Target::Product { product_id } => {
            let facts = bazaar_catalog::product_facts(conn, &[*product_id])?;
            let fact = facts.first().ok_or_else(|| CampaignError::invalid("target.product_id", "no such product"))?;
            if shop.is_some_and(|shop| shop != fact.shop_id) {
                return Err(foreign());
            }
        }
        Target::Shop { shop_id } => {
            if bazaar_identity::shop_status(conn, *shop_id)?.is_none() {
                return Err(CampaignError::invalid("target.shop_id", "no such shop"));
            }
            if shop.is_some_and(|shop| shop != *shop_id) {
                return Err(foreign());
            }
        }
        Target::Coupon { coupon_template_id } => match bazaar_promotions::coupon_issuer(conn, *coupon_template_id)? {
            None => return Err(CampaignError::invalid("target.coupon_template_id", "no such coupon")),
            Some(issuer) if shop.is_some() && issuer != shop => return Err(foreign()),
            Some(_) => {}
        },
        Target::Draw { draw_id } => match draw_shop(conn, *draw_id)? {
            None => return Err(CampaignError::invalid("target.draw_id", "no such draw")),
            Some(owner) if shop.is_some() && owner != shop => return Err(foreign()),
            Some(_) => {}
        },
        Target::Search { q } => {
            if q.trim().is_empty() || q.chars().count() > 100 {
                return Err(CampaignError::invalid("target.q", "must be 1 to 100 characters"));
            }
        }
        Target::External { url } => {
            if external_host(url).is_none() {
                return Err(CampaignError::invalid("target.url", "must be an http(s) URL"));
            }
            if !external_allowed(url, allowed_hosts) {
                return Err(CampaignError::invalid("target.url", "its host is not on short_link_allowed_hosts"));
            }
        }
    }
    Ok(())
}

/// The shop of a draw (`Some(None)`: the platform's; `None`: no such draw).
fn draw_shop(conn: &mut DbConn, id: bazaar_core::ids::DrawId) -> Result<Option<Option<ShopId>>, CampaignError> {
    use bazaar_db::schema::draws as d;
    use diesel::prelude::*;
    Ok(d::table.find(id).select(d::shop_id).get_result(conn).optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_urls_on_the_allow_list_pass() {
        let allowed = vec!["example.com".to_string()];
        assert!(external_allowed("https://example.com/a?b=c", &allowed));
        assert!(external_allowed("http://EXAMPLE.com:8080/", &allowed));
        assert!(!external_allowed("https://example.com.evil.io/", &allowed));
        assert!(!external_allowed("https://evil.io@example.com/", &allowed));
        assert!(!external_allowed("https://evil.io\\@example.com/", &allowed));
        assert!(!external_allowed("javascript:alert(1)", &allowed));
        assert!(!external_allowed("//example.com/", &allowed));
    }

    #[test]
    fn a_search_target_is_encoded() {
        assert_eq!(
            Target::Search { q: "手机 壳&x".into() }.location(None),
            "/m/search?q=%E6%89%8B%E6%9C%BA%20%E5%A3%B3%26x"
        );
    }
}
