//! [`Chat`]: the conversation and message operations, run on the blocking pool, each publishing
//! what it changed to the participants' devices after it commits.

use crate::ChatError;
use crate::content::{self, NewContent, Stored};
use crate::conversations::{self, ConversationKey, ConversationPage, ConversationView, Side};
use crate::hub::{CHANNEL, Hub};
use crate::messages::{self, Author, HistoryQuery, MessagePage, MessageView};
use crate::moderation;
use bazaar_core::PageLimit;
use bazaar_core::ids::{ConversationId, OrderId, ProductId, ShopId, UserId};
use bazaar_db::schema::chat_conversations;
use bazaar_db::{Database, DbConn, write_transaction};
use bazaar_identity::Principal;
use bazaar_kv::{Kv, KvError, Limit};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// What the conversation's devices are told.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Event<'a> {
    Message { message: &'a MessageView },
    Read { conversation_id: ConversationId, side: Side, seq: i64 },
    Delivered { conversation_id: ConversationId, side: Side, seq: i64 },
    Typing { conversation_id: ConversationId, side: Side, user_id: UserId },
    Blocked { conversation_id: ConversationId, blocked: bool },
}

/// Opening a conversation with a shop, optionally from a product page or an order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartConversation {
    pub shop_id: ShopId,
    /// Posts a card of this product (of the shop) into the conversation.
    pub product_id: Option<ProductId>,
    /// Posts a card of this order (between the caller and the shop).
    pub order_id: Option<OrderId>,
    /// Makes the card post safe to repeat.
    pub client_msg_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessage {
    /// Chosen by the client, unique per message it sends: a resend with the same id is not stored twice.
    pub client_msg_id: String,
    pub content: NewContent,
}

/// The stored message and whether it was already stored by an earlier send with the same `client_msg_id`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sent {
    pub message: MessageView,
    pub duplicate: bool,
}

/// The caller's position after marking read.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadPosition {
    pub conversation_id: ConversationId,
    pub read_seq: i64,
    pub unread: i64,
    pub unread_total: i64,
}

#[derive(Clone)]
pub struct Chat {
    pub(crate) db: Database,
    kv: Kv,
    hub: Hub,
    words: Arc<Mutex<Option<Arc<Vec<String>>>>>,
    send_limit: Limit,
}

/// Messages one user may send per minute, over REST and all their sockets together: quick typing
/// and a burst of photos fit; a flood does not.
pub const DEFAULT_SEND_LIMIT: Limit = Limit::new(60, std::time::Duration::from_secs(60));

/// What a write produced for publishing: messages posted and who receives them.
pub(crate) struct Posted {
    pub messages: Vec<MessageView>,
    pub participants: Vec<UserId>,
}

impl Chat {
    pub fn new(db: Database, kv: Kv) -> Chat {
        Chat { db, kv, hub: Hub::new(), words: Arc::default(), send_limit: DEFAULT_SEND_LIMIT }
    }

    /// With this many messages per window per sender instead of the default.
    pub fn with_send_limit(mut self, limit: Limit) -> Chat {
        self.send_limit = limit;
        self
    }

    /// This gateway's open connections.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Subscribes to the chat channel; the returned future hands every gateway's events to this
    /// gateway's connections until the kv store goes away. Subscribe before serving.
    pub async fn follow(&self) -> Result<impl std::future::Future<Output = ()> + use<>, KvError> {
        let mut subscription = self.kv.subscribe(CHANNEL).await?;
        let chat = self.clone();
        Ok(async move {
            loop {
                match subscription.recv().await {
                    Ok(payload) => {
                        if chat.hub.dispatch(&payload) {
                            chat.forget_words();
                        }
                    }
                    Err(KvError::Lagged(missed)) => {
                        tracing::warn!(missed, "chat events were dropped on this gateway; telling clients to resync");
                        chat.hub.resync_all();
                        chat.forget_words();
                    }
                    Err(_) => break,
                }
            }
        })
    }

    /// Sends `event` to the devices of `to`, except the connection `skip` it came from. The change
    /// is already committed, so a failed publish only delays delivery until the clients sync.
    pub(crate) async fn publish(&self, to: &[UserId], skip: Option<&str>, event: &Event<'_>) {
        let envelope = serde_json::json!({ "to": to, "skip": skip, "event": event });
        if let Err(err) = self.kv.publish(CHANNEL, &envelope.to_string()).await {
            tracing::warn!(error = %err, "could not publish a chat event; clients will catch up when they sync");
        }
    }

