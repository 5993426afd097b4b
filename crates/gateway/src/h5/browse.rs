//! Browsing: home, search, a category, a product (and adding it to the cart), a shop.

use super::visitor::{CsrfOnly, State, Visitor};
use super::{failure, forged, page, see_other, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_core::ids::{CategoryId, ProductId, ShopId, SkuId};
use bazaar_search::SearchParams;
use bazaar_storefront::views::{FlashCard, HomePage, ProductPage, ResultsPage, SearchFilters, ShopView};
use bazaar_storefront::{Chrome, render};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/", web::get().to(home))
        .route("/m/search", web::get().to(search))
        .route("/m/categories/{id}", web::get().to(category))
        .route("/m/products/{id}", web::get().to(product))
        .route("/m/products/{id}/cart", web::post().to(add_to_cart))
        .route("/m/shops/{id}", web::get().to(shop))
        .route("/m/shops/{id}/follow", web::post().to(follow))
        .route("/m/coupons/{id}/claim", web::post().to(claim_coupon));
}

/// The page frame with the cart and chat badges for a signed-in visitor (no badge where its
/// count cannot be read: a badge is not worth failing a page for).
pub async fn chrome(visitor: &Visitor, state: &State) -> Chrome {
    let mut chrome = visitor.chrome();
    if let Some(principal) = &visitor.principal {
        let (cart, unread) = tokio::join!(state.cart.view(principal), state.chat.unread_total(principal));
        chrome.cart_count = cart.map_or(0, |cart| cart.total_quantity);
        chrome.chat_unread = unread.unwrap_or(0);
    }
    chrome
}

