//! `/sandbox/*`: stand-ins for outside services, served only when `sandbox = true`.

use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::web;
use bazaar_identity::Phone;
use bazaar_sms::{SentSms, sandbox_messages};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; sms_messages);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SmsQuery {
    /// The recipient, in any accepted phone format.
    phone: String,
}

/// The SMS messages the sandbox provider "sent" to a phone, newest first (at most 50).
#[utoipa::path(get, path = "/sandbox/sms/messages", tag = "sandbox", params(SmsQuery),
    responses((status = 200, body = [SentSms]), (status = 422, body = Problem)))]
pub async fn sms_messages(
    state: web::Data<AppState>,
    query: Query<SmsQuery>,
) -> Result<web::Json<Vec<SentSms>>, ApiError> {
    let phone = Phone::parse(&query.phone).map_err(|err| {
        ApiError::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", err.to_string())
            .with_field("phone")
    })?;
    Ok(web::Json(sandbox_messages(&state.db, phone.as_str().to_string(), 50).await?))
}
