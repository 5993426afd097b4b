//! Lucky draws (抽奖): shops create them and ship their item prizes; anyone reads the odds, the
//! stock left and the seed commitment (and, after the end, the seed and every play); signed-in
//! shoppers earn chances and play with an `Idempotency-Key`.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::checkout::orders::idempotency_key;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_campaigns::{ClaimItem, DrawAudit, DrawInput, DrawView, EarnChance, PlayView, Winner, WonPrize};
use bazaar_core::ids::{DrawId, OrderId, PlayId, ShopId};
use serde::{Deserialize, Serialize};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, shop_draws, create_platform, platform_draws, replace, winners, ship, hand_over,
        get, audit, play, chances, earn_chance, my_prizes, claim_prize);
}

/// Create a lucky draw (owner or staff): prizes with kind, weight and stock, who may play and how
/// chances are earned. A seed is drawn and its SHA-256 published at once. A prize worth over
/// ¥50,000, a weight below 1, a stock below 0 are refused field by field, nothing written.
#[utoipa::path(post, path = "/api/v1/seller/shops/{id}/draws", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DrawInput,
    responses((status = 201, body = DrawView), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<DrawInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.campaigns.create_draw(&principal, Some(id.into_inner()), input).await?))
}

/// Create a platform draw (administrators): for everyone or for buyers of any shop, giving points,
/// platform coupons or no prize (items are shipped by shops). It is replaced and its winners read
/// through the same `/seller/draws/{id}` paths as a shop's.
#[utoipa::path(post, path = "/api/v1/admin/draws", tag = "campaigns", security(("bearer" = [])),
    request_body = DrawInput,
    responses((status = 201, body = DrawView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_platform(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<DrawInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.campaigns.create_draw(&principal, None, input).await?))
}

/// The platform's draws, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/draws", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Page<DrawView>), (status = 403, body = Problem)))]
pub async fn platform_draws(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<DrawView>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.shop_draws(&principal, None).await?)))
}

/// The shop's draws, newest first, with what each prize has given.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/draws", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<DrawView>)))]
pub async fn shop_draws(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<DrawView>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.shop_draws(&principal, Some(id.into_inner())).await?)))
}

/// Replace a draw before it starts (its seed and commitment stay). Once started, its prizes, odds
/// and rules are fixed: 409 `draw_started`, nothing written.
#[utoipa::path(put, path = "/api/v1/seller/draws/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DrawInput,
    responses((status = 200, body = DrawView), (status = 404, body = Problem),
    (status = 409, description = "draw_started", body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<DrawId>,
    Json(input): Json<DrawInput>,
) -> Result<web::Json<DrawView>, ApiError> {
    Ok(web::Json(state.campaigns.replace_draw(&principal, id.into_inner(), input).await?))
}

/// The draw's winners, newest first, phones masked, with each prize's fulfilment.
#[utoipa::path(get, path = "/api/v1/seller/draws/{id}/winners", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<Winner>), (status = 404, body = Problem)))]
pub async fn winners(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<DrawId>,
) -> Result<web::Json<Page<Winner>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.winners(&principal, id.into_inner()).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipPrize {
    /// 1 to 40 characters.
    pub tracking_number: String,
    /// The carrier (顺丰, 中通…); `快递` when not given.
    #[serde(default)]
    pub carrier: Option<String>,
}

/// Done: the shop ships an item prize whose winner gave an address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// Ship an item prize (to_ship → sent): its prize order is shipped too, as if from the shop's
/// orders (shipping that order there marks the prize sent as well).
#[utoipa::path(post, path = "/api/v1/seller/prizes/{play_id}/ship", tag = "campaigns", security(("bearer" = [])),
    params(("play_id" = i64, Path)), request_body = ShipPrize,
    responses((status = 200, body = Done), (status = 404, body = Problem),
    (status = 409, description = "prize_not_shippable", body = Problem)))]
pub async fn ship(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    play: web::Path<PlayId>,
    Json(body): Json<ShipPrize>,
) -> Result<web::Json<Done>, ApiError> {
    let carrier = body.carrier.filter(|carrier| !carrier.trim().is_empty()).unwrap_or_else(|| "快递".to_string());
    state.campaigns.ship_prize(&principal, play.into_inner(), carrier, body.tracking_number).await?;
    Ok(web::Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    /// The eight digits the winner shows (from the play or `/me/prizes`).
    pub pickup_code: String,
}

/// Hand over an item prize collected at the shop (to_pick_up → picked_up), on the winner's code.
#[utoipa::path(post, path = "/api/v1/seller/prizes/{play_id}/hand-over", tag = "campaigns",
    security(("bearer" = [])), params(("play_id" = i64, Path)), request_body = HandOver,
    responses((status = 200, body = Done), (status = 404, body = Problem),
    (status = 409, description = "prize_not_for_pickup", body = Problem),
    (status = 422, description = "pickup_code does not match", body = Problem)))]
