//! Shop tools and moderation: a shop's greeting and away message, the sensitive-word list, and
//! reports that let an admin read a conversation.

use crate::ChatError;
use crate::content::checked_text;
use crate::conversations::ConversationRow;
use bazaar_core::clock::{as_utc, as_utc_opt};
use bazaar_core::ids::{ConversationId, ReportId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{chat_reports as reports, chat_sensitive_words as words, chat_shop_settings as settings};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// An away message goes at most once in this long per conversation, however many messages arrive.
const AWAY_MESSAGE_EVERY_MINUTES: i64 = 30;
const MAX_WORDS: usize = 1000;
const MAX_WORD_CHARS: usize = 50;
const MAX_REASON_CHARS: usize = 500;

/// A shop's automatic messages. Absent or empty means none is sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatSettings {
    /// Sent when a buyer opens a conversation with the shop.
    pub greeting: Option<String>,
    /// Sent when a buyer writes outside the shop's customer-service hours (`service_hours` on the
    /// shop page, China Standard Time), at most once every 30 minutes per conversation.
    pub away_message: Option<String>,
}

/// The shop's members may see its chat settings; only its owner may change them. An unknown shop
/// is "not found" before anyone is told they may not.
pub(crate) fn require_member(
    conn: &mut DbConn,
    shop_id: ShopId,
    caller: &Principal,
    owner_only: bool,
) -> Result<(), ChatError> {
    if bazaar_identity::shop_status(conn, shop_id)?.is_none() {
        return Err(ChatError::not_found("shop"));
    }
    if owner_only {
        caller.require_shop_owner(conn, shop_id)?
    } else {
        caller.shop_role(conn, shop_id).map(drop)?
    }
    Ok(())
}

pub(crate) fn load_settings(conn: &mut DbConn, shop_id: ShopId) -> Result<ChatSettings, ChatError> {
    let found: Option<(Option<String>, Option<String>)> = settings::table
        .find(shop_id)
        .select((settings::greeting, settings::away_message))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(greeting, away_message)| ChatSettings { greeting, away_message }).unwrap_or_default())
}

pub(crate) fn save_settings(
    conn: &mut DbConn,
    shop_id: ShopId,
    wanted: ChatSettings,
    now: NaiveDateTime,
) -> Result<ChatSettings, ChatError> {
    let clean = |field, value: Option<String>| match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => checked_text(field, text, &[]).map(Some),
    };
    let greeting = clean("greeting", wanted.greeting)?;
    let away_message = clean("away_message", wanted.away_message)?;
    diesel::delete(settings::table.find(shop_id)).execute(conn)?;
    diesel::insert_into(settings::table)
        .values((
            settings::shop_id.eq(shop_id),
            settings::greeting.eq(&greeting),
            settings::away_message.eq(&away_message),
            settings::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(ChatSettings { greeting, away_message })
}

/// The away message to send now for a buyer's message, if the shop has one, is outside its
/// customer-service hours, and has not sent one to this conversation recently.
pub(crate) fn away_message_due(
    conn: &mut DbConn,
    row: &ConversationRow,
    now: NaiveDateTime,
) -> Result<Option<String>, ChatError> {
    if row.away_sent_at.is_some_and(|sent| now - sent < TimeDelta::minutes(AWAY_MESSAGE_EVERY_MINUTES)) {
        return Ok(None);
    }
    let Some(away) = load_settings(conn, row.shop_id)?.away_message else {
        return Ok(None);
    };
    let hours = bazaar_catalog::service_hours(conn, row.shop_id)?;
    match hours {
        Some(hours) if !crate::hours::within(&hours, now) => Ok(Some(away)),
        _ => Ok(None),
    }
}

pub(crate) fn load_words(conn: &mut DbConn) -> Result<Vec<String>, ChatError> {
    Ok(words::table.order(words::word).select(words::word).load(conn)?)
}

/// Replaces the list. Words are trimmed and lowercased (matching ignores ASCII case); duplicates merge.
pub(crate) fn replace_words(
    conn: &mut DbConn,
    wanted: Vec<String>,
    now: NaiveDateTime,
) -> Result<Vec<String>, ChatError> {
    if wanted.len() > MAX_WORDS {
        return Err(ChatError::invalid("words", format!("at most {MAX_WORDS} words")));
    }
    let mut clean: Vec<String> = Vec::with_capacity(wanted.len());
    for word in wanted {
        let word = word.trim().to_lowercase();
        if word.is_empty() || word.chars().count() > MAX_WORD_CHARS {
            return Err(ChatError::invalid("words", format!("each word must have 1 to {MAX_WORD_CHARS} characters")));
        }
        clean.push(word);
    }
    clean.sort();
    clean.dedup();
    diesel::delete(words::table).execute(conn)?;
    for word in &clean {
        diesel::insert_into(words::table).values((words::word.eq(word), words::created_at.eq(now))).execute(conn)?;
    }
    Ok(clean)
}

/// Where a report stands: `open` until an administrator closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    Open,
    Closed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::Closed => "closed",
        }
    }
}

/// A participant's report of a conversation.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = reports)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    pub id: ReportId,
    pub conversation_id: ConversationId,
    pub reporter_id: UserId,
    pub reason: String,
    /// `open` or `closed`.
    pub status: String,
    #[serde(serialize_with = "as_utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "as_utc_opt")]
    pub closed_at: Option<NaiveDateTime>,
}

pub(crate) fn report(
    conn: &mut DbConn,
    conversation_id: ConversationId,
    reporter_id: UserId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<ReportView, ChatError> {
    let reason = bazaar_core::user_text(reason, 1, MAX_REASON_CHARS, true)
        .map_err(|err| ChatError::invalid("reason", err.to_string()))?;
    let reason = reason.as_str();
    diesel::insert_into(reports::table)
        .values((
            reports::conversation_id.eq(conversation_id),
            reports::reporter_id.eq(reporter_id),
            reports::reason.eq(reason),
            reports::status.eq("open"),
            reports::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(reports::table
        .filter(reports::conversation_id.eq(conversation_id).and(reports::reporter_id.eq(reporter_id)))
        .order(reports::id.desc())
        .select(ReportView::as_select())
        .first(conn)?)
}

pub(crate) fn find_report(conn: &mut DbConn, report_id: ReportId) -> Result<ReportView, ChatError> {
    reports::table
        .find(report_id)
        .select(ReportView::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(ChatError::not_found("report"))
}

/// Reports with the given status, newest first.
pub(crate) fn reports_with_status(conn: &mut DbConn, status: &str) -> Result<Vec<ReportView>, ChatError> {
    Ok(reports::table
        .filter(reports::status.eq(status))
        .order(reports::id.desc())
        .limit(200)
        .select(ReportView::as_select())
        .load(conn)?)
}

pub(crate) fn close_report(
    conn: &mut DbConn,
    report_id: ReportId,
    admin_id: UserId,
    now: NaiveDateTime,
) -> Result<ReportView, ChatError> {
    find_report(conn, report_id)?;
    diesel::update(reports::table.find(report_id).filter(reports::status.eq("open")))
        .set((reports::status.eq("closed"), reports::closed_at.eq(now), reports::closed_by.eq(admin_id)))
        .execute(conn)?;
    find_report(conn, report_id)
}
