//! Conversations: one per (buyer, shop). Who may see one, what the list shows, and the shop's
//! block switch.

use crate::ChatError;
use bazaar_core::clock::{as_utc, as_utc_opt};
use bazaar_core::ids::{ConversationId, ShopId, UserId};
use bazaar_core::{Cursor, PageLimit};
use bazaar_db::DbConn;
use bazaar_db::schema::chat_conversations as conv;
use bazaar_identity::Principal;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which side of a conversation a message or a reader is on. System notices (e.g. "order
/// shipped") belong to neither and count as unread for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Side {
    Buyer,
    Shop,
    System,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buyer => "buyer",
            Side::Shop => "shop",
            Side::System => "system",
        }
    }

    pub(crate) fn parse(raw: &str) -> Side {
        match raw {
            "buyer" => Side::Buyer,
            "shop" => Side::Shop,
            _ => Side::System,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conv)]
pub(crate) struct ConversationRow {
    pub id: ConversationId,
    pub buyer_id: UserId,
    pub shop_id: ShopId,
    pub last_seq: i64,
    pub last_message_at: Option<NaiveDateTime>,
    pub last_preview: Option<String>,
    pub buyer_read_seq: i64,
    pub shop_read_seq: i64,
    pub buyer_unread: i64,
    pub shop_unread: i64,
    pub buyer_delivered_seq: i64,
    pub shop_delivered_seq: i64,
    pub blocked_at: Option<NaiveDateTime>,
    pub away_sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A conversation as one participant sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationView {
    pub id: ConversationId,
    /// The caller's side: `buyer`, or `shop` for the shop's owner and staff.
    pub side: Side,
    pub shop: Party,
    pub buyer: Party,
    pub last_seq: i64,
    #[serde(serialize_with = "as_utc_opt")]
    pub last_message_at: Option<NaiveDateTime>,
    pub last_preview: Option<String>,
    /// Messages from the other side (and system notices) after the caller's read position.
    pub unread: i64,
    pub read_seq: i64,
    /// How far the other side has read (read receipts) and received.
    pub other_read_seq: i64,
    pub other_delivered_seq: i64,
    pub blocked: bool,
    #[serde(serialize_with = "as_utc")]
    pub created_at: NaiveDateTime,
}

/// A shop or a buyer as shown in a conversation.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub id: i64,
    pub name: String,
    pub avatar_url: Option<String>,
}

/// A page of conversations, most recently active first, and the caller's total unread badge.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationPage {
    /// The conversations, in the one list envelope (`items`, `next_cursor`) every list uses.
    pub items: Vec<ConversationView>,
    pub next_cursor: Option<String>,
    pub unread_total: i64,
}

/// A shop's or buyer's display name and picture.
type NameAndPicture = (String, Option<String>);

/// Where a page of conversations ends: (last activity, id) of its last conversation.
pub type ConversationKey = (NaiveDateTime, ConversationId);

/// The conversation and the caller's side in it. Anyone else gets "not found": conversations are
/// private, including whether they exist.
pub(crate) fn access(
    conn: &mut DbConn,
    conversation_id: ConversationId,
    caller: &Principal,
) -> Result<(ConversationRow, Side), ChatError> {
    let row = find(conn, conversation_id)?;
    if row.buyer_id == caller.user_id {
        return Ok((row, Side::Buyer));
    }
    if caller.role_in(conn, row.shop_id)?.is_some() {
        return Ok((row, Side::Shop));
    }
    Err(ChatError::not_found("conversation"))
}