    async fn publish_posted(&self, posted: &Posted, sender_origin: Option<&str>) {
        for (index, message) in posted.messages.iter().enumerate() {
            // Only the first message is the sender's own; automatic replies go to every device.
            let skip = if index == 0 { sender_origin } else { None };
            self.publish(&posted.participants, skip, &Event::Message { message }).await;
        }
    }

    pub(crate) async fn sensitive_words(&self) -> Result<Arc<Vec<String>>, ChatError> {
        if let Some(words) = lock(&self.words).clone() {
            return Ok(words);
        }
        let words = Arc::new(self.db.run(moderation::load_words).await?);
        *lock(&self.words) = Some(words.clone());
        Ok(words)
    }

    pub(crate) fn forget_words(&self) {
        *lock(&self.words) = None;
    }

    pub(crate) async fn announce_words_changed(&self) {
        self.forget_words();
        let envelope = serde_json::json!({ "reload_words": true });
        if let Err(err) = self.kv.publish(CHANNEL, &envelope.to_string()).await {
            tracing::warn!(error = %err, "could not tell other gateways the sensitive words changed");
        }
    }

    /// Runs `work` on the blocking pool, again if it lost a race to create a unique row (on
    /// PostgreSQL the loser learns at commit; running again finds the winner's row).
    pub(crate) async fn run_retrying<T, F>(&self, work: F) -> Result<T, ChatError>
    where
        F: Fn(&mut DbConn) -> Result<T, ChatError> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.db.run(work.clone()).await {
                Err(err) if err.is_unique_violation() && attempts < 3 => continue,
                other => return other,
            }
        }
    }

    /// Opens (or reopens) the caller's conversation with a shop. Returns it and whether it is new.
    pub async fn start(
        &self,
        principal: &Principal,
        request: StartConversation,
    ) -> Result<(ConversationView, bool), ChatError> {
        let caller = principal.clone();
        if let Some(id) = &request.client_msg_id {
            content::check_client_msg_id(id)?;
        }
        let card = match (request.product_id, request.order_id) {
            (Some(_), Some(_)) => return Err(ChatError::invalid("order_id", "give product_id or order_id, not both")),
            (Some(product_id), None) => Some(NewContent::Product { product_id }),
            (None, Some(order_id)) => Some(NewContent::Order { order_id }),
            (None, None) => None,
        };
        let (shop_id, client_msg_id) = (request.shop_id, request.client_msg_id);
        let (view, created, posted) = self
            .run_retrying(move |conn| {
                write_transaction(conn, |conn| {
                    start(conn, &caller, shop_id, card.clone(), client_msg_id.as_deref(), now())
                })
            })
            .await?;
        self.publish_posted(&posted, None).await;
        Ok((view, created))
    }

    pub async fn conversations(
        &self,
        principal: &Principal,
        after: Option<ConversationKey>,
        limit: PageLimit,
    ) -> Result<ConversationPage, ChatError> {
        let user = principal.user_id;
        self.db.run(move |conn| conversations::list(conn, user, after, limit)).await
    }

    pub async fn conversation(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
    ) -> Result<ConversationView, ChatError> {
        let caller = principal.clone();
        self.db
            .run(move |conn| {
                let (row, side) = conversations::access(conn, conversation_id, &caller)?;
                conversations::view(conn, row, side)
            })
            .await
    }

    pub async fn history(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        query: HistoryQuery,
    ) -> Result<MessagePage, ChatError> {
        let caller = principal.clone();
        self.db
            .run(move |conn| {
                conversations::access(conn, conversation_id, &caller)?;
                messages::history(conn, conversation_id, query)
            })
            .await
    }

    /// Stores a message and delivers it. `origin` is the sending connection (WebSocket), which
    /// gets an acknowledgement instead of an echo.
    pub async fn send(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        request: SendMessage,
        origin: Option<&str>,
    ) -> Result<Sent, ChatError> {
        content::check_client_msg_id(&request.client_msg_id)?;
        let user = principal.user_id;
        let caller = principal.clone();
        // One count per sender in kv, shared by REST and every socket on every gateway: opening
        // more connections buys no more messages.
        if let Some(retry_after) = self.kv.hit(&format!("rl:chat:send:{user}"), self.send_limit).await? {
            return Err(ChatError::RateLimited { retry_after });
        }
        let words = self.sensitive_words().await?;
        let (sent, posted) = self
            .run_retrying(move |conn| {
                write_transaction(conn, |conn| send(conn, &caller, conversation_id, &request, &words, now()))
            })
            .await?;
        self.publish_posted(&posted, origin).await;
        Ok(sent)
    }

    /// Marks the caller's side read up to `seq`; the other side sees the receipt.
    pub async fn read(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        seq: i64,
        origin: Option<&str>,
    ) -> Result<ReadPosition, ChatError> {
        let user = principal.user_id;
        let caller = principal.clone();
        let (position, side, participants) = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let (row, side) = conversations::access(conn, conversation_id, &caller)?;
                    let (read_seq, unread) = messages::mark_read(conn, &row, side, seq)?;
                    let unread_total = conversations::unread_total(conn, user)?;
                    let participants = conversations::participants(conn, &row)?;
                    Ok::<_, ChatError>((
                        ReadPosition { conversation_id, read_seq, unread, unread_total },
                        side,
                        participants,
                    ))
                })
            })
            .await?;
        let event = Event::Read { conversation_id, side, seq: position.read_seq };
        self.publish(&participants, origin, &event).await;
        Ok(position)
    }

    /// Records that the caller's device received everything up to `seq`; the other side sees it.
    pub async fn delivered(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        seq: i64,
        origin: Option<&str>,
    ) -> Result<(), ChatError> {
        let caller = principal.clone();
        let moved = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let (row, side) = conversations::access(conn, conversation_id, &caller)?;
                    let moved = messages::mark_delivered(conn, &row, side, seq)?;
                    let participants = conversations::participants(conn, &row)?;
                    Ok::<_, ChatError>(moved.then_some((side, participants, seq.min(row.last_seq))))
                })
            })
            .await?;
        if let Some((side, participants, seq)) = moved {
            self.publish(&participants, origin, &Event::Delivered { conversation_id, side, seq }).await;
        }
        Ok(())
    }

    /// "Typing…": goes to the other devices now and is never stored.
    pub async fn typing(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        origin: Option<&str>,
    ) -> Result<(), ChatError> {
        let user = principal.user_id;
        let caller = principal.clone();
        let (side, participants) = self
            .db
            .run(move |conn| {
                let (row, side) = conversations::access(conn, conversation_id, &caller)?;
                Ok::<_, ChatError>((side, conversations::participants(conn, &row)?))
            })
            .await?;
        self.publish(&participants, origin, &Event::Typing { conversation_id, side, user_id: user }).await;
        Ok(())
    }

    /// The shop blocks (or unblocks) the conversation's buyer.
    pub async fn set_blocked(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        blocked: bool,
    ) -> Result<ConversationView, ChatError> {
        let caller = principal.clone();
        let (view, participants) = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let (row, side) = conversations::set_blocked(conn, &caller, conversation_id, blocked, now())?;
                    let participants = conversations::participants(conn, &row)?;
                    let view = conversations::view(conn, row, side)?;
                    Ok::<_, ChatError>((view, participants))
                })
            })
            .await?;
        self.publish(&participants, None, &Event::Blocked { conversation_id, blocked }).await;
        Ok(view)
    }

    /// Posts a system notice about an order (e.g. "order shipped") with its card into the
    /// conversation between the order's buyer and shop, opening it if needed.
    pub async fn order_notice(&self, order_id: OrderId, text: String) -> Result<MessageView, ChatError> {
        let (message, participants) = self
            .run_retrying(move |conn| write_transaction(conn, |conn| order_notice(conn, order_id, &text, now())))
            .await?;
        self.publish(&participants, None, &Event::Message { message: &message }).await;
        Ok(message)
    }

    pub async fn unread_total(&self, principal: &Principal) -> Result<i64, ChatError> {
        let user = principal.user_id;
        self.db.run(move |conn| conversations::unread_total(conn, user)).await
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn start(
    conn: &mut DbConn,
    caller: &Principal,
    shop_id: ShopId,
    card: Option<NewContent>,
    client_msg_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<(ConversationView, bool, Posted), ChatError> {
    match bazaar_identity::shop_status(conn, shop_id)? {
        None => return Err(ChatError::not_found("shop")),
        Some(bazaar_identity::ShopStatus::Active) => {}
        Some(bazaar_identity::ShopStatus::Suspended) => {
            return Err(ChatError::conflict("shop_unavailable", "this shop is suspended"));
        }
    }
    let buyer = caller.user_id;
    if caller.role_in(conn, shop_id)?.is_some() {
        return Err(ChatError::conflict("own_shop", "you cannot open a conversation with your own shop"));
    }
    let (row, created) = conversations::get_or_create(conn, buyer, shop_id, now)?;
    let mut posted = Vec::new();
    if let Some(card) = card {
        if row.blocked_at.is_some() {
            return Err(ChatError::Blocked);
        }
        let repeat = match client_msg_id {
            Some(id) => messages::already_sent(conn, row.id, buyer, id)?,
            None => None,
        };
        if repeat.is_none() {
            let stored = content::prepare(conn, card, buyer, shop_id, &[])?;
            let author = Author { side: Side::Buyer, sender_id: Some(buyer), client_msg_id };
            posted.push(messages::append(conn, row.id, &author, &stored, now)?);
        }
    }
    if created && let Some(greeting) = moderation::load_settings(conn, shop_id)?.greeting {
        posted.push(messages::append(conn, row.id, &automatic(Side::Shop), &Stored::text("text", greeting), now)?);
    }
    let participants = conversations::participants(conn, &row)?;
    let row = conversations::find(conn, row.id)?;
    let view = conversations::view(conn, row, Side::Buyer)?;
    Ok((view, created, Posted { messages: posted, participants }))
}

fn automatic(side: Side) -> Author<'static> {
    Author { side, sender_id: None, client_msg_id: None }
}

fn send(
    conn: &mut DbConn,
    caller: &Principal,
    conversation_id: ConversationId,
    request: &SendMessage,
    words: &[String],
    now: NaiveDateTime,
) -> Result<(Sent, Posted), ChatError> {
    let user = caller.user_id;
    let (row, side) = conversations::access(conn, conversation_id, caller)?;
    let nothing = || Posted { messages: Vec::new(), participants: Vec::new() };
    if let Some(message) = messages::already_sent(conn, conversation_id, user, &request.client_msg_id)? {
        return Ok((Sent { message, duplicate: true }, nothing()));
    }
    if side == Side::Buyer && row.blocked_at.is_some() {
        return Err(ChatError::Blocked);
    }
    let stored = content::prepare(conn, request.content.clone(), row.buyer_id, row.shop_id, words)?;
    let author = Author { side, sender_id: Some(user), client_msg_id: Some(&request.client_msg_id) };
    let message = messages::append(conn, conversation_id, &author, &stored, now)?;
    let mut posted = vec![message.clone()];
    if side == Side::Buyer
        && let Some(away) = moderation::away_message_due(conn, &row, now)?
    {
        posted.push(messages::append(conn, conversation_id, &automatic(Side::Shop), &Stored::text("text", away), now)?);
        diesel::update(chat_conversations::table.find(conversation_id))
            .set(chat_conversations::away_sent_at.eq(now))
            .execute(conn)?;
    }
    let participants = conversations::participants(conn, &row)?;
    Ok((Sent { message, duplicate: false }, Posted { messages: posted, participants }))
}

fn order_notice(
    conn: &mut DbConn,
    order_id: OrderId,
    text: &str,
    now: NaiveDateTime,
) -> Result<(MessageView, Vec<UserId>), ChatError> {
    let order = bazaar_checkout::order_summary(conn, order_id)?.ok_or(ChatError::not_found("order"))?;
    let (buyer, shop_id) = (order.buyer_id, order.shop_id);
    let (row, _) = conversations::get_or_create(conn, buyer, shop_id, now)?;
    let card = content::order_card(conn, order_id, buyer, shop_id)?;
    let notice = Stored { kind: "notice", body: content::checked_text("text", text, &[])?, card: Some(card) };
    let message = messages::append(conn, row.id, &automatic(Side::System), &notice, now)?;
    Ok((message, conversations::participants(conn, &row)?))
}
