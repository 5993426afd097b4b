//! The seller console (`/seller/`): the shops one works for with their products, publishing and
//! unpublishing, and a new product whose spec dimensions' every combination becomes a SKU. The
//! catalog decides who may do what; these handlers only turn forms into its calls.

use super::browse::TokenForm;
use super::visitor::{State, Visitor};
use super::{failure, forged, page, see_other, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_catalog::specs::SpecDimension;
use bazaar_catalog::{ProductInput, SkuInput};
use bazaar_checkout::OrderStatus;
use bazaar_core::Money;
use bazaar_core::ids::{CategoryId, ProductId, ShopId};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::{NewProductPage, ProductDraft, SellerProductsPage, ShopDashboard, ShopProducts};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/seller", web::get().to(|| async { super::see_other("/seller/") }))
        .route("/seller/", web::get().to(dashboard))
        .route("/seller/shops/{shop}/products/new", web::get().to(new_product))
        .route("/seller/shops/{shop}/products", web::post().to(create_product))
        .route("/seller/products/{id}/publish", web::post().to(publish))
        .route("/seller/products/{id}/unpublish", web::post().to(unpublish));
}

async fn dashboard(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/seller/") };
    products_page(visitor, &state, &principal, None).await
}

async fn products_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    error: Option<ApiError>,
) -> HttpResponse {
    let t = visitor.lang.messages();
    let loaded = async {
        let mut shops = Vec::new();
        for member in state.identity.my_shops(principal).await? {
            let shop = member.shop.id;
            let listings = state.catalog.seller_listings(principal, shop, None, None, 100).await?;
            let mut section = ShopProducts::new(t, shop.0, member.shop.name, &listings);
            section.dashboard = Some(dashboard_of(state, principal, shop).await?);
            shops.push(section);
        }
        Ok::<_, ApiError>(shops)
    };
    match loaded.await {
        Ok(shops) => {
            let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
            let view = SellerProductsPage {
                chrome: visitor.chrome(),
                shops,
                error: error.map(|err| err.problem().detail.clone()),
            };
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

/// The spec dimensions a form names as (name, values) pairs, values separated by commas (ASCII or
/// Chinese) or 、. A name without values, or values without a name, is left to the catalog to refuse.
pub fn dimensions(named: &[(&String, &String)]) -> Vec<SpecDimension> {
    let split = |values: &str| -> Vec<String> {
        values.split([',', '，', '、']).map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
    };
    named
        .iter()
        .filter(|(name, values)| !name.trim().is_empty() || !values.trim().is_empty())
        .map(|(name, values)| SpecDimension { name: name.trim().to_string(), values: split(values) })
        .collect()
}

/// Every combination of the dimensions' values, one option of each (one empty combination when
/// there are no dimensions: a product with a single SKU).
pub fn combinations(specs: &[SpecDimension]) -> Vec<BTreeMap<String, String>> {
    let mut combinations: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
    for dimension in specs {
        combinations = combinations
            .into_iter()
            .flat_map(|partial| {
                dimension.values.iter().map(move |value| {
                    let mut next = partial.clone();
                    next.insert(dimension.name.clone(), value.clone());
                    next
                })
            })
            .collect();
    }
    combinations
}

/// Days the dashboard's chart and "this week" cover, today included.
const WEEK: u32 = 7;
/// A SKU with this many or fewer left is shown as running low.
const LOW_STOCK: i64 = 5;
/// Orders waiting to ship counted on the dashboard; more shows as this many (the list has all).
const COUNTED: i64 = 100;

async fn dashboard_of(state: &State, principal: &Principal, shop: ShopId) -> Result<ShopDashboard, ApiError> {
    let today = bazaar_core::clock::china_day(chrono::Utc::now().naive_utc());
    let (sales, visitors, low, to_ship, refunds) = tokio::join!(
        state.orders.shop_sales(principal, shop, today, WEEK),
        state.catalog.visitors(principal, shop, today, WEEK),
        state.catalog.low_stock(principal, shop, LOW_STOCK),
        state.orders.count_shop_orders(principal, shop, OrderStatus::Paid, COUNTED),
        state.orders.shop_refunds(principal, shop),
    );
    let open_refunds = refunds?.iter().filter(|request| request.is_open()).count();
    Ok(ShopDashboard::new(&sales?, &visitors?, &low?, to_ship?, open_refunds))
}

/// The new-product form; `refused` keeps what was sent and says which field is at fault.
async fn form_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    refused: Option<(StatusCode, (String, String), ProductDraft)>,
) -> HttpResponse {
    if let Err(err) = super::seller_orders::member_shop_name(state, principal, shop).await {
        return failure(visitor, err);
    }
    match state.catalog.categories().await {
        Ok(tree) => {
            let mut view = NewProductPage::new(visitor.chrome(), shop.0, &tree);
            let mut status = StatusCode::OK;
            if let Some((refused_status, error, draft)) = refused {
                (status, view.error, view.draft) = (refused_status, Some(error), draft);
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

async fn new_product(req: HttpRequest, state: State, shop: web::Path<ShopId>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let shop = shop.into_inner();
    let back = format!("/seller/shops/{shop}/products/new");
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &back) };
    form_page(visitor, &state, &principal, shop, None).await
}

#[derive(serde::Deserialize)]
struct ProductForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    brand: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    spec1_name: String,
    #[serde(default)]
    spec1_values: String,
    #[serde(default)]
    spec2_name: String,
    #[serde(default)]
    spec2_values: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock: String,
}

impl ProductForm {
    fn draft(&self) -> ProductDraft {
        ProductDraft {
            title: self.title.clone(),
            category_id: self.category_id.clone(),
            brand: self.brand.clone(),
            description: self.description.clone(),
            spec1_name: self.spec1_name.clone(),
            spec1_values: self.spec1_values.clone(),
            spec2_name: self.spec2_name.clone(),
            spec2_values: self.spec2_values.clone(),
            price: self.price.clone(),
            stock: self.stock.clone(),
        }
    }

    fn dimensions(&self) -> Vec<SpecDimension> {
        dimensions(&[(&self.spec1_name, &self.spec1_values), (&self.spec2_name, &self.spec2_values)])
    }

    /// The product as the catalog takes it: one SKU per combination of the dimensions' values,
    /// each at the form's price and stock. A field the form itself cannot read is named.
    fn input(&self, shop: ShopId) -> Result<ProductInput, (String, String)> {
        let category = self.category_id.trim().parse::<i64>().map_err(|_| field("category_id", "choose a category"))?;
        let price =
            Money::parse_str(self.price.trim()).map_err(|_| field("price", "a price in yuan, such as 59.90"))?;
        let stock = self.stock.trim().parse::<i64>().map_err(|_| field("stock", "a whole number of units"))?;
        let specs = self.dimensions();
        let skus = combinations(&specs)
            .into_iter()
            .map(|specs| SkuInput {
                specs,
                price,
                original_price: None,
                stock: Some(stock),
                code: None,
                image_url: None,
            })
            .collect();
        Ok(ProductInput {
            shop_id: shop,
            category_id: CategoryId::from(category),
            title: self.title.clone(),
            subtitle: String::new(),
            description: self.description.clone(),
            brand: self.brand.clone(),
            tags: Vec::new(),
            attributes: Vec::new(),
            images: Vec::new(),
            video_url: None,
            specs,
            skus,
        })
    }
}

fn field(name: &str, message: &str) -> (String, String) {
    (name.to_string(), message.to_string())
}

/// Which form field a catalog refusal names (`skus[3].price` is the one price field here).
fn form_field(refused: Option<&str>) -> &'static str {
    match refused.unwrap_or_default() {
        "title" => "title",
        "brand" => "brand",
        "description" => "description",
        "category_id" => "category_id",
        at if at.starts_with("skus") && at.ends_with("price") => "price",
        at if at.starts_with("skus") && at.ends_with("stock") => "stock",
        at if at.starts_with("specs") => "spec1_values",
        _ => "form",
    }
}

async fn create_product(
    req: HttpRequest,
    state: State,
    shop: web::Path<ShopId>,
    form: web::Form<ProductForm>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let shop = shop.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let back = format!("/seller/shops/{shop}/products/new");
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &back) };
    let input = match form.input(shop) {
        Ok(input) => input,
        Err(error) => {
            let refused = Some((StatusCode::UNPROCESSABLE_ENTITY, error, form.draft()));
            return form_page(visitor, &state, &principal, shop, refused).await;
        }
    };
    match state.catalog.create_product(&principal, input).await {
        Ok(_) => visitor.finish(see_other("/seller/")),
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() || err.status() == StatusCode::NOT_FOUND {
                return failure(visitor, err);
            }
            let problem = err.problem();
            let error = (form_field(problem.field.as_deref()).to_string(), problem.detail.clone());
            form_page(visitor, &state, &principal, shop, Some((err.status(), error, form.draft()))).await
        }
    }
}

async fn publish(req: HttpRequest, state: State, id: web::Path<ProductId>, form: TokenForm) -> HttpResponse {
    change_listing(req, state, id.into_inner(), form, true).await
}

async fn unpublish(req: HttpRequest, state: State, id: web::Path<ProductId>, form: TokenForm) -> HttpResponse {
    change_listing(req, state, id.into_inner(), form, false).await
}

async fn change_listing(req: HttpRequest, state: State, id: ProductId, form: TokenForm, on: bool) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/seller/").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let changed =
        if on { state.catalog.publish(&principal, id).await } else { state.catalog.unpublish(&principal, id).await };
    match changed {
        Ok(_) => visitor.finish(see_other("/seller/")),
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() {
                return failure(visitor, err);
            }
            products_page(visitor, &state, &principal, Some(err)).await
        }
    }
}
