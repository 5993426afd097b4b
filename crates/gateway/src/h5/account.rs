//! Signing in and out, the language switch, and the cart.

use super::browse::{TokenForm, chrome};
use super::visitor::{State, Visitor};
use super::{failure, forged, page, see_other, signed_in_form, to_sign_in};
use crate::auth::{client_ip, device};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_core::ids::CartItemId;
use bazaar_identity::OtpPurpose;
use bazaar_storefront::views::{CartPage, LoginPage, safe_next};
use bazaar_storefront::{Lang, render};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/login", web::get().to(login_page))
        .route("/m/login/code", web::post().to(login_by_code))
        .route("/m/login/password", web::post().to(login_by_password))
        .route("/m/logout", web::post().to(logout))
        .route("/m/lang/{code}", web::get().to(switch_language))
        .route("/m/cart", web::get().to(cart))
        .route("/m/cart/items/{id}", web::post().to(update_line))
        .route("/m/cart/items/{id}/remove", web::post().to(remove_line));
}

#[derive(serde::Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(req: HttpRequest, state: State, query: web::Query<NextQuery>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    if visitor.principal.is_some() {
        return visitor.finish(see_other(&safe_next(&query.next)));
    }
    let view = LoginPage::new(visitor.chrome(), &query.next);
    page(visitor, StatusCode::OK, render(&view))
}

#[derive(serde::Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    /// `send` (text me a code) or `login` (here is the code).
    #[serde(default)]
    action: String,
}

/// The sign-in page again, the phone kept, `err` shown at its field.
fn login_refused(visitor: Visitor, phone: &str, next: &str, err: &ApiError, fallback_field: &str) -> HttpResponse {
    let mut view = LoginPage::new(visitor.chrome(), next);
    view.phone = phone.to_string();
    let problem = err.problem();
    let field = match problem.field.as_deref() {
        Some("phone") => "phone",
        Some("password") => "password",
        Some("code") => "code",
        _ if problem.code.starts_with("otp_") => "code",
        _ => fallback_field,
    };
    view.error = Some((field.to_string(), problem.detail.clone()));
    let status = err.status();
    page(visitor, status, render(&view))
}

async fn login_by_code(req: HttpRequest, state: State, form: web::Form<CodeForm>) -> HttpResponse {
    let mut visitor = Visitor::of(&req, &state).await;
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let phone = form.phone.trim();
    if form.action == "send" {
        let ip = client_ip(&req, &state.config);
        return match state.identity.send_otp(phone, OtpPurpose::Login, ip.as_deref()).await {
            Ok(_) => {
                let mut view = LoginPage::new(visitor.chrome(), &form.next);
                view.phone = phone.to_string();
                view.code_sent = true;
                page(visitor, StatusCode::OK, render(&view))
            }
            Err(err) => login_refused(visitor, phone, &form.next, &err.into(), "phone"),
        };
    }
    match state.identity.login_with_otp(phone, &form.code, device(&req, &state.config)).await {
        Ok(outcome) => {
            visitor.sign_in(&outcome.tokens);
            crate::h5::campaigns::claim_visits(&state, &req, outcome.user.id);
            visitor.finish(see_other(&safe_next(&form.next)))
        }
        Err(err) => login_refused(visitor, phone, &form.next, &err.into(), "code"),
    }
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
}

async fn login_by_password(req: HttpRequest, state: State, form: web::Form<PasswordForm>) -> HttpResponse {
    let mut visitor = Visitor::of(&req, &state).await;
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let form = form.into_inner();
    let phone = form.phone.trim().to_string();
    match state.identity.login_with_password(&phone, form.password, device(&req, &state.config)).await {
        Ok(outcome) => {
            visitor.sign_in(&outcome.tokens);
            crate::h5::campaigns::claim_visits(&state, &req, outcome.user.id);
            visitor.finish(see_other(&safe_next(&form.next)))
        }
        Err(err) => login_refused(visitor, &phone, &form.next, &err.into(), "password"),
    }
}

async fn logout(req: HttpRequest, state: State, form: TokenForm) -> HttpResponse {
    let mut visitor = Visitor::of(&req, &state).await;
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    if let Some(principal) = visitor.principal.take()
        && let Err(err) = state.identity.revoke_session(&principal, principal.session_id).await
    {
        return failure(visitor, err.into());
    }
    visitor.sign_out_cookies();
    visitor.finish(see_other("/m/"))
}

async fn switch_language(
    req: HttpRequest,
    state: State,
    code: web::Path<String>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let mut visitor = Visitor::of(&req, &state).await;
    visitor.remember_lang(Lang::from_code(&code).unwrap_or(Lang::Zh));
    visitor.finish(see_other(&safe_next(&query.next)))
}

async fn cart(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = &visitor.principal else { return to_sign_in(visitor, "/m/cart") };
    match state.cart.view(principal).await {
        Ok(cart) => {
            let mut chrome = visitor.chrome();
            chrome.cart_count = cart.total_quantity;
            let view = CartPage::new(chrome, &cart);
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

#[derive(serde::Deserialize)]
struct QuantityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quantity: String,
}

async fn update_line(
    req: HttpRequest,
    state: State,
    id: web::Path<i64>,
    form: web::Form<QuantityForm>,
) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/cart").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let changed = match form.quantity.trim().parse::<i32>() {
        Ok(quantity) => state.cart.set_quantity(&principal, CartItemId::from(id.into_inner()), quantity).await,
        Err(_) => Err(bazaar_checkout::CheckoutError::invalid("quantity", "must be a whole number")),
    };
    cart_after(visitor, &state, changed).await
}

async fn remove_line(req: HttpRequest, state: State, id: web::Path<i64>, form: TokenForm) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/cart").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let changed = state.cart.remove(&principal, CartItemId::from(id.into_inner())).await;
    cart_after(visitor, &state, changed).await
}

/// Back to the cart after a change; a refused change shows the cart with the reason.
async fn cart_after(
    visitor: Visitor,
    state: &State,
    changed: Result<bazaar_checkout::CartView, bazaar_checkout::CheckoutError>,
) -> HttpResponse {
    let err = match changed {
        Ok(_) => return visitor.finish(see_other("/m/cart")),
        Err(err) => ApiError::from(err),
    };
    let Some(principal) = &visitor.principal else { return failure(visitor, err) };
    if err.status().is_server_error() {
        return failure(visitor, err);
    }
    match state.cart.view(principal).await {
        Ok(cart) => {
            let mut view = CartPage::new(chrome(&visitor, state).await, &cart);
            view.error = Some(err.problem().detail.clone());
            page(visitor, err.status(), render(&view))
        }
        Err(second) => failure(visitor, second.into()),
    }
}
