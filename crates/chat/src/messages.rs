//! Messages: appended with the conversation's next seq in the same transaction, read back by seq,
//! and the read / delivered positions of each side.

use crate::ChatError;
use crate::content::Stored;
use crate::conversations::{ConversationRow, Side};
use bazaar_core::PageLimit;
use bazaar_core::clock::as_utc;
use bazaar_core::ids::{ConversationId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{chat_conversations as conv, chat_messages as msg};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A stored message.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub conversation_id: ConversationId,
    /// Increasing per conversation, without gaps: a client that has seq N asks for what follows N.
    pub seq: i64,
    pub side: Side,
    /// Who wrote it; absent for automatic messages (greeting, away message, order notices).
    pub sender_id: Option<UserId>,
    /// `text`, `image`, `product`, `order`, or `notice` (a system notice).
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub card: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    #[serde(serialize_with = "as_utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = msg)]
struct MessageRow {
    conversation_id: ConversationId,
    seq: i64,
    side: String,
    sender_id: Option<UserId>,
    kind: String,
    body: String,
    card: Option<String>,
    client_msg_id: Option<String>,
    created_at: NaiveDateTime,
}

impl From<MessageRow> for MessageView {
    fn from(row: MessageRow) -> MessageView {
        let (text, image_url) = match row.kind.as_str() {
            "image" => (None, Some(row.body)),
            "product" | "order" => (None, None),
            _ => (Some(row.body), None),
        };
        MessageView {
            conversation_id: row.conversation_id,
            seq: row.seq,
            side: Side::parse(&row.side),
            sender_id: row.sender_id,
            kind: row.kind,
            text,
            image_url,
            card: row.card.and_then(|card| serde_json::from_str(&card).ok()),
            client_msg_id: row.client_msg_id,
            created_at: row.created_at,
        }
    }
}

/// Who is writing: a person on one side, or the system (`sender_id` absent).
pub(crate) struct Author<'a> {
    pub side: Side,
    pub sender_id: Option<UserId>,
    pub client_msg_id: Option<&'a str>,
}

