//! Browsing pages: home, search and category results, a shop.

use super::{Chrome, encode, yuan};
use askama::Template;
use bazaar_catalog::{CategoryNode, ShopPage};
use bazaar_search::{Hit, QueryCount, SearchPage};

pub struct CategoryLink {
    pub name: String,
    pub href: String,
    pub children: Vec<CategoryLink>,
}

impl CategoryLink {
    pub fn tree(nodes: &[CategoryNode], chrome: &Chrome) -> Vec<CategoryLink> {
        nodes
            .iter()
            .map(|node| CategoryLink {
                name: localised(chrome, &node.name_zh, &node.name_en).to_string(),
                href: format!("/m/categories/{}", node.id),
                children: CategoryLink::tree(&node.children, chrome),
            })
            .collect()
    }
}

fn localised<'a>(chrome: &Chrome, zh: &'a str, en: &'a str) -> &'a str {
    if chrome.lang == crate::Lang::En && !en.is_empty() { en } else { zh }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub categories: Vec<CategoryLink>,
    pub hot: Vec<(String, String)>,
    /// Live and upcoming flash sales (set by the caller).
    pub flash: Vec<super::flash::FlashCard>,
    /// What a signed-in shopper looked at lately, still on sale: (title, href, image, price).
    pub recent: Vec<(String, String, Option<String>, String)>,
}

impl HomePage {
    pub fn new(chrome: Chrome, categories: &[CategoryNode], hot: &[QueryCount]) -> HomePage {
        let hot =
            hot.iter().map(|entry| (entry.query.clone(), format!("/m/search?q={}", encode(&entry.query)))).collect();
        HomePage {
            categories: CategoryLink::tree(categories, &chrome),
            hot,
            flash: Vec::new(),
            recent: Vec::new(),
            chrome,
        }
    }

    /// Adds the shopper's recently viewed products (the first six).
    pub fn with_recent(mut self, cards: &[bazaar_catalog::ProductCard]) -> HomePage {
        self.recent = cards
            .iter()
            .take(6)
            .map(|card| {
                (card.title.clone(), format!("/m/products/{}", card.id), card.image.clone(), yuan(card.price_min))
            })
            .collect();
        self
    }
}

/// The filters a results page was asked for, as they came in the query string.
#[derive(Default, Clone)]
pub struct SearchFilters {
    pub q: String,
    pub category_id: Option<i64>,
    pub brand: Option<String>,
    pub price_min: Option<String>,
    pub price_max: Option<String>,
}

impl SearchFilters {
    /// The results page at `base` with these filters, one changed by `change`.
    fn href(&self, base: &str, change: impl FnOnce(&mut SearchFilters), cursor: Option<&str>) -> String {
        let mut filters = self.clone();
        change(&mut filters);
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !filters.q.is_empty() {
            query.append_pair("q", &filters.q);
        }
        if let Some(category) = filters.category_id {
            query.append_pair("category_id", &category.to_string());
        }
        for (key, value) in
            [("brand", &filters.brand), ("price_min", &filters.price_min), ("price_max", &filters.price_max)]
        {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
        let query = query.finish();
        if query.is_empty() { base.to_string() } else { format!("{base}?{query}") }
    }
}

pub struct ResultCard {
    pub title: String,
    pub href: String,
    pub image: Option<String>,
    pub price: String,
    pub shop_name: String,
    pub sales: i64,
    pub sold_out: bool,
}

pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

/// Search results, a category's or a shop's products: the same list with its facets.
#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage {
    pub chrome: Chrome,
    pub heading: String,
    pub q: String,
    pub total: usize,
    pub items: Vec<ResultCard>,
    pub categories: Vec<FacetLink>,
    pub brands: Vec<FacetLink>,
    pub prices: Vec<FacetLink>,
    pub filtered: bool,
    pub clear_href: String,
    pub next_href: Option<String>,
    pub shop: Option<ShopView>,
}

