//! `/api/v1/auth/*`: register, password login, SMS code login, token refresh, logout.

use crate::auth::{Auth, client_ip, device};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_identity::{AuthOutcome, OtpPurpose, OtpSent, TokenPair};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; register, login, send_otp, otp_login, refresh, logout);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Mainland numbers may omit +86: `13800138000`.
    phone: String,
    /// At least 8 characters mixing two of letters, digits and symbols.
    password: String,
    /// The six digits of an SMS code sent with `purpose: register`: registering proves the phone.
    code: Option<String>,
    nickname: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    phone: String,
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpSendRequest {
    phone: String,
    purpose: OtpPurpose,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpLoginRequest {
    phone: String,
    /// The six digits from the SMS.
    code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Signed in: a browser's earlier campaign visits (its attribution cookie) become the user's.
fn login_answer(state: &AppState, req: &HttpRequest, outcome: AuthOutcome) -> HttpResponse {
    crate::h5::campaigns::claim_visits(state, req, outcome.user.id);
    if outcome.created { HttpResponse::Created().json(outcome) } else { HttpResponse::Ok().json(outcome) }
}

/// Create an account with a phone number, a password and an SMS code sent with
/// `purpose: register` (the code proves the phone); answers with tokens.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "identity", request_body = RegisterRequest, responses(
    (status = 201, body = AuthOutcome), (status = 401, description = "otp_invalid, otp_expired, otp_burned", body = Problem),
    (status = 409, description = "phone_taken (only after the code proved the phone)", body = Problem),
    (status = 429, description = "rate_limited", body = Problem),
    (status = 422, description = "invalid_field, weak_password", body = Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let device = device(&req, &state.config);
    let outcome = state
        .identity
        .register(&body.phone, body.password, body.code.as_deref().unwrap_or_default(), body.nickname, device)
        .await?;
    Ok(login_answer(&state, &req, outcome))
}

/// Log in with phone number and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", request_body = LoginRequest, responses(
    (status = 200, body = AuthOutcome), (status = 401, description = "invalid_credentials", body = Problem),
    (status = 429, description = "rate_limited: too many wrong passwords", body = Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let device = device(&req, &state.config);
    let outcome = state.identity.login_with_password(&body.phone, body.password, device).await?;
    Ok(login_answer(&state, &req, outcome))
}

/// Send a six-digit login code by SMS (valid 5 minutes, single use).
#[utoipa::path(post, path = "/api/v1/auth/otp/send", tag = "identity", request_body = OtpSendRequest, responses(
    (status = 202, body = OtpSent), (status = 429, description = "rate_limited, with Retry-After", body = Problem)))]
pub async fn send_otp(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<OtpSendRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = client_ip(&req, &state.config);
    let sent = state.identity.send_otp(&body.phone, body.purpose, ip.as_deref()).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// Log in with an SMS code; a new number is registered (201).
#[utoipa::path(post, path = "/api/v1/auth/otp/login", tag = "identity", request_body = OtpLoginRequest, responses(
    (status = 200, body = AuthOutcome), (status = 201, description = "registered now", body = AuthOutcome),
    (status = 401, description = "otp_invalid (with attempts_left), otp_expired, otp_burned", body = Problem)))]
pub async fn otp_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<OtpLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let device = device(&req, &state.config);
    let outcome = state.identity.login_with_otp(&body.phone, &body.code, device).await?;
    Ok(login_answer(&state, &req, outcome))
}

/// Exchange a refresh token for a new pair. The old one is spent; using it again signs the session out.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "identity", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, description = "invalid_refresh_token, refresh_token_reused, session_revoked", body = Problem)))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let device = device(&req, &state.config);
    Ok(web::Json(state.identity.refresh(body.refresh_token, device).await?))
}

/// Sign out this session: its refresh token stops working and its access tokens are refused.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(state: web::Data<AppState>, Auth(principal): Auth) -> Result<HttpResponse, ApiError> {
    state.identity.revoke_session(&principal, principal.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