/// Appends a message with the next seq. The writer's own side has read everything up to it;
/// the other side (both, for a system notice) gains one unread.
pub(crate) fn append(
    conn: &mut DbConn,
    conversation_id: ConversationId,
    author: &Author<'_>,
    content: &Stored,
    now: NaiveDateTime,
) -> Result<MessageView, ChatError> {
    let target = conv::table.find(conversation_id);
    let next = conv::last_seq + 1;
    let touched = (
        conv::last_seq.eq(next),
        conv::last_message_at.eq(now),
        conv::last_preview.eq(content.preview()),
        conv::updated_at.eq(now),
    );
    match author.side {
        Side::Buyer => diesel::update(target)
            .set((
                touched,
                conv::buyer_read_seq.eq(next),
                conv::buyer_unread.eq(0),
                conv::shop_unread.eq(conv::shop_unread + 1),
            ))
            .execute(conn)?,
        Side::Shop => diesel::update(target)
            .set((
                touched,
                conv::shop_read_seq.eq(next),
                conv::shop_unread.eq(0),
                conv::buyer_unread.eq(conv::buyer_unread + 1),
            ))
            .execute(conn)?,
        Side::System => diesel::update(target)
            .set((touched, conv::buyer_unread.eq(conv::buyer_unread + 1), conv::shop_unread.eq(conv::shop_unread + 1)))
            .execute(conn)?,
    };
    let seq: i64 = conv::table.find(conversation_id).select(conv::last_seq).get_result(conn)?;
    let card = content.card.as_ref().map(serde_json::Value::to_string);
    diesel::insert_into(msg::table)
        .values((
            msg::conversation_id.eq(conversation_id),
            msg::seq.eq(seq),
            msg::side.eq(author.side.as_str()),
            msg::sender_id.eq(author.sender_id),
            msg::kind.eq(content.kind),
            msg::body.eq(&content.body),
            msg::card.eq(&card),
            msg::client_msg_id.eq(author.client_msg_id),
            msg::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(MessageView {
        conversation_id,
        seq,
        side: author.side,
        sender_id: author.sender_id,
        kind: content.kind.to_string(),
        text: (!matches!(content.kind, "image" | "product" | "order")).then(|| content.body.clone()),
        image_url: (content.kind == "image").then(|| content.body.clone()),
        card: content.card.clone(),
        client_msg_id: author.client_msg_id.map(str::to_string),
        created_at: now,
    })
}

/// The message this sender already sent under `client_msg_id`, if any: a resend returns it.
pub(crate) fn already_sent(
    conn: &mut DbConn,
    conversation_id: ConversationId,
    sender_id: UserId,
    client_msg_id: &str,
) -> Result<Option<MessageView>, ChatError> {
    let row = msg::table
        .filter(msg::conversation_id.eq(conversation_id))
        .filter(msg::sender_id.eq(sender_id))
        .filter(msg::client_msg_id.eq(client_msg_id))
        .select(MessageRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(MessageView::from))
}

/// Which messages to read: the latest page, the page before a seq (scrolling back), or
/// everything after a seq (catching up after being offline).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// Messages before this seq (scrolling back), newest page first.
    pub before_seq: Option<i64>,
    /// Messages after this seq (catching up), oldest first.
    pub since_seq: Option<i64>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
}

/// Messages in seq order, and whether more lie in the direction asked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    pub conversation_id: ConversationId,
    /// The messages in seq order, in the one list envelope (`items`, `next_cursor`).
    pub items: Vec<MessageView>,
    /// The seq to send next for more in the same direction (`before_seq` going back, `since_seq`
    /// going forward); absent when there is no more.
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

pub(crate) fn history(
    conn: &mut DbConn,
    conversation_id: ConversationId,
    query: HistoryQuery,
) -> Result<MessagePage, ChatError> {
    if query.before_seq.is_some() && query.since_seq.is_some() {
        return Err(ChatError::invalid("since_seq", "give before_seq or since_seq, not both"));
    }
    let limit = PageLimit::new(query.limit).map_err(|err| ChatError::invalid("limit", err.to_string()))?;
    let base = msg::table
        .filter(msg::conversation_id.eq(conversation_id))
        .select(MessageRow::as_select())
        .limit(limit.probe());
    let (mut rows, forward): (Vec<MessageRow>, bool) = match (query.since_seq, query.before_seq) {
        (Some(since), _) => (base.filter(msg::seq.gt(since)).order(msg::seq.asc()).load(conn)?, true),
        (_, Some(before)) => (base.filter(msg::seq.lt(before)).order(msg::seq.desc()).load(conn)?, false),
        _ => (base.order(msg::seq.desc()).load(conn)?, false),
    };
    let has_more = rows.len() as i64 > i64::from(limit.get());
    rows.truncate(limit.get() as usize);
    if !forward {
        rows.reverse();
    }
    let edge = if forward { rows.last() } else { rows.first() };
    let next_cursor = edge.filter(|_| has_more).map(|row| row.seq.to_string());
    Ok(MessagePage { conversation_id, items: rows.into_iter().map(MessageView::from).collect(), next_cursor, has_more })
}

/// Moves `side`'s read position up to `seq` (never back) and recounts its unread messages.
/// Returns the position and the unread count after the move.
pub(crate) fn mark_read(
    conn: &mut DbConn,
    row: &ConversationRow,
    side: Side,
    seq: i64,
) -> Result<(i64, i64), ChatError> {
    let seq = seq.min(row.last_seq);
    let (current, unread) = match side {
        Side::Buyer => (row.buyer_read_seq, row.buyer_unread),
        _ => (row.shop_read_seq, row.shop_unread),
    };
    if seq <= current {
        return Ok((current, unread));
    }
    let unread: i64 = msg::table
        .filter(msg::conversation_id.eq(row.id).and(msg::seq.gt(seq)).and(msg::side.ne(side.as_str())))
        .count()
        .get_result(conn)?;
    let target = conv::table.find(row.id);
    match side {
        Side::Buyer => {
            diesel::update(target).set((conv::buyer_read_seq.eq(seq), conv::buyer_unread.eq(unread))).execute(conn)?
        }
        _ => diesel::update(target).set((conv::shop_read_seq.eq(seq), conv::shop_unread.eq(unread))).execute(conn)?,
    };
    Ok((seq, unread))
}

/// Moves `side`'s delivered position up to `seq` (never back). Returns whether it moved.
pub(crate) fn mark_delivered(
    conn: &mut DbConn,
    row: &ConversationRow,
    side: Side,
    seq: i64,
) -> Result<bool, ChatError> {
    let seq = seq.min(row.last_seq);
    let target = conv::table.find(row.id);
    let moved = match side {
        Side::Buyer => diesel::update(target.filter(conv::buyer_delivered_seq.lt(seq)))
            .set(conv::buyer_delivered_seq.eq(seq))
            .execute(conn)?,
        _ => diesel::update(target.filter(conv::shop_delivered_seq.lt(seq)))
            .set(conv::shop_delivered_seq.eq(seq))
            .execute(conn)?,
    };
    Ok(moved > 0)
}
