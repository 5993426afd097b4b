//! Buyer–shop chat: one conversation per (buyer, shop), shared on the shop side by its owner and
//! staff; messages stored first with a per-conversation `seq` and deduplicated by the client's
//! `client_msg_id`; read and delivered receipts, unread counts, typing; the shop's greeting, away
//! message and block switch; sensitive-word masking and reports for admins; and delivery to every
//! connected device across gateways through kv pub/sub ([`Hub`]). Knows nothing of WebSocket: the
//! gateway turns frames into these calls.

mod admin;
mod config;
mod content;
mod conversations;
mod error;
mod hours;
mod hub;
mod messages;
mod moderation;
mod service;

pub use config::ChatConfig;
pub use content::NewContent;
pub use conversations::{ConversationKey, ConversationPage, ConversationView, Party, Side};
pub use error::ChatError;
pub use hub::{CHANNEL, Connection, Hub, Outbound, ShutdownSignal};
pub use messages::{HistoryQuery, MessagePage, MessageView};
pub use moderation::{ChatSettings, ReportStatus, ReportView};
pub use service::{Chat, ReadPosition, SendMessage, Sent, StartConversation};