pub async fn hand_over(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    play: web::Path<PlayId>,
    Json(body): Json<HandOver>,
) -> Result<web::Json<Done>, ApiError> {
    state.campaigns.hand_over_prize(&principal, play.into_inner(), body.pickup_code).await?;
    Ok(web::Json(Done { ok: true }))
}

/// A draw as anyone sees it: prizes with their odds, stock left and won, the rules for chances,
/// the seed commitment — and the seed once it has ended.
#[utoipa::path(get, path = "/api/v1/draws/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = DrawView), (status = 404, body = Problem)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<DrawId>) -> Result<web::Json<DrawView>, ApiError> {
    Ok(web::Json(state.campaigns.draw(id.into_inner()).await?))
}

/// After the end: the seed, the rule and every play, so anyone can recompute each outcome.
#[utoipa::path(get, path = "/api/v1/draws/{id}/audit", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = DrawAudit), (status = 404, body = Problem),
    (status = 409, description = "draw_not_ended", body = Problem)))]
pub async fn audit(state: web::Data<AppState>, id: web::Path<DrawId>) -> Result<web::Json<DrawAudit>, ApiError> {
    Ok(web::Json(state.campaigns.audit(id.into_inner()).await?))
}

/// Play once: uses one chance (today's free ones are granted first), draws with the published
/// rule, takes the prize by a conditional decrement of its stock (none left: the consolation,
/// never another prize) and gives it. The same `Idempotency-Key` returns the same play.
#[utoipa::path(post, path = "/api/v1/draws/{id}/play", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 200, body = PlayView), (status = 400, description = "idempotency_key_required", body = Problem),
    (status = 403, description = "not in the draw's audience", body = Problem), (status = 404, body = Problem),
    (status = 409, description = "no_chances, draw_not_started, draw_ended, concurrent_change", body = Problem)))]
pub async fn play(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<DrawId>,
    req: HttpRequest,
) -> Result<web::Json<PlayView>, ApiError> {
    let key = idempotency_key(&req)?;
    Ok(web::Json(state.campaigns.play(&principal, id.into_inner(), key).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Chances {
    /// Unused chances to play.
    pub chances: i64,
}

/// Your unused chances (today's free ones and those your paid orders earned are granted first).
#[utoipa::path(get, path = "/api/v1/draws/{id}/chances", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Chances), (status = 404, body = Problem)))]
pub async fn chances(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<DrawId>,
) -> Result<web::Json<Chances>, ApiError> {
    Ok(web::Json(Chances { chances: state.campaigns.chances(&principal, id.into_inner()).await? }))
}

/// Earn a chance: a scanned placement code of the draw's campaign (once per placement per day),
/// or the draw's points price (`Idempotency-Key` required: a retry pays once).
#[utoipa::path(post, path = "/api/v1/draws/{id}/chances", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)), request_body = EarnChance,
    responses((status = 200, body = Chances), (status = 400, body = Problem), (status = 404, body = Problem),
    (status = 409, description = "no_scan_chances, no_points_chances, draw_not_started, draw_ended", body = Problem),
    (status = 422, body = Problem)))]
pub async fn earn_chance(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<DrawId>,
    req: HttpRequest,
    Json(how): Json<EarnChance>,
) -> Result<web::Json<Chances>, ApiError> {
    let key = idempotency_key(&req)?;
    Ok(web::Json(Chances { chances: state.campaigns.earn_chance(&principal, id.into_inner(), how, key).await? }))
}

/// The prizes you have won, newest first, with where each stands.
#[utoipa::path(get, path = "/api/v1/me/prizes", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Page<WonPrize>)))]
pub async fn my_prizes(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<WonPrize>>, ApiError> {
    Ok(web::Json(Page::whole(state.campaigns.my_prizes(&principal).await?)))
}

/// The item prize's order, made when its winner gave an address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Claimed {
    pub ok: bool,
    /// The shop's order that ships the prize: nothing to pay, already `paid`, in the winner's orders.
    pub order_id: OrderId,
}

/// Give an address for an item prize (to_claim → to_ship): the shop gets an order for it, with
/// nothing to pay, that it ships like any other.
#[utoipa::path(post, path = "/api/v1/me/prizes/{play_id}/claim", tag = "campaigns", security(("bearer" = [])),
    params(("play_id" = i64, Path)), request_body = ClaimItem,
    responses((status = 200, body = Claimed), (status = 404, body = Problem),
    (status = 409, description = "prize_not_claimable", body = Problem), (status = 422, body = Problem)))]
pub async fn claim_prize(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    play: web::Path<PlayId>,
    Json(claim): Json<ClaimItem>,
) -> Result<web::Json<Claimed>, ApiError> {
    let order_id = state.campaigns.claim_prize(&principal, play.into_inner(), claim).await?;
    Ok(web::Json(Claimed { ok: true, order_id }))
}
