//! The outbox: changes appended in the writer's own transaction, read by followers in id order.

use crate::schema::{outbox_events, outbox_positions};
use crate::{DbConn, DbError};
use bazaar_core::ids::EventId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxEvent {
    pub id: i64,
    pub topic: String,
    pub entity_id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct NewOutboxEvent<'a> {
    pub topic: &'a str,
    pub entity_id: i64,
    pub kind: &'a str,
    pub payload: &'a str,
    pub created_at: NaiveDateTime,
}

/// Appends an event; call it inside the transaction that makes the change it describes.
pub fn append(conn: &mut DbConn, event: &NewOutboxEvent<'_>) -> Result<EventId, DbError> {
    let id: i64 =
        diesel::insert_into(outbox_events::table).values(event).returning(outbox_events::id).get_result(conn)?;
    Ok(EventId(id))
}

/// Up to `limit` events after `after`, oldest first.
pub fn read_after(conn: &mut DbConn, after: EventId, limit: i64) -> Result<Vec<OutboxEvent>, DbError> {
    Ok(outbox_events::table
        .filter(outbox_events::id.gt(after.get()))
        .order(outbox_events::id.asc())
        .limit(limit)
        .select(OutboxEvent::as_select())
        .load(conn)?)
}

/// Where `follower` got to; `EventId(0)` for a follower that never ran.
/// The newest event's id (0 when there is none): where a follower that just rebuilt from the
/// tables themselves starts following.
pub fn latest(conn: &mut DbConn) -> Result<EventId, DbError> {
    let newest: Option<i64> = outbox_events::table.select(diesel::dsl::max(outbox_events::id)).first(conn)?;
    Ok(EventId(newest.unwrap_or(0)))
}

pub fn position(conn: &mut DbConn, follower: &str) -> Result<EventId, DbError> {
    let stored: Option<i64> = outbox_positions::table
        .filter(outbox_positions::follower.eq(follower))
        .select(outbox_positions::position)
        .first(conn)
        .optional()?;
    Ok(EventId(stored.unwrap_or(0)))
}

/// Records how far `follower` got. An update-then-insert rather than an upsert, because
/// `ON CONFLICT` does not compile on the two-backend connection (see STACK-NOTES).
pub fn save_position(conn: &mut DbConn, follower: &str, reached: EventId, now: NaiveDateTime) -> Result<(), DbError> {
    crate::write_transaction(conn, |conn| {
        let updated = diesel::update(outbox_positions::table.filter(outbox_positions::follower.eq(follower)))
            .set((outbox_positions::position.eq(reached.get()), outbox_positions::updated_at.eq(now)))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(outbox_positions::table)
                .values((
                    outbox_positions::follower.eq(follower),
                    outbox_positions::position.eq(reached.get()),
                    outbox_positions::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