pub(crate) fn find(conn: &mut DbConn, conversation_id: ConversationId) -> Result<ConversationRow, ChatError> {
    conv::table
        .find(conversation_id)
        .select(ConversationRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(ChatError::not_found("conversation"))
}

/// The (buyer, shop) conversation, created if missing. Returns it and whether it was created.
pub(crate) fn get_or_create(
    conn: &mut DbConn,
    buyer_id: UserId,
    shop_id: ShopId,
    now: NaiveDateTime,
) -> Result<(ConversationRow, bool), ChatError> {
    let existing = conv::table
        .filter(conv::buyer_id.eq(buyer_id).and(conv::shop_id.eq(shop_id)))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = existing {
        return Ok((row, false));
    }
    diesel::insert_into(conv::table)
        .values((
            conv::buyer_id.eq(buyer_id),
            conv::shop_id.eq(shop_id),
            conv::created_at.eq(now),
            conv::updated_at.eq(now),
        ))
        .execute(conn)?;
    let row = conv::table
        .filter(conv::buyer_id.eq(buyer_id).and(conv::shop_id.eq(shop_id)))
        .select(ConversationRow::as_select())
        .first(conn)?;
    Ok((row, true))
}

/// Everyone who receives a conversation's events: its buyer and every member of its shop.
pub(crate) fn participants(conn: &mut DbConn, row: &ConversationRow) -> Result<Vec<UserId>, ChatError> {
    let mut members = bazaar_identity::shop_members(conn, row.shop_id)?;
    members.push(row.buyer_id);
    Ok(members)
}

pub(crate) fn view(conn: &mut DbConn, row: ConversationRow, side: Side) -> Result<ConversationView, ChatError> {
    let faces = Faces::of(conn, std::slice::from_ref(&row))?;
    Ok(faces.present(row, side))
}

/// The names and pictures of a page of conversations' shops (from catalog) and buyers (from
/// identity), each asked once for the whole page.
struct Faces {
    shops: HashMap<ShopId, NameAndPicture>,
    buyers: HashMap<UserId, NameAndPicture>,
}

impl Faces {
    fn of(conn: &mut DbConn, rows: &[ConversationRow]) -> Result<Faces, ChatError> {
        let shops: Vec<ShopId> = rows.iter().map(|row| row.shop_id).collect();
        let buyers: Vec<UserId> = rows.iter().map(|row| row.buyer_id).collect();
        Ok(Faces {
            shops: bazaar_catalog::shop_faces(conn, &shops)?,
            buyers: bazaar_identity::public_profiles(conn, &buyers)?,
        })
    }

    fn present(&self, row: ConversationRow, side: Side) -> ConversationView {
        let shop = self.shops.get(&row.shop_id).cloned().unwrap_or_default();
        let buyer = self.buyers.get(&row.buyer_id).cloned().unwrap_or_default();
        present(row, side, shop, buyer)
    }
}

fn present(row: ConversationRow, side: Side, shop: NameAndPicture, buyer: NameAndPicture) -> ConversationView {
    let (unread, read_seq, other_read_seq, other_delivered_seq) = match side {
        Side::Buyer => (row.buyer_unread, row.buyer_read_seq, row.shop_read_seq, row.shop_delivered_seq),
        _ => (row.shop_unread, row.shop_read_seq, row.buyer_read_seq, row.buyer_delivered_seq),
    };
    ConversationView {
        id: row.id,
        side,
        shop: Party { id: row.shop_id.get(), name: shop.0, avatar_url: shop.1 },
        buyer: Party { id: row.buyer_id.get(), name: buyer.0, avatar_url: buyer.1 },
        last_seq: row.last_seq,
        last_message_at: row.last_message_at,
        last_preview: row.last_preview,
        unread,
        read_seq,
        other_read_seq,
        other_delivered_seq,
        blocked: row.blocked_at.is_some(),
        created_at: row.created_at,
    }
}

fn member_shops(conn: &mut DbConn, user_id: UserId) -> Result<Vec<ShopId>, ChatError> {
    Ok(bazaar_identity::shops_of_member(conn, user_id)?)
}

/// The caller's conversations (as a buyer and as a member of any shop), most recently active first.
pub(crate) fn list(
    conn: &mut DbConn,
    user_id: UserId,
    after: Option<ConversationKey>,
    limit: PageLimit,
) -> Result<ConversationPage, ChatError> {
    let my_shops = member_shops(conn, user_id)?;
    let mut query =
        conv::table.filter(conv::buyer_id.eq(user_id).or(conv::shop_id.eq_any(my_shops.clone()))).into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(conv::updated_at.lt(at).or(conv::updated_at.eq(at).and(conv::id.lt(id))));
    }
    let mut rows: Vec<ConversationRow> = query
        .order((conv::updated_at.desc(), conv::id.desc()))
        .limit(limit.probe())
        .select(ConversationRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > i64::from(limit.get());
    rows.truncate(limit.get() as usize);
    let faces = Faces::of(conn, &rows)?;
    let mut conversations = Vec::with_capacity(rows.len());
    let mut last_key = None;
    for row in rows {
        last_key = Some((row.updated_at, row.id));
        let side = if row.buyer_id == user_id { Side::Buyer } else { Side::Shop };
        conversations.push(faces.present(row, side));
    }
    let next_cursor = last_key.filter(|_| more).map(|key| Cursor::encode(&key).as_str().to_string());
    Ok(ConversationPage {
        items: conversations,
        next_cursor,
        unread_total: unread_total_with(conn, user_id, &my_shops)?,
    })
}

/// The badge: unread messages across all the caller's conversations, on both sides.
pub(crate) fn unread_total(conn: &mut DbConn, user_id: UserId) -> Result<i64, ChatError> {
    let my_shops = member_shops(conn, user_id)?;
    unread_total_with(conn, user_id, &my_shops)
}

fn unread_total_with(conn: &mut DbConn, user_id: UserId, my_shops: &[ShopId]) -> Result<i64, ChatError> {
    // Loading the non-zero counters and adding them here avoids SUM, whose type differs by backend.
    let as_buyer: Vec<i64> = conv::table
        .filter(conv::buyer_id.eq(user_id).and(conv::buyer_unread.gt(0)))
        .select(conv::buyer_unread)
        .load(conn)?;
    let as_shop: Vec<i64> = conv::table
        .filter(conv::shop_id.eq_any(my_shops.to_vec()).and(conv::shop_unread.gt(0)))
        .select(conv::shop_unread)
        .load(conn)?;
    Ok(as_buyer.iter().chain(as_shop.iter()).sum())
}

/// Blocks (or unblocks) the buyer of a conversation; only the shop side may.
pub(crate) fn set_blocked(
    conn: &mut DbConn,
    caller: &Principal,
    conversation_id: ConversationId,
    blocked: bool,
    now: NaiveDateTime,
) -> Result<(ConversationRow, Side), ChatError> {
    let (_, side) = access(conn, conversation_id, caller)?;
    let user_id = caller.user_id;
    if side != Side::Shop {
        return Err(ChatError::forbidden("only the shop's owner and staff can block a buyer"));
    }
    let (at, by) = if blocked { (Some(now), Some(user_id)) } else { (None, None) };
    diesel::update(conv::table.find(conversation_id))
        .set((conv::blocked_at.eq(at), conv::blocked_by.eq(by)))
        .execute(conn)?;
    Ok((find(conn, conversation_id)?, side))
}