pub struct ShopView {
    pub name: String,
    pub description: String,
    pub logo_url: Option<String>,
    pub followers: i64,
    pub follow_action: String,
    pub following: bool,
}

impl ShopView {
    pub fn new(shop: &ShopPage, following: bool) -> ShopView {
        ShopView {
            name: shop.name.clone(),
            description: shop.description.clone(),
            logo_url: shop.logo_url.clone(),
            followers: shop.followers_count,
            follow_action: format!("/m/shops/{}/follow", shop.id),
            following,
        }
    }
}

impl ResultsPage {
    /// The facets with their headings, in the order they are shown.
    pub fn facet_groups(&self) -> [(&'static str, &[FacetLink]); 3] {
        let t = self.chrome.t;
        [(t.filter_category, &self.categories), (t.filter_brand, &self.brands), (t.filter_price, &self.prices)]
    }
}

fn card(hit: &Hit) -> ResultCard {
    ResultCard {
        title: hit.title.clone(),
        href: format!("/m/products/{}", hit.id),
        image: hit.image.clone(),
        price: yuan(bazaar_core::Money::from_minor(hit.price)),
        shop_name: hit.shop_name.clone(),
        sales: hit.sales,
        sold_out: hit.stock <= 0,
    }
}

impl ResultsPage {
    /// `base` is the page's own path (`/m/search`, `/m/categories/3`, `/m/shops/2`); the filters
    /// it fixes by its path are not repeated in its links.
    pub fn new(chrome: Chrome, heading: String, base: &str, filters: &SearchFilters, page: &SearchPage) -> ResultsPage {
        let href = |change: &dyn Fn(&mut SearchFilters)| filters.href(base, |f| change(f), None);
        let facets = page.facets.as_ref();
        let categories = facets
            .map(|facets| {
                facets
                    .categories
                    .iter()
                    .map(|c| FacetLink {
                        label: localised(&chrome, &c.name_zh, &c.name_en).to_string(),
                        count: c.count,
                        href: if base == "/m/search" {
                            href(&|f| f.category_id = Some(c.id))
                        } else {
                            format!("/m/categories/{}", c.id)
                        },
                        active: filters.category_id == Some(c.id),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let brands = facets
            .map(|facets| {
                facets
                    .brands
                    .iter()
                    .filter(|b| !b.brand.is_empty())
                    .map(|b| FacetLink {
                        label: b.brand.clone(),
                        count: b.count,
                        href: href(&|f| f.brand = Some(b.brand.clone())),
                        active: filters.brand.as_deref() == Some(b.brand.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let prices = facets
            .map(|facets| {
                facets
                    .prices
                    .iter()
                    .filter(|p| p.count > 0)
                    .map(|p| {
                        let (from, to) = (p.from.to_string(), p.to.map(|to| to.to_string()));
                        FacetLink {
                            label: match &to {
                                Some(to) => format!("¥{from}–{to}"),
                                None => format!("¥{from}+"),
                            },
                            count: p.count,
                            href: href(&|f| {
                                f.price_min = Some(from.clone());
                                f.price_max = to.clone();
                            }),
                            active: filters.price_min.as_deref() == Some(from.as_str()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let next_href = page.next_cursor.as_deref().map(|cursor| filters.href(base, |_| {}, Some(cursor)));
        let filtered = filters.brand.is_some()
            || filters.price_min.is_some()
            || (base == "/m/search" && filters.category_id.is_some());
        let clear_href = filters.href(
            base,
            |f| {
                f.brand = None;
                f.price_min = None;
                f.price_max = None;
                if base == "/m/search" {
                    f.category_id = None;
                }
            },
            None,
        );
        ResultsPage {
            chrome,
            heading,
            q: filters.q.clone(),
            total: page.total,
            items: page.items.iter().map(card).collect(),
            categories,
            brands,
            prices,
            filtered,
            clear_href,
            next_href,
            shop: None,
        }
    }
}
