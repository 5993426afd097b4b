//! The platform's console (`/admin/`): shop applications to approve or reject and open chat
//! reports to close. Identity and chat refuse anyone but administrators; a refusal is the
//! storefront's "not allowed" page.

use super::visitor::{CsrfOnly, State, Visitor};
use super::{failure, page, see_other, shown_on_form, signed_in_form, signed_in_page};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_chat::ReportStatus;
use bazaar_core::ids::ReportId;
use bazaar_identity::{ApplicationStatus, Principal};
use bazaar_storefront::render;
use bazaar_storefront::views::AdminPage;

/// Applications one page shows.
const LISTED: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(|| async { see_other("/admin/") }))
        .route("/admin/", web::get().to(home))
        .route("/admin/shop-applications/{id}/decide", web::post().to(decide))
        .route("/admin/reports/{id}/close", web::post().to(close_report));
}

#[derive(serde::Deserialize)]
struct HomeQuery {
    status: Option<String>,
}

/// The tab a link names; pending (the queue) for anything else.
fn chosen(raw: Option<&str>) -> ApplicationStatus {
    [ApplicationStatus::Approved, ApplicationStatus::Rejected]
        .into_iter()
        .find(|status| Some(status.as_str()) == raw)
        .unwrap_or(ApplicationStatus::Pending)
}

async fn admin_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    status: ApplicationStatus,
    refused: Option<(StatusCode, i64, String)>,
) -> HttpResponse {
    let loaded = async {
        let applications = state.identity.review_queue(principal, status, 0, LISTED).await?;
        let reports = state.chat.reports(principal, ReportStatus::Open.as_str().to_string()).await?;
        Ok::<_, ApiError>((applications, reports))
    };
    match loaded.await {
        Ok((applications, reports)) => {
            let mut view = AdminPage::new(visitor.chrome(), status, &applications, &reports);
            let mut code = StatusCode::OK;
            if let Some((refused_status, id, message)) = refused {
                (code, view.error) = (refused_status, Some((id, message)));
            }
            page(visitor, code, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn home(req: HttpRequest, state: State, query: web::Query<HomeQuery>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    admin_page(visitor, &state, &principal, chosen(query.status.as_deref()), None).await
}

#[derive(serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(req: HttpRequest, state: State, id: web::Path<i64>, form: web::Form<DecideForm>) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/admin/").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (id, form) = (id.into_inner(), form.into_inner());
    let reason = form.reason.trim().to_string();
    let decided = if form.decision == "approve" {
        state.identity.approve_application(&principal, id, Some(reason).filter(|r| !r.is_empty())).await
    } else {
        state.identity.reject_application(&principal, id, reason).await
    };
    match decided.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other("/admin/")),
        Err(err) if shown_on_form(&err) => {
            let refused = Some((err.status(), id, err.problem().detail.clone()));
            admin_page(visitor, &state, &principal, ApplicationStatus::Pending, refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn close_report(
    req: HttpRequest,
    state: State,
    id: web::Path<ReportId>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/admin/").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match state.chat.close_report(&principal, id.into_inner()).await {
        Ok(_) => visitor.finish(see_other("/admin/")),
        Err(err) => failure(visitor, err.into()),
    }
}
