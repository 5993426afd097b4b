//! A shop's (or the platform's) QR-code campaigns: placements with their short links and QR codes,
//! and the funnel by day and placement.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_campaigns::{CampaignInput, CampaignView, Funnel, PlacementInput};
use bazaar_core::ids::{CampaignId, PlacementId, ShopId};
use serde::Deserialize;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, list, create_platform, list_platform, get, add_placement, set_placement,
        qr_png, qr_svg, funnel);
}

/// Start a QR-code campaign (owner or staff): its target, window, coupon budget and placements,
/// each with its own short link. A target in another shop, an external URL off the allow-list, an
/// end before the start are refused field by field, nothing written.
#[utoipa::path(post, path = "/api/v1/seller/shops/{id}/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<CampaignInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.campaigns.create_campaign(&principal, Some(id.into_inner()), input).await?))
}

/// The shop's campaigns, newest first, with their placements' links and counted visits.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<CampaignView>)))]
pub async fn list(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<CampaignView>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.campaigns(&principal, Some(id.into_inner())).await?)))
}

/// Start a platform campaign (administrators); it may feature any shop's pages.
#[utoipa::path(post, path = "/api/v1/admin/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body = CampaignInput, responses((status = 201, body = CampaignView), (status = 422, body = Problem)))]
pub async fn create_platform(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<CampaignInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.campaigns.create_campaign(&principal, None, input).await?))
}

/// The platform's campaigns (administrators).
#[utoipa::path(get, path = "/api/v1/admin/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Page<CampaignView>)))]
pub async fn list_platform(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<CampaignView>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.campaigns(&principal, None).await?)))
}

/// One campaign (its shop's members; administrators for the platform's).
#[utoipa::path(get, path = "/api/v1/seller/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = CampaignView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CampaignId>,
) -> Result<web::Json<CampaignView>, ApiError> {
    Ok(web::Json(state.campaigns.campaign(&principal, id.into_inner()).await?))
}

/// Add a placement (a new poster, a shelf tag): a short link and QR code of its own.
#[utoipa::path(post, path = "/api/v1/seller/campaigns/{id}/placements", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PlacementInput,
    responses((status = 201, body = CampaignView), (status = 409, description = "too_many_placements", body = Problem)))]
pub async fn add_placement(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CampaignId>,
    Json(input): Json<PlacementInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.campaigns.add_placement(&principal, id.into_inner(), input).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementPatch {
    /// True turns the placement's short link off (it then shows a friendly "no longer valid" page).
    pub disabled: bool,
}

/// Turn a placement's link off or on again.
#[utoipa::path(patch, path = "/api/v1/seller/campaigns/{id}/placements/{placement_id}", tag = "campaigns",
    security(("bearer" = [])), params(("id" = i64, Path), ("placement_id" = i64, Path)), request_body = PlacementPatch,
    responses((status = 200, body = CampaignView), (status = 404, body = Problem)))]
pub async fn set_placement(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    path: web::Path<(CampaignId, PlacementId)>,
    Json(patch): Json<PlacementPatch>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let (id, placement) = path.into_inner();
    Ok(web::Json(state.campaigns.set_placement_disabled(&principal, id, placement, patch.disabled).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QrQuery {
    /// `true` prints the placement's name under the code.
    caption: Option<bool>,
    /// Pixels per module of the PNG, 2 to 32 (8 by default).
    scale: Option<u32>,
}

/// The placement's QR code as PNG, for print: error correction level Q, a four-module quiet zone,
/// optionally captioned with the placement's name. It holds the placement's short link.
#[utoipa::path(get, path = "/api/v1/seller/campaigns/{id}/placements/{placement_id}/qr.png", tag = "campaigns",
    security(("bearer" = [])), params(("id" = i64, Path), ("placement_id" = i64, Path), QrQuery),
    responses((status = 200, description = "the QR code", content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn qr_png(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    path: web::Path<(CampaignId, PlacementId)>,
    query: Query<QrQuery>,
) -> Result<HttpResponse, ApiError> {
    let scale = query.scale.unwrap_or(8);
    if !(2..=32).contains(&scale) {
        return Err(ApiError::bad_request("invalid_query", "scale must be 2 to 32").with_field("scale"));
    }
    let (id, placement) = path.into_inner();
    let (link, name) = state.campaigns.placement_link(&principal, id, placement).await?;
    let caption = query.caption.unwrap_or(false).then_some(name.as_str());
    let png = bazaar_campaigns::qr::png(&link, scale as usize, caption)?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// The placement's QR code as SVG (scales to any poster), optionally captioned with its name.
#[utoipa::path(get, path = "/api/v1/seller/campaigns/{id}/placements/{placement_id}/qr.svg", tag = "campaigns",
    security(("bearer" = [])), params(("id" = i64, Path), ("placement_id" = i64, Path), QrQuery),
    responses((status = 200, description = "the QR code", content_type = "image/svg+xml"), (status = 404, body = Problem)))]
pub async fn qr_svg(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    path: web::Path<(CampaignId, PlacementId)>,
    query: Query<QrQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, placement) = path.into_inner();
    let (link, name) = state.campaigns.placement_link(&principal, id, placement).await?;
    let svg = bazaar_campaigns::qr::svg(&link, query.caption.unwrap_or(false).then_some(name.as_str()))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelFormat {
    Json,
    Csv,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FunnelQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    format: Option<FunnelFormat>,
}

/// The campaign's funnel by day and placement: visits (PV, UV), landing views, coupons claimed,
/// draws played and won, orders credited, paid, GMV, refunds; with the totals and step-to-step
/// conversion. `?format=csv` for a spreadsheet.
#[utoipa::path(get, path = "/api/v1/seller/campaigns/{id}/funnel", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path), FunnelQuery),
    responses((status = 200, body = Funnel), (status = 404, body = Problem)))]
pub async fn funnel(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CampaignId>,
    query: Query<FunnelQuery>,
) -> Result<HttpResponse, ApiError> {
    let funnel = state.campaigns.funnel(&principal, id.into_inner()).await?;
    Ok(match query.format.unwrap_or(FunnelFormat::Json) {
        FunnelFormat::Json => HttpResponse::Ok().json(funnel),
        FunnelFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"campaign-{}-funnel.csv\"", funnel.campaign_id),
            ))
            .body(bazaar_campaigns::to_csv(&funnel)),
    })
}
