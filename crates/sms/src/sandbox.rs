//! The sandbox provider: keeps every message in the database (shared by all gateways) so
//! `/sandbox/sms/messages` and tests can read what was "sent".

use bazaar_db::Database;
use bazaar_db::schema::sms_messages;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::{SmsError, SmsProvider};

/// Stores messages instead of sending them. Shared by all gateways on one database.
pub struct SandboxSms {
    db: Database,
}

impl SandboxSms {
    pub fn new(db: Database) -> SandboxSms {
        SandboxSms { db }
    }
}

impl SmsProvider for SandboxSms {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        let (phone, text) = (phone.to_string(), text.to_string());
        Box::pin(async move {
            self.db
                .run(move |conn| {
                    diesel::insert_into(sms_messages::table)
                        .values((
                            sms_messages::phone.eq(phone),
                            sms_messages::body.eq(text),
                            sms_messages::created_at.eq(Utc::now().naive_utc()),
                        ))
                        .execute(conn)
                        .map_err(bazaar_db::DbError::from)
                })
                .await
                .map(drop)
                .map_err(|err| SmsError(err.to_string()))
        })
    }
}

#[derive(Debug, Clone, Serialize, Queryable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentSms {
    pub id: i64,
    pub phone: String,
    pub body: String,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: NaiveDateTime,
}

/// The newest `limit` messages sent to `phone` (E.164), newest first.
pub async fn sandbox_messages(db: &Database, phone: String, limit: i64) -> Result<Vec<SentSms>, bazaar_db::DbError> {
    db.run(move |conn| {
        Ok(sms_messages::table
            .filter(sms_messages::phone.eq(phone))
            .order(sms_messages::id.desc())
            .limit(limit)
            .select((sms_messages::id, sms_messages::phone, sms_messages::body, sms_messages::created_at))
            .load(conn)?)
    })
    .await
}
