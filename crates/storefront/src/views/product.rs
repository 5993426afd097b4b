//! The product page: gallery, the spec selector (works without JavaScript: each option is a link
//! to the page with that option chosen), the chosen SKU's price and stock, the shop card and the
//! add-to-cart form.

use super::{Chrome, encode, yuan};
use crate::Messages;
use askama::Template;
use bazaar_catalog::{ProductDetail, SkuView};
use bazaar_promotions::{CouponKind, ProductOffers, TemplateView};
use std::collections::BTreeMap;

pub struct SpecOption {
    pub value: String,
    pub href: String,
    pub selected: bool,
    /// Some SKU with stock has this option together with the other options chosen so far.
    pub available: bool,
}

pub struct SpecChoice {
    pub name: String,
    pub options: Vec<SpecOption>,
}

pub struct ChosenSku {
    pub id: i64,
    pub price: String,
    pub original_price: Option<String>,
    pub stock: i64,
}

#[derive(Template)]
#[template(path = "product.html")]
pub struct ProductPage {
    pub chrome: Chrome,
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub images: Vec<String>,
    pub price_range: String,
    pub sales: i64,
    pub specs: Vec<SpecChoice>,
    pub chosen: Option<ChosenSku>,
    pub sold_out: bool,
    pub shop_name: String,
    pub shop_href: String,
    pub shop_followers: i64,
    /// The shop, for "chat with the seller".
    pub shop_id: i64,
    pub cart_action: String,
    /// Shown after the add-to-cart form went through (or why it did not).
    pub notice: Option<String>,
    pub error: Option<String>,
    /// Coupons one may claim here: (template id, what it gives, its name).
    pub coupons: Vec<(i64, String, String)>,
    /// The automatic deals that apply (满减, 限时折扣…), as their labels.
    pub deals: Vec<String>,
}

/// Whether `sku` has every option in `chosen` (ignoring the dimension `except`).
fn matches(sku: &SkuView, chosen: &BTreeMap<String, String>, except: Option<&str>) -> bool {
    chosen.iter().all(|(name, value)| Some(name.as_str()) == except || sku.specs.get(name) == Some(value))
}

impl ProductPage {
    /// `picked` is the query string's pairs; only known dimensions and values count.
    pub fn new(chrome: Chrome, product: &ProductDetail, picked: &[(String, String)]) -> ProductPage {
        let dimensions = &product.text.specs;
        let chosen: BTreeMap<String, String> = picked
            .iter()
            .filter(|(name, value)| dimensions.iter().any(|d| &d.name == name && d.values.contains(value)))
            .cloned()
            .collect();
        let page_href = |choice: &BTreeMap<String, String>| {
            let query: Vec<String> = choice.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
            format!("/m/products/{}?{}", product.id, query.join("&"))
        };
        let specs = dimensions
            .iter()
            .map(|dimension| SpecChoice {
                name: dimension.name.clone(),
                options: dimension
                    .values
                    .iter()
                    .map(|value| {
                        let mut with = chosen.clone();
                        with.insert(dimension.name.clone(), value.clone());
                        let available = product.skus.iter().any(|sku| {
                            sku.stock > 0
                                && sku.specs.get(&dimension.name) == Some(value)
                                && matches(sku, &chosen, Some(&dimension.name))
                        });
                        SpecOption {
                            value: value.clone(),
                            href: page_href(&with),
                            selected: chosen.get(&dimension.name) == Some(value),
                            available,
                        }
                    })
                    .collect(),
            })
            .collect();
        let complete = chosen.len() == dimensions.len();
        let chosen_sku = if complete {
            product.skus.iter().find(|sku| matches(sku, &chosen, None) && sku.specs.len() == dimensions.len())
        } else {
            None
        };
        let price_range = if product.price_min == product.price_max {
            yuan(product.price_min)
        } else {
            format!("{}–{}", yuan(product.price_min), product.price_max)
        };
        ProductPage {
            id: product.id.get(),
            title: product.text.title.clone(),
            subtitle: product.text.subtitle.clone(),
            description: product.text.description.clone(),
            images: product.text.images.clone(),
            price_range,
            sales: product.sales_count,
            specs,
            chosen: chosen_sku.map(|sku| ChosenSku {
                id: sku.id.get(),
                price: yuan(sku.price),
                original_price: sku.original_price.map(yuan),
                stock: sku.stock,
            }),
            sold_out: product.total_stock <= 0,
            shop_name: product.shop.name.clone(),
            shop_href: format!("/m/shops/{}", product.shop.id),
            shop_followers: product.shop.followers_count,
            shop_id: product.shop.id.get(),
            cart_action: format!("/m/products/{}/cart", product.id),
            notice: None,
            error: None,
            coupons: Vec::new(),
            deals: Vec::new(),
            chrome,
        }
    }
}

/// What a coupon gives, as shoppers read it: "满 99 减 10", "9 折（最多减 ¥20.00）".
pub fn coupon_label(t: &'static Messages, coupon: &TemplateView) -> String {
    let min = coupon.min_spend;
    let threshold =
        if min > bazaar_core::Money::ZERO { t.coupon_over.replace("{min}", &yuan(min)) } else { String::new() };
    match (coupon.kind, coupon.amount_off, coupon.percent_off) {
        (CouponKind::Fixed, Some(off), _) => format!("{threshold}{}", t.coupon_off.replace("{off}", &yuan(off))),
        (CouponKind::Percent, _, Some(percent)) => {
            let cap = coupon.max_discount.map(|cap| t.coupon_cap.replace("{cap}", &yuan(cap))).unwrap_or_default();
            format!("{threshold}{}{cap}", t.coupon_percent.replace("{percent}", &percent.to_string()))
        }
        _ => coupon.name.clone(),
    }
}

impl ProductPage {
    /// Adds the product's claimable coupons and the deals that apply.
    pub fn with_offers(mut self, offers: &ProductOffers) -> ProductPage {
        let t = self.chrome.t;
        self.coupons =
            offers.coupons.iter().map(|coupon| (coupon.id.0, coupon_label(t, coupon), coupon.name.clone())).collect();
        self.deals = offers
            .deals
            .order_promotions
            .iter()
            .chain(&offers.deals.timed_prices)
            .map(|deal| deal.label.clone())
            .collect();
        self
    }
}
