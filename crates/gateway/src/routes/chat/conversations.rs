//! `/api/v1/chat`: conversations between buyers and shops over REST — the list with unread
//! counts, history, sending, read receipts, and the shop's block and either side's report.
//! The same operations run over the WebSocket (`chat_ws.rs`); both deliver to connected devices.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::PageQuery;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_chat::{
    ConversationKey, ConversationPage, ConversationView, HistoryQuery, MessagePage, ReadPosition, ReportView,
    SendMessage, Sent, StartConversation,
};
use bazaar_core::ids::ConversationId;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; list, start, get, history, send, read, block, unblock, report);
}

/// The caller's conversations — as a buyer and as a member of any shop — most recently active
/// first, each with its last message and unread count, and the total unread badge.
#[utoipa::path(get, path = "/api/v1/chat/conversations", tag = "chat", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ConversationPage), (status = 400, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    query: Query<PageQuery>,
) -> Result<web::Json<ConversationPage>, ApiError> {
    let (after, limit) = query.parse::<ConversationKey>()?;
    Ok(web::Json(state.chat.conversations(&principal, after, limit).await?))
}

/// Open the caller's conversation with a shop (or get the existing one), optionally posting a
/// product or order card. 201 when new; the shop's greeting, if it has one, follows.
#[utoipa::path(post, path = "/api/v1/chat/conversations", tag = "chat", security(("bearer" = [])),
    request_body = StartConversation,
    responses((status = 201, body = ConversationView), (status = 200, description = "already open", body = ConversationView),
    (status = 403, description = "chat_blocked", body = Problem), (status = 404, body = Problem),
    (status = 409, description = "own_shop, shop_unavailable", body = Problem), (status = 422, body = Problem)))]
pub async fn start(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(request): Json<StartConversation>,
) -> Result<HttpResponse, ApiError> {
    let (view, created) = state.chat.start(&principal, request).await?;
    Ok(if created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}

/// One conversation; only its buyer and the shop's members may read it (others get 404).
#[utoipa::path(get, path = "/api/v1/chat/conversations/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ConversationView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
) -> Result<web::Json<ConversationView>, ApiError> {
    Ok(web::Json(state.chat.conversation(&principal, id.into_inner()).await?))
}

/// Messages in seq order: the latest page, the page before `before_seq`, or everything after
/// `since_seq` (what a client missed while offline; page on with the last seq).
#[utoipa::path(get, path = "/api/v1/chat/conversations/{id}/messages", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
    query: Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    Ok(web::Json(state.chat.history(&principal, id.into_inner(), query.into_inner()).await?))
}

/// Send a message. A resend with the same `client_msg_id` returns the stored message (200,
/// `duplicate: true`) instead of storing it twice.
#[utoipa::path(post, path = "/api/v1/chat/conversations/{id}/messages", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SendMessage,
    responses((status = 201, body = Sent), (status = 200, description = "a resend", body = Sent),
    (status = 403, description = "chat_blocked", body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)))]
pub async fn send(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
    Json(request): Json<SendMessage>,
) -> Result<HttpResponse, ApiError> {
    let sent = state.chat.send(&principal, id.into_inner(), request, None).await?;
    Ok(if sent.duplicate { HttpResponse::Ok().json(sent) } else { HttpResponse::Created().json(sent) })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadUpTo {
    /// The last seq the user has seen; the read position never moves back.
    seq: i64,
}

/// Mark read up to a seq; the other side gets a read receipt.
#[utoipa::path(post, path = "/api/v1/chat/conversations/{id}/read", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReadUpTo,
    responses((status = 200, body = ReadPosition), (status = 404, body = Problem)))]
pub async fn read(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
    Json(body): Json<ReadUpTo>,
) -> Result<web::Json<ReadPosition>, ApiError> {
    Ok(web::Json(state.chat.read(&principal, id.into_inner(), body.seq, None).await?))
}

/// The shop blocks the conversation's buyer: their messages are refused (403 `chat_blocked`).
#[utoipa::path(post, path = "/api/v1/chat/conversations/{id}/block", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ConversationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn block(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
) -> Result<web::Json<ConversationView>, ApiError> {
    Ok(web::Json(state.chat.set_blocked(&principal, id.into_inner(), true).await?))
}

/// Lift a block.
#[utoipa::path(post, path = "/api/v1/chat/conversations/{id}/unblock", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ConversationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unblock(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
) -> Result<web::Json<ConversationView>, ApiError> {
    Ok(web::Json(state.chat.set_blocked(&principal, id.into_inner(), false).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportReason {
    /// 1 to 500 characters.
    reason: String,
}

/// Report the conversation to the admins, who can then read it.
#[utoipa::path(post, path = "/api/v1/chat/conversations/{id}/report", tag = "chat", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReportReason,
    responses((status = 201, body = ReportView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ConversationId>,
    Json(body): Json<ReportReason>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.chat.report(&principal, id.into_inner(), body.reason).await?))
}