async fn home(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let loaded = async {
        let categories = state.catalog.categories().await?;
        let hot = state.search.hot(10).await.unwrap_or_default();
        // Flash sales are a bonus on the page: an outage of them leaves the rest shown.
        let flash = state.promotions.flash_sales().await.unwrap_or_default();
        Ok::<_, ApiError>((categories, hot, flash))
    };
    match loaded.await {
        Ok((categories, hot, flash)) => {
            let mut view = HomePage::new(chrome(&visitor, &state).await, &categories, &hot);
            view.flash = flash.iter().map(|sale| FlashCard::new(view.chrome.t, sale)).collect();
            if let Some(principal) = &visitor.principal
                && let Ok(recent) = state.catalog.recently_viewed(principal).await
            {
                view = view.with_recent(&recent);
            }
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

#[derive(serde::Deserialize, Default)]
struct ResultsQuery {
    #[serde(default)]
    q: String,
    category_id: Option<String>,
    brand: Option<String>,
    price_min: Option<String>,
    price_max: Option<String>,
    cursor: Option<String>,
}

impl ResultsQuery {
    /// The filters as the page keeps them; a malformed number is dropped rather than refused (a
    /// hand-edited link still shows results).
    fn filters(&self) -> SearchFilters {
        let keep = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let price = |value: &Option<String>| keep(value).filter(|v| bazaar_core::Money::parse_str(v.trim()).is_ok());
        SearchFilters {
            q: self.q.trim().to_string(),
            category_id: self.category_id.as_deref().and_then(|id| id.parse().ok()),
            brand: keep(&self.brand),
            price_min: price(&self.price_min),
            price_max: price(&self.price_max),
        }
    }
}

fn params(filters: &SearchFilters, cursor: Option<String>, shop: Option<ShopId>) -> SearchParams {
    SearchParams {
        q: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        category_id: filters.category_id.map(CategoryId::from),
        shop_id: shop,
        brand: filters.brand.clone(),
        price_min: filters.price_min.clone(),
        price_max: filters.price_max.clone(),
        cursor,
        limit: Some(20),
        ..SearchParams::default()
    }
}

/// One results page: the search, a category or a shop.
async fn results(
    req: &HttpRequest,
    state: &State,
    base: &str,
    query: ResultsQuery,
    shop: Option<&bazaar_catalog::ShopPage>,
    heading: impl FnOnce(&Visitor) -> String,
) -> HttpResponse {
    let visitor = Visitor::of(req, state).await;
    if let Some(shop) = shop {
        count_visit(state, shop.id, &visitor);
    }
    let filters = query.filters();
    match state.search.search(params(&filters, query.cursor, shop.map(|shop| shop.id))).await {
        Ok(found) => {
            let mut view = ResultsPage::new(chrome(&visitor, state).await, heading(&visitor), base, &filters, &found);
            view.shop = shop.map(|shop| ShopView::new(shop, false));
            page(visitor, StatusCode::OK, render(&view))
        }
        // Filters were cleaned of malformed values above, so this is an outage or a bug.
        Err(err) => failure(visitor, err.into()),
    }
}

async fn search(req: HttpRequest, state: State, query: web::Query<ResultsQuery>) -> HttpResponse {
    let query = query.into_inner();
    let q = query.q.trim().to_string();
    results(&req, &state, "/m/search", query, None, |visitor| {
        if q.is_empty() { visitor.lang.messages().search.to_string() } else { q }
    })
    .await
}

async fn category(req: HttpRequest, state: State, id: web::Path<i64>, query: web::Query<ResultsQuery>) -> HttpResponse {
    let id = id.into_inner();
    let mut query = query.into_inner();
    query.category_id = Some(id.to_string());
    let name = match state.catalog.categories().await {
        Ok(tree) => find_category(&tree, id),
        Err(err) => return failure(Visitor::of(&req, &state).await, err.into()),
    };
    let Some((zh, en)) = name else {
        return not_found(req, state).await;
    };
    results(&req, &state, &format!("/m/categories/{id}"), query, None, |visitor| {
        if visitor.lang == bazaar_storefront::Lang::En && !en.is_empty() { en } else { zh }
    })
    .await
}

fn find_category(nodes: &[bazaar_catalog::CategoryNode], id: i64) -> Option<(String, String)> {
    nodes.iter().find_map(|node| {
        if node.id.get() == id {
            Some((node.name_zh.clone(), node.name_en.clone()))
        } else {
            find_category(&node.children, id)
        }
    })
}

async fn shop(req: HttpRequest, state: State, id: web::Path<i64>, query: web::Query<ResultsQuery>) -> HttpResponse {
    let id = ShopId::from(id.into_inner());
    let shop = match state.catalog.shop(id).await {
        Ok(shop) => shop,
        Err(err) => return failure(Visitor::of(&req, &state).await, err.into()),
    };
    let name = shop.name.clone();
    results(&req, &state, &format!("/m/shops/{id}"), query.into_inner(), Some(&shop), |_| name).await
}

/// Records a signed-in shopper's view for "recently viewed", off the page's path.
fn remember_view(state: &State, product: ProductId, visitor: &Visitor) {
    let Some(principal) = visitor.principal.clone() else { return };
    let catalog = state.catalog.clone();
    actix_web::rt::spawn(async move {
        if let Err(err) = catalog.record_view(&principal, product).await {
            tracing::debug!(%product, error = %err, "view not recorded");
        }
    });
}

/// Counts the visitor for the shop's console, off the page's path.
fn count_visit(state: &State, shop_id: ShopId, visitor: &Visitor) {
    let (catalog, key) = (state.catalog.clone(), visitor.counting_key());
    actix_web::rt::spawn(async move { catalog.note_visit(shop_id, &key).await });
}

async fn follow(req: HttpRequest, state: State, id: web::Path<i64>, form: web::Form<FollowForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let back = format!("/m/shops/{id}");
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = &visitor.principal else { return to_sign_in(visitor, &back) };
    match state.catalog.follow(principal, ShopId::from(id.into_inner()), form.on != "false").await {
        Ok(_) => visitor.finish(see_other(&back)),
        Err(err) => failure(visitor, err.into()),
    }
}

#[derive(serde::Deserialize)]
struct FollowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

async fn product(req: HttpRequest, state: State, id: web::Path<i64>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let picked: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes()).into_owned().collect();
    let flag = |name: &str| picked.iter().any(|(key, value)| key == name && value == "1");
    let (added, claimed) = (flag("added"), flag("claimed"));
    product_page(visitor, &state, ProductId::from(id.into_inner()), &picked, StatusCode::OK, |view| {
        if added {
            view.notice = Some(view.chrome.t.added_to_cart.to_string());
        } else if claimed {
            view.notice = Some(view.chrome.t.claimed.to_string());
        }
    })
    .await
}

pub(super) async fn product_page(
    visitor: Visitor,
    state: &State,
    id: ProductId,
    picked: &[(String, String)],
    status: StatusCode,
    adjust: impl FnOnce(&mut ProductPage),
) -> HttpResponse {
    let detail = match state.catalog.page(id).await {
        Ok(page) => page,
        Err(err) => return failure(visitor, err.into()),
    };
    match &detail.detail {
        Some(product) => {
            count_visit(state, product.shop.id, &visitor);
            remember_view(state, id, &visitor);
            let mut view = ProductPage::new(chrome(&visitor, state).await, product, picked);
            // Offers are a bonus on the page: an outage of them leaves the product shown.
            match state.promotions.product_offers(id).await {
                Ok(offers) => view = view.with_offers(&offers),
                Err(err) => tracing::debug!(error = %err, %id, "a product page without its offers"),
            }
            adjust(&mut view);
            page(visitor, status, render(&view))
        }
        None => failure(visitor, ApiError::internal(&"a product page without its detail")),
    }
}

#[derive(serde::Deserialize)]
struct AddToCart {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku_id: String,
    #[serde(default)]
    quantity: String,
    /// The product page with its chosen options, to come back to.
    #[serde(default)]
    back: String,
}

async fn add_to_cart(req: HttpRequest, state: State, id: web::Path<i64>, form: web::Form<AddToCart>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = ProductId::from(id.into_inner());
    let own = format!("/m/products/{id}");
    let back = if form.back.starts_with(&format!("{own}?")) || form.back == own { form.back.clone() } else { own };
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &back) };
    let picked: Vec<(String, String)> = back
        .split_once('?')
        .map(|(_, query)| form_urlencoded::parse(query.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let (Ok(sku), Ok(quantity)) = (form.sku_id.trim().parse::<i64>(), form.quantity.trim().parse::<i32>()) else {
        let message = visitor.lang.messages().quantity.to_string();
        return product_page(visitor, &state, id, &picked, StatusCode::UNPROCESSABLE_ENTITY, |view| {
            view.error = Some(message);
        })
        .await;
    };
    match state.cart.add(&principal, SkuId::from(sku), quantity).await {
        Ok(_) => {
            let separator = if back.contains('?') { '&' } else { '?' };
            visitor.finish(see_other(&format!("{back}{separator}added=1")))
        }
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() {
                return failure(visitor, err);
            }
            let (status, message) = (err.status(), err.problem().detail.clone());
            product_page(visitor, &state, id, &picked, status, |view| view.error = Some(message)).await
        }
    }
}

#[derive(serde::Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    product_id: ProductId,
}

/// Claims a coupon offered on a product page and comes back to it, saying so (or, on the page
/// itself, why not).
async fn claim_coupon(
    req: HttpRequest,
    state: State,
    id: web::Path<bazaar_core::ids::CouponTemplateId>,
    form: web::Form<ClaimForm>,
) -> HttpResponse {
    let product = form.product_id;
    let back = format!("/m/products/{product}");
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match state.promotions.claim(&principal, id.into_inner()).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other(&format!("{back}?claimed=1"))),
        Err(err) if err.status().is_client_error() => {
            let (status, message) = (err.status(), err.problem().detail.clone());
            product_page(visitor, &state, product, &[], status, |view| view.error = Some(message)).await
        }
        Err(err) => failure(visitor, err),
    }
}

pub async fn not_found(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    failure(visitor, ApiError::from(bazaar_core::Refusal::not_found("page")))
}

/// Forms that send only their token (sign out, remove a line) share this shape.
pub type TokenForm = web::Form<CsrfOnly>;
