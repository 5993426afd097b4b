//! The seller console's campaigns: a shop's list, and a campaign's funnel with its chart, its
//! table, the CSV and each placement's QR code to print. The campaigns crate decides who may see
//! them (a member of the shop; anyone else gets "not found").

use super::seller_orders::member_shop_name;
use super::visitor::State;
use super::{failure, page, signed_in_page};
use crate::error::ApiError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_core::ids::{CampaignId, ShopId};
use bazaar_storefront::render;
use bazaar_storefront::views::{PlacementQr, SellerCampaignPage, SellerCampaignsPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/seller/shops/{shop}/campaigns", web::get().to(list))
        .route("/seller/campaigns/{id}", web::get().to(campaign))
        .route("/seller/campaigns/{id}/funnel.csv", web::get().to(csv));
}

async fn list(req: HttpRequest, state: State, shop: web::Path<ShopId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let shop = shop.into_inner();
    let loaded = async {
        let name = member_shop_name(&state, &principal, shop).await?;
        Ok::<_, ApiError>((name, state.campaigns.campaigns(&principal, Some(shop)).await?))
    };
    match loaded.await {
        Ok((name, campaigns)) => {
            let view = SellerCampaignsPage::new(visitor.chrome(), shop.get(), name, &campaigns);
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn campaign(req: HttpRequest, state: State, id: web::Path<CampaignId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let id = id.into_inner();
    let loaded = async {
        let campaign = state.campaigns.campaign(&principal, id).await?;
        let funnel = state.campaigns.funnel(&principal, id).await?;
        let mut placements = Vec::with_capacity(campaign.placements.len());
        for placement in &campaign.placements {
            let svg = bazaar_campaigns::qr::svg(&placement.short_url, Some(&placement.name))?;
            placements.push(PlacementQr { name: placement.name.clone(), short_url: placement.short_url.clone(), svg });
        }
        Ok::<_, ApiError>((campaign, funnel, placements))
    };
    match loaded.await {
        Ok((campaign, funnel, placements)) => {
            let view = SellerCampaignPage::new(visitor.chrome(), &campaign, &funnel, placements);
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn csv(req: HttpRequest, state: State, id: web::Path<CampaignId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    match state.campaigns.funnel(&principal, id.into_inner()).await {
        Ok(funnel) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"campaign-{}-funnel.csv\"", funnel.campaign_id),
            ))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(bazaar_campaigns::to_csv(&funnel)),
        Err(err) => failure(visitor, err.into()),
    }
}
