//! `/api/v1/me`: the caller's profile, password, and device sessions.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::SessionId;
use bazaar_identity::{ProfilePatch, SessionView, UserView};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; me, update_me, change_password, sessions, revoke_session);
}

/// The caller's own profile (full phone number).
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
pub async fn me(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<UserView>, ApiError> {
    Ok(web::Json(state.identity.me(&principal).await?))
}

/// Change nickname or avatar (`null` removes the avatar).
#[utoipa::path(patch, path = "/api/v1/me", tag = "identity", security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, body = UserView), (status = 422, body = Problem)))]
pub async fn update_me(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(patch): Json<ProfilePatch>,
) -> Result<web::Json<UserView>, ApiError> {
    Ok(web::Json(state.identity.update_me(&principal, patch).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// Required when the account already has a password.
    current_password: Option<String>,
    new_password: String,
}

/// Set a password (OTP-only accounts) or change it.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", security(("bearer" = [])),
    request_body = PasswordChange, responses((status = 204), (status = 422, body = Problem)))]
pub async fn change_password(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    state.identity.change_password(&principal, body.current_password, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The devices signed in to this account.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Page<SessionView>)))]
pub async fn sessions(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<SessionView>>, ApiError> {
    Ok(web::Json(Page::whole(state.identity.sessions(&principal).await?)))
}

/// Sign a device out.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "identity", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_session(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    state.identity.revoke_session(&principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
