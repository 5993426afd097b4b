//! `/api/v1/admin/*`: the shop application review queue (administrators only).

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::{Page, PageQuery};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::web;
use bazaar_identity::{ApplicationStatus, ApplicationView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; queue, approve, reject);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// `pending` (default), `approved` or `rejected`.
    status: Option<ApplicationStatus>,
}

/// Applications in a state, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/shop-applications", tag = "admin", security(("bearer" = [])),
    params(QueueFilter, PageQuery), responses((status = 200, body = Page<ApplicationView>), (status = 403, body = Problem)))]
pub async fn queue(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<QueueFilter>,
    page: Query<PageQuery>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    let (after, limit) = page.parse::<i64>()?;
    let status = filter.status.unwrap_or(ApplicationStatus::Pending);
    let rows = state.identity.review_queue(&principal, status, after.unwrap_or(0), limit.probe()).await?;
    Ok(web::Json(Page::from_probe(rows, limit, |row| row.id)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Required to reject; optional note on approval.
    reason: Option<String>,
}

/// Approve: the shop is created, the applicant becomes its owner and a seller.
#[utoipa::path(post, path = "/api/v1/admin/shop-applications/{id}/approve", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Decision, responses((status = 200, body = ApplicationView),
    (status = 403, body = Problem), (status = 409, description = "already_reviewed", body = Problem)))]
pub async fn approve(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<i64>,
    Json(body): Json<Decision>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    Ok(web::Json(state.identity.approve_application(&principal, id.into_inner(), body.reason).await?))
}

/// Reject with a reason; the applicant may apply again.
#[utoipa::path(post, path = "/api/v1/admin/shop-applications/{id}/reject", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Decision, responses((status = 200, body = ApplicationView),
    (status = 403, body = Problem), (status = 409, description = "already_reviewed", body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<i64>,
    Json(body): Json<Decision>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let reason = body.reason.unwrap_or_default();
    Ok(web::Json(state.identity.reject_application(&principal, id.into_inner(), reason).await?))
}
