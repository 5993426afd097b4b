//! `/api/v1/search…` and `/api/v1/shops/nearby`: product search (text, voice), suggestions, hot
//! queries, shops near a point; and the admins' search tools (`/api/v1/admin/search/…`).

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::CategoryId;
use bazaar_search::{NearbyQuery, NearbyShop, QueryCount, SearchPage, SearchParams, Suggestion};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; search, suggest, voice, hot, nearby, zero_results, synonyms, replace_synonyms, reindex);
}

/// Search products: Chinese, pinyin (`shouji`, `sj`), English (typos forgiven), or mixed; filters,
/// facet counts, sorts, and cursor paging. An empty query is 400 `empty_query`.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, description = "empty_query", body = Problem),
    (status = 422, body = Problem)))]
pub async fn search(
    state: web::Data<AppState>,
    params: Query<SearchParams>,
) -> Result<web::Json<SearchPage>, ApiError> {
    Ok(web::Json(state.search.search(params.into_inner()).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far: characters, pinyin or initials.
    q: String,
    /// 1 to 20; 10 by default.
    limit: Option<usize>,
}

/// Completions for the search box, from popular queries and from product titles and brands.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestQuery),
    responses((status = 200, body = Page<Suggestion>), (status = 422, body = Problem)))]
pub async fn suggest(
    state: web::Data<AppState>,
    query: Query<SuggestQuery>,
) -> Result<web::Json<Page<Suggestion>>, ApiError> {
    let limit = query.limit.unwrap_or(10).clamp(1, 20);
    Ok(web::Json(Page::whole(state.search.suggest(&query.q, limit).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoiceSearch {
    /// What the phone's speech recognition heard.
    transcript: String,
    category_id: Option<CategoryId>,
    limit: Option<u32>,
}

/// Search from a speech transcript, matched by sound so a misheard 手记 or 首饰 still finds 手机.
#[utoipa::path(post, path = "/api/v1/search/voice", tag = "search", request_body = VoiceSearch,
    responses((status = 200, body = SearchPage), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn voice(
    state: web::Data<AppState>,
    Json(body): Json<VoiceSearch>,
) -> Result<web::Json<SearchPage>, ApiError> {
    let params = SearchParams { category_id: body.category_id, limit: body.limit, ..SearchParams::default() };
    Ok(web::Json(state.search.voice(&body.transcript, params).await?))
}

/// The most searched queries.
#[utoipa::path(get, path = "/api/v1/search/hot", tag = "search", responses((status = 200, body = Page<QueryCount>)))]
pub async fn hot(state: web::Data<AppState>) -> Result<web::Json<Page<QueryCount>>, ApiError> {
    Ok(web::Json(Page::whole(state.search.hot(10).await?)))
}

/// Active shops within a radius of a point, nearest first.
#[utoipa::path(get, path = "/api/v1/shops/nearby", tag = "search", params(NearbyQuery),
    responses((status = 200, body = Page<NearbyShop>), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn nearby(
    state: web::Data<AppState>,
    query: Query<NearbyQuery>,
) -> Result<web::Json<Page<NearbyShop>>, ApiError> {
    let query = query.into_inner();
    let shops = state.search.shops_nearby(query).await?;
    Ok(web::Json(Page::whole(shops)))
}

/// Queries that found nothing, most frequent first (admins).
#[utoipa::path(get, path = "/api/v1/admin/search/zero-results", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Page<QueryCount>), (status = 403, body = Problem)))]
pub async fn zero_results(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<QueryCount>>, ApiError> {
    Ok(web::Json(Page::whole(state.search.zero_results(&principal, 50).await?)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SynonymGroups {
    /// Each group: 2 to 10 phrases that mean the same (充电宝, 移动电源, power bank).
    groups: Vec<Vec<String>>,
}

/// The synonym groups (admins).
#[utoipa::path(get, path = "/api/v1/admin/search/synonyms", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SynonymGroups), (status = 403, body = Problem)))]
pub async fn synonyms(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<SynonymGroups>, ApiError> {
    Ok(web::Json(SynonymGroups { groups: state.search.synonyms(&principal)? }))
}

/// Replace the synonym groups; queries use them at once (no reindex).
#[utoipa::path(put, path = "/api/v1/admin/search/synonyms", tag = "admin", security(("bearer" = [])),
    request_body = SynonymGroups,
    responses((status = 200, body = SynonymGroups), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_synonyms(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(body): Json<SynonymGroups>,
) -> Result<web::Json<SynonymGroups>, ApiError> {
    Ok(web::Json(SynonymGroups { groups: state.search.replace_synonyms(&principal, body.groups).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct Reindexed {
    indexed: u64,
}

/// Rebuild this gateway's index from the database (admins).
#[utoipa::path(post, path = "/api/v1/admin/search/reindex", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Reindexed), (status = 403, body = Problem)))]
pub async fn reindex(state: web::Data<AppState>, Auth(principal): Auth) -> Result<HttpResponse, ApiError> {
    let indexed = state.search.rebuild_for(&principal).await?;
    Ok(HttpResponse::Ok().json(Reindexed { indexed }))
}
