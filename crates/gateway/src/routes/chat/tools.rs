//! Chat tools: a shop's greeting and away message (`/seller/shops/{id}/chat-settings`), and the
//! admins' moderation — reported conversations and the sensitive-word list (`/admin/chat/...`).

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::web;
use bazaar_chat::{ChatSettings, HistoryQuery, MessagePage, ReportView};
use bazaar_core::ids::{ReportId, ShopId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; settings, update_settings, reports, reported_messages, close_report, words, replace_words);
}

/// The shop's automatic messages (owner and staff may read them).
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/chat-settings", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ChatSettings), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn settings(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<ChatSettings>, ApiError> {
    Ok(web::Json(state.chat.settings(&principal, id.into_inner()).await?))
}

/// Set the greeting and away message (the owner only); an absent or empty one is turned off.
#[utoipa::path(put, path = "/api/v1/seller/shops/{id}/chat-settings", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ChatSettings,
    responses((status = 200, body = ChatSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_settings(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(body): Json<ChatSettings>,
) -> Result<web::Json<ChatSettings>, ApiError> {
    Ok(web::Json(state.chat.update_settings(&principal, id.into_inner(), body).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// `open` (default) or `closed`.
    status: Option<String>,
}

/// Reports, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/chat/reports", tag = "admin", security(("bearer" = [])), params(ReportFilter),
    responses((status = 200, body = Page<ReportView>), (status = 403, body = Problem)))]
pub async fn reports(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<ReportFilter>,
) -> Result<web::Json<Page<ReportView>>, ApiError> {
    let status = filter.into_inner().status.unwrap_or_else(|| "open".into());
    Ok(web::Json(Page::whole(state.chat.reports(&principal, status).await?)))
}

/// The messages of a reported conversation (admins; only through a report).
#[utoipa::path(get, path = "/api/v1/admin/chat/reports/{id}/messages", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reported_messages(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ReportId>,
    query: Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    Ok(web::Json(state.chat.reported_messages(&principal, id.into_inner(), query.into_inner()).await?))
}

/// Close a report once handled.
#[utoipa::path(post, path = "/api/v1/admin/chat/reports/{id}/close", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn close_report(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ReportId>,
) -> Result<web::Json<ReportView>, ApiError> {
    Ok(web::Json(state.chat.close_report(&principal, id.into_inner()).await?))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitiveWords {
    /// Masked with `*` in every message; matching ignores ASCII case.
    words: Vec<String>,
}

/// The sensitive-word list (admins).
#[utoipa::path(get, path = "/api/v1/admin/chat/sensitive-words", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SensitiveWords), (status = 403, body = Problem)))]
pub async fn words(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<SensitiveWords>, ApiError> {
    Ok(web::Json(SensitiveWords { words: state.chat.sensitive_word_list(&principal).await? }))
}

/// Replace the sensitive-word list; every gateway masks with it from the next message.
#[utoipa::path(put, path = "/api/v1/admin/chat/sensitive-words", tag = "admin", security(("bearer" = [])),
    request_body = SensitiveWords,
    responses((status = 200, body = SensitiveWords), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_words(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(body): Json<SensitiveWords>,
) -> Result<web::Json<SensitiveWords>, ApiError> {
    Ok(web::Json(SensitiveWords { words: state.chat.replace_sensitive_words(&principal, body.words).await? }))
}
