//! Chat: the visitor's conversations with their unread badges (as a buyer, and as a shop's owner
//! or staff), and one conversation with its messages and product and order cards. The page works
//! without JavaScript (a form posts each message); with it, `app.js` keeps the page live over the
//! chat WebSocket, authenticated by the same session cookie.

use super::{Chrome, status_label};
use crate::Messages;
use askama::Template;
use bazaar_chat::{ConversationPage as ConversationList, ConversationView, MessageView, Side};

pub struct ConversationRow {
    pub id: i64,
    pub href: String,
    /// The other party's name: the shop for a buyer, the buyer for the shop's people.
    pub name: String,
    /// Set when the visitor answers as the shop: the shop's name.
    pub as_shop: Option<String>,
    pub preview: String,
    pub unread: i64,
}

#[derive(Template)]
#[template(path = "chat_list.html")]
pub struct ConversationsPage {
    pub chrome: Chrome,
    pub conversations: Vec<ConversationRow>,
    pub unread_total: i64,
    pub more_href: Option<String>,
}

impl ConversationsPage {
    pub fn new(chrome: Chrome, page: &ConversationList) -> ConversationsPage {
        let conversations = page
            .items
            .iter()
            .map(|conversation| ConversationRow {
                id: conversation.id.0,
                href: format!("/m/chat/{}", conversation.id.0),
                name: other_party(conversation).to_string(),
                as_shop: (conversation.side == Side::Shop).then(|| conversation.shop.name.clone()),
                preview: conversation.last_preview.clone().unwrap_or_default(),
                unread: conversation.unread,
            })
            .collect();
        let more_href = page.next_cursor.as_ref().map(|cursor| format!("/m/chat?cursor={}", super::encode(cursor)));
        ConversationsPage { chrome, conversations, unread_total: page.unread_total, more_href }
    }
}

fn other_party(conversation: &ConversationView) -> &str {
    match conversation.side {
        Side::Shop => &conversation.buyer.name,
        Side::Buyer | Side::System => &conversation.shop.name,
    }
}

/// What a message shows. Cards are recognised by the record they name, so the page never
/// depends on the stored kind's spelling.
pub enum Body {
    Text(String),
    Image(String),
    Product { href: String, title: String, price: String },
    Order { href: Option<String>, title: String, status: &'static str, total: String },
}

pub struct Line {
    pub seq: i64,
    /// `mine`, `theirs` or `system`: where the bubble sits.
    pub from: &'static str,
    pub body: Body,
    pub at: String,
}

impl Line {
    fn new(t: &'static Messages, message: &MessageView, my_side: Side) -> Line {
        let from = match message.side {
            Side::System => "system",
            side if side == my_side => "mine",
            _ => "theirs",
        };
        let card = message.card.as_ref();
        let field = |name: &str| card.and_then(|card| card.get(name));
        let text_of = |name: &str| match field(name) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let body = if let Some(product) = field("product_id").and_then(|id| id.as_i64()) {
            Body::Product {
                href: format!("/m/products/{product}"),
                title: text_of("title"),
                price: money(&text_of("price")),
            }
        } else if let Some(order) = field("order_id").and_then(|id| id.as_i64()) {
            Body::Order {
                // The shop's people see the order in their console, not on the buyer's page.
                href: (my_side == Side::Buyer).then(|| format!("/m/orders/{order}")),
                title: text_of("title"),
                status: status_label(t, &text_of("status")),
                total: money(&text_of("total")),
            }
        } else if let Some(url) = &message.image_url {
            Body::Image(url.clone())
        } else {
            Body::Text(message.text.clone().unwrap_or_default())
        };
        let at = super::china_time(chrono::DateTime::from_naive_utc_and_offset(message.created_at, chrono::Utc));
        Line { seq: message.seq, from, body, at }
    }
}

fn money(amount: &str) -> String {
    if amount.is_empty() { String::new() } else { format!("¥{amount}") }
}

#[derive(Template)]
#[template(path = "chat.html")]
pub struct ChatPage {
    pub chrome: Chrome,
    pub id: i64,
    pub title: String,
    /// `buyer` or `shop`: which bubbles are the visitor's when the script adds live ones.
    pub my_side: &'static str,
    pub lines: Vec<Line>,
    pub last_seq: i64,
    pub earlier_href: Option<String>,
    pub blocked: bool,
    /// A fresh id for the message form, so a resent form is stored once.
    pub client_msg_id: String,
    /// What was typed when sending was refused, and why.
    pub draft: String,
    pub error: Option<String>,
}

impl ChatPage {
    pub fn new(
        chrome: Chrome,
        conversation: &ConversationView,
        messages: &[MessageView],
        earlier_before: Option<i64>,
        client_msg_id: String,
    ) -> ChatPage {
        let lines = messages.iter().map(|message| Line::new(chrome.t, message, conversation.side)).collect();
        ChatPage {
            id: conversation.id.0,
            title: other_party(conversation).to_string(),
            my_side: conversation.side.as_str(),
            lines,
            last_seq: conversation.last_seq,
            earlier_href: earlier_before.map(|seq| format!("/m/chat/{}?before={seq}", conversation.id.0)),
            blocked: conversation.blocked,
            client_msg_id,
            draft: String::new(),
            error: None,
            chrome,
        }
    }
}
