//! The shopper's own pages: the profile (`/m/me`, nickname) and the address book
//! (`/m/me/addresses`: add, make default, delete). A refused field comes back at its place with
//! what was typed kept.

use super::browse::{TokenForm, chrome};
use super::visitor::{State, Visitor};
use super::{failure, page, see_other, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_core::ids::AddressId;
use bazaar_identity::{AddressInput, AddressPatch, Principal, ProfilePatch};
use bazaar_storefront::render;
use bazaar_storefront::views::{AddressesPage, MePage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/me", web::get().to(me))
        .route("/m/me/profile", web::post().to(update_profile))
        .route("/m/me/addresses", web::get().to(addresses))
        .route("/m/me/addresses", web::post().to(add_address))
        .route("/m/me/addresses/{id}/default", web::post().to(make_default))
        .route("/m/me/addresses/{id}/delete", web::post().to(delete_address));
}

async fn me_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    status: StatusCode,
    refused: Option<(String, String)>,
) -> HttpResponse {
    let loaded = async {
        let user = state.identity.me(principal).await?;
        let shops = state.identity.my_shops(principal).await?;
        Ok::<_, ApiError>((user, !shops.is_empty()))
    };
    match loaded.await {
        Ok((user, seller)) => {
            let (nickname, error) = match refused {
                Some((typed, message)) => (typed, Some(message)),
                None => (user.nickname, None),
            };
            let chrome = chrome(&visitor, state).await;
            let view = MePage { chrome, phone: user.phone, nickname, seller, admin: principal.is_admin(), error };
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn me(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/m/me") };
    me_page(visitor, &state, &principal, StatusCode::OK, None).await
}

#[derive(serde::Deserialize)]
struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nickname: String,
}

async fn update_profile(req: HttpRequest, state: State, form: web::Form<ProfileForm>) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/me").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let nickname = form.into_inner().nickname;
    let patch = ProfilePatch { nickname: Some(nickname.clone()), avatar_url: None };
    match state.identity.update_me(&principal, patch).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other("/m/me")),
        Err(err) if err.status().is_client_error() => {
            let refused = Some((nickname, err.problem().detail.clone()));
            me_page(visitor, &state, &principal, err.status(), refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn addresses_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    status: StatusCode,
    refused: Option<((String, String), AddressInput)>,
) -> HttpResponse {
    match state.identity.addresses(principal).await {
        Ok(addresses) => {
            let mut view = AddressesPage::new(chrome(&visitor, state).await, &addresses);
            if let Some((error, draft)) = refused {
                (view.error, view.draft) = (Some(error), draft);
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

async fn addresses(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/m/me/addresses") };
    addresses_page(visitor, &state, &principal, StatusCode::OK, None).await
}

#[derive(serde::Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    detail: String,
}

impl AddressForm {
    /// The address as identity takes it; the first one a shopper saves becomes the default there.
    pub fn into_input(self) -> AddressInput {
        AddressInput {
            recipient: self.recipient,
            phone: self.phone,
            province: self.province,
            city: self.city,
            district: self.district,
            detail: self.detail,
            postal_code: None,
            is_default: false,
        }
    }
}

/// What a refused address looks like on the form: the field at fault (the first, when the
/// refusal names none) and its message.
pub fn refused_field(err: &ApiError) -> (String, String) {
    let problem = err.problem();
    (problem.field.clone().unwrap_or_else(|| "recipient".into()), problem.detail.clone())
}

async fn add_address(req: HttpRequest, state: State, form: web::Form<AddressForm>) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/me/addresses").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let input = form.into_inner().into_input();
    let draft = input.clone();
    match state.identity.add_address(&principal, input).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other("/m/me/addresses")),
        Err(err) if err.status().is_client_error() => {
            let refused = Some((refused_field(&err), draft));
            addresses_page(visitor, &state, &principal, err.status(), refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn make_default(req: HttpRequest, state: State, id: web::Path<AddressId>, form: TokenForm) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/me/addresses").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let patch = AddressPatch { is_default: Some(true), ..AddressPatch::default() };
    match state.identity.update_address(&principal, id.into_inner(), patch).await {
        Ok(_) => visitor.finish(see_other("/m/me/addresses")),
        Err(err) => failure(visitor, err.into()),
    }
}

async fn delete_address(req: HttpRequest, state: State, id: web::Path<AddressId>, form: TokenForm) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/me/addresses").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match state.identity.delete_address(&principal, id.into_inner()).await {
        Ok(()) => visitor.finish(see_other("/m/me/addresses")),
        Err(err) => failure(visitor, err.into()),
    }
}
