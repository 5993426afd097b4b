//! A winner's prizes (`/m/me/prizes`) and claiming an item with one of their addresses
//! (`POST /m/me/prizes/{play}/claim`): the claim becomes the shop's prize order, and a refusal
//! comes back under that prize's form.

use super::browse::chrome;
use super::visitor::{State, Visitor};
use super::{failure, page, see_other, shown_on_form, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_campaigns::ClaimItem;
use bazaar_core::ids::{AddressId, PlayId};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::PrizesPage;

const PRIZES: &str = "/m/me/prizes";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(PRIZES, web::get().to(prizes)).route("/m/me/prizes/{play}/claim", web::post().to(claim));
}

async fn prizes_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    refused: Option<(PlayId, ApiError)>,
) -> HttpResponse {
    let loaded = async {
        let won = state.campaigns.my_prizes(principal).await?;
        let addresses = state.identity.addresses(principal).await?;
        Ok::<_, ApiError>((won, addresses))
    };
    match loaded.await {
        Ok((won, addresses)) => {
            let mut view = PrizesPage::new(chrome(&visitor, state).await, &won, &addresses);
            let status = match refused {
                Some((play, err)) => {
                    view.error = Some((play.get(), err.problem().detail.clone()));
                    err.status()
                }
                None => StatusCode::OK,
            };
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn prizes(req: HttpRequest, state: State) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, PRIZES) };
    prizes_page(visitor, &state, &principal, None).await
}

#[derive(serde::Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    /// Text, so a missing or mangled choice is the form's refusal rather than a bare 400.
    #[serde(default)]
    address_id: String,
}

async fn claim(req: HttpRequest, state: State, play: web::Path<PlayId>, form: web::Form<ClaimForm>) -> HttpResponse {
    let play = play.into_inner();
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, PRIZES).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let claimed = match form.address_id.trim().parse::<i64>() {
        Ok(id) => {
            let claim = ClaimItem { address_id: AddressId(id) };
            state.campaigns.claim_prize(&principal, play, claim).await.map_err(ApiError::from)
        }
        Err(_) => {
            Err(ApiError::from(bazaar_core::Refusal::invalid("address_id", visitor.lang.messages().choose_address)))
        }
    };
    match claimed {
        Ok(_) => visitor.finish(see_other(&format!("{PRIZES}#prize-{play}"))),
        Err(err) if shown_on_form(&err) => prizes_page(visitor, &state, &principal, Some((play, err))).await,
        Err(err) => failure(visitor, err),
    }
}
