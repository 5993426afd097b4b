//! Short links (`/s/{code}`): the redirect every QR code and SMS link starts with. It answers from
//! memory (the link cache) and queues the visit; a signed-in visitor is known from the session
//! cookie, and every browser gets the first-party attribution cookie that later credits its orders.
//! Then the pages they lead to: a campaign's landing page (its offer, its coupon to claim, its
//! draws; a scan by a signed-in visitor earns the draws' scan chance) and a lucky draw's page.

use super::browse::chrome;
use super::visitor::{SESSION, Visitor, random_token};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_campaigns::PlayView;
use bazaar_campaigns::{DeadLink, Followed, Follower};
use bazaar_core::ids::{CampaignId, DrawId, UserId};
use bazaar_storefront::views::ErrorPage;
use bazaar_storefront::views::{DrawPage, LandingPage};

/// The attribution cookie: a random id this site sets when a campaign link is followed.
pub const ATTRIBUTION: &str = "bz_v";

/// `/s/{code}`: the whole `/s` scope, registered before every other route. The code is read from
/// the path rather than matched by a `{code}` pattern: actix matches patterns with a regex, which
/// showed in the profile of a scan storm.
pub fn short_links(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(follow_or_refuse));
}

async fn follow_or_refuse(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return actix_web::ResponseError::error_response(
            &ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} takes GET, HEAD, not {}.", req.path(), req.method()),
            )
            .with_header(header::ALLOW, "GET, HEAD"),
        );
    }
    let code = req.path().strip_prefix("/s/").unwrap_or_default().to_string();
    let metrics = req.app_data::<web::Data<crate::middleware::metrics::Metrics>>().cloned();
    let answer = follow(req, state, code).await;
    if let Some(metrics) = metrics {
        let counter = if answer.status() == StatusCode::FOUND {
            &metrics.short_links_redirected
        } else {
            &metrics.short_links_dead
        };
        counter.inc();
    }
    answer
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/campaigns/{id}", web::get().to(landing))
        .route("/m/campaigns/{id}/coupon", web::post().to(claim))
        .route("/m/draws/{id}", web::get().to(draw))
        .route("/m/draws/{id}/play", web::post().to(play));
}

/// The attribution cookie's id on this request, if it carries one we issued.
pub fn visitor_id(req: &HttpRequest) -> Option<String> {
    req.cookie(ATTRIBUTION).map(|c| c.value().to_string()).filter(|v| bazaar_campaigns::visitor_id_ok(v))
}

/// Signing in on this browser: the campaign visits it made before are now the user's, so an
/// order placed from the app later is credited too. Off the sign-in's path; a failure costs only
/// the statistic.
pub fn claim_visits(state: &AppState, req: &HttpRequest, user: UserId) {
    let Some(visitor) = visitor_id(req) else { return };
    let campaigns = state.campaigns.clone();
    tokio::spawn(async move {
        if let Err(err) = campaigns.claim_visits(user, visitor).await {
            tracing::warn!(error = %err, "linking a browser's campaign visits to the user who signed in failed");
        }
    });
}

async fn follow(req: HttpRequest, state: web::Data<AppState>, code: String) -> HttpResponse {
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let prefetch = req.method() == Method::HEAD
        || ["purpose", "sec-purpose", "x-purpose"]
            .iter()
            .any(|name| req.headers().get(*name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("prefetch")));
    let user = match req.cookie(SESSION) {
        Some(token) => state.identity.authenticate(token.value()).await.ok().map(|p| p.user_id),
        None => None,
    };
    let (visitor, new_visitor) = match visitor_id(&req) {
        Some(id) => (id, false),
        None => (bazaar_campaigns::new_visitor_id(chrono::Utc::now()), true),
    };
    let who = Follower {
        ip: crate::auth::client_ip(&req, &state.config).unwrap_or_default(),
        user_agent: user_agent.to_string(),
        prefetch,
        user,
        visitor: Some(visitor.clone()),
    };
    let followed = match state.campaigns.follow(&code, who).await {
        Ok(followed) => followed,
        Err(err) => return super::failure(Visitor::of(&req, &state).await, err.into()),
    };
    match followed {
        Followed::To { location, .. } => {
            // A campaign's landing page learns which placement was scanned.
            let location = if location.starts_with("/m/campaigns/") {
                format!("{location}?via={}", code.as_str())
            } else {
                location
            };
            let mut answer = HttpResponse::Found();
            answer
                .insert_header((header::LOCATION, location))
                // Every scan must reach us to be counted.
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"));
            if new_visitor {
                answer.cookie(
                    Cookie::build(ATTRIBUTION, visitor)
                        .path("/")
                        .http_only(true)
                        .same_site(SameSite::Lax)
                        .secure(req.connection_info().scheme() == "https")
                        .max_age(CookieDuration::days(90))
                        .finish(),
                );
            }
            answer.finish()
        }
        Followed::Dead(dead) => {
            let visitor = Visitor::of(&req, &state).await;
            let chrome = visitor.chrome();
            let (status, view) = match dead {
                DeadLink::Unknown => (StatusCode::NOT_FOUND, ErrorPage::not_found(chrome)),
                DeadLink::NotYet => (
                    StatusCode::NOT_FOUND,
                    ErrorPage::refused(chrome, visitor.lang.messages().link_not_yet.to_string()),
                ),
                DeadLink::Expired | DeadLink::Disabled | DeadLink::Exhausted => {
                    (StatusCode::GONE, ErrorPage::refused(chrome, visitor.lang.messages().link_ended.to_string()))
                }
            };
            super::page(visitor, status, bazaar_storefront::render(&view))
        }
    }
}

