//! Conversations over REST, the WebSocket, and the shops' chat tools.

pub mod conversations;
pub mod tools;
pub mod ws;
