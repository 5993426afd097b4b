//! Short links (`/s/{code}`): the redirect every QR code and SMS link starts with. It answers from
//! memory (the link cache) and queues the visit; a signed-in visitor is known from the session
//! cookie, and every browser gets the first-party attribution cookie that later credits its orders.

use super::visitor::{SESSION, Visitor, random_token};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_campaigns::{DeadLink, Followed, Follower};
use bazaar_storefront::views::ErrorPage;

/// The attribution cookie: a random id this site sets when a campaign link is followed.
pub const ATTRIBUTION: &str = "bz_v";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/{code}", web::get().to(follow)).route("/s/{code}", web::head().to(follow));
}

/// The attribution cookie's id on this request, if it carries one we issued.
pub fn visitor_id(req: &HttpRequest) -> Option<String> {
    req.cookie(ATTRIBUTION).map(|c| c.value().to_string()).filter(|v| bazaar_campaigns::visitor_id_ok(v))
}

async fn follow(req: HttpRequest, state: web::Data<AppState>, code: web::Path<String>) -> HttpResponse {
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
        None => (random_token(), true),
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