/// A form's outcome as its page shows it: the page's status, what succeeded, a refusal's reason.
fn settle<T>(outcome: Option<Result<T, ApiError>>) -> (StatusCode, Option<T>, Option<String>) {
    match outcome {
        Some(Ok(done)) => (StatusCode::OK, Some(done), None),
        Some(Err(err)) => (err.status(), None, Some(err.problem().detail.clone())),
        None => (StatusCode::OK, None, None),
    }
}

#[derive(serde::Deserialize)]
struct ViaQuery {
    via: Option<String>,
}

async fn landing_page(
    visitor: Visitor,
    state: &web::Data<AppState>,
    id: CampaignId,
    via: Option<String>,
    outcome: Option<Result<String, ApiError>>,
) -> HttpResponse {
    let user = visitor.principal.as_ref().map(|p| p.user_id);
    match state.campaigns.landing(id, via.clone(), user).await {
        Ok(landing) => {
            let chrome = chrome(&visitor, state).await;
            let mut view = LandingPage::new(chrome, &landing.campaign, &landing.draws, via.unwrap_or_default());
            let (status, notice, error) = settle(outcome);
            (view.notice, view.error) = (notice, error);
            super::page(visitor, status, bazaar_storefront::render(&view))
        }
        Err(err) => super::failure(visitor, err.into()),
    }
}

async fn landing(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    query: web::Query<ViaQuery>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    landing_page(visitor, &state, id.into_inner(), query.into_inner().via, None).await
}

#[derive(serde::Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    via: String,
}

async fn claim(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    form: web::Form<ClaimForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    let back = format!("/m/campaigns/{id}");
    let (visitor, principal) = match super::signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let via = Some(form.via).filter(|via| !via.is_empty());
    let placement = match &via {
        Some(code) => state.campaigns.placement_of_code(id, code.clone()).await.ok().flatten(),
        None => None,
    };
    let outcome = match state.campaigns.claim_coupon(&principal, id, placement).await {
        Ok(_) => Ok(visitor.lang.messages().coupon_claimed.to_string()),
        Err(err) => Err(ApiError::from(err)),
    };
    match outcome {
        Err(err) if !super::shown_on_form(&err) => super::failure(visitor, err),
        outcome => landing_page(visitor, &state, id, via, Some(outcome)).await,
    }
}

async fn draw_page(
    visitor: Visitor,
    state: &web::Data<AppState>,
    id: DrawId,
    played: Option<Result<PlayView, ApiError>>,
) -> HttpResponse {
    let loaded = async {
        let draw = state.campaigns.draw(id).await?;
        let chances = match &visitor.principal {
            Some(principal) if draw.state == bazaar_campaigns::DrawState::Running => {
                Some(state.campaigns.chances(principal, id).await?)
            }
            _ => None,
        };
        Ok::<_, ApiError>((draw, chances))
    };
    match loaded.await {
        Ok((draw, chances)) => {
            let chrome = chrome(&visitor, state).await;
            let mut view = DrawPage::new(chrome, &draw, chances, random_token());
            let (status, play, error) = settle(played);
            if let Some(play) = play {
                view.played(&play);
            }
            view.error = error;
            super::page(visitor, status, bazaar_storefront::render(&view))
        }
        Err(err) => super::failure(visitor, err),
    }
}

async fn draw(req: HttpRequest, state: web::Data<AppState>, id: web::Path<DrawId>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    draw_page(visitor, &state, id.into_inner(), None).await
}

#[derive(serde::Deserialize)]
struct PlayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

async fn play(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<DrawId>,
    form: web::Form<PlayForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let form = form.into_inner();
    let (visitor, principal) = match super::signed_in_form(&req, &state, &form.csrf, &format!("/m/draws/{id}")).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    // The page's key makes a double tap play once; a missing one is the form's own.
    let key = if form.key.is_empty() || form.key.len() > 128 { random_token() } else { form.key };
    match state.campaigns.play(&principal, id, key).await.map_err(ApiError::from) {
        Err(err) if !super::shown_on_form(&err) => super::failure(visitor, err),
        played => draw_page(visitor, &state, id, Some(played)).await,
    }
}
