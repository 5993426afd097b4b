//! A real WebSocket client for the chat endpoint, as a phone app would use it.

use crate::{TestApp, User};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame that should come.
pub const FRAME_WAIT: Duration = Duration::from_secs(10);

pub struct ChatClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `hello` frame the server greeted this connection with.
    pub hello: Value,
}

impl TestApp {
    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://{}/api/v1/chat/ws{query}", self.addr)
    }

    /// Connects `user` with the token in the query string and reads the greeting.
    pub async fn chat(&self, user: &User) -> ChatClient {
        ChatClient::open(&self.ws_url(&format!("?access_token={}", user.access_token))).await
    }

    /// Opens `shop`'s conversation for `buyer` over REST; returns its id.
    pub async fn open_conversation(&self, buyer: &User, shop: i64) -> i64 {
        let response = self.post_as(buyer, "/api/v1/chat/conversations", &json!({ "shop_id": shop })).await;
        assert!(response.status() == 201 || response.status() == 200, "open conversation: {}", response.status());
        response.json::<Value>().await.expect("conversation")["id"].as_i64().expect("id")
    }
}

/// A connection the server refused or closed: the close code and reason.
pub async fn connect_raw(url: &str) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let request = url.into_client_request().expect("a WebSocket request");
    tokio_tungstenite::connect_async(request).await.expect("the WebSocket handshake succeeds").0
}

/// A handshake carrying `headers` (a browser's `Cookie` and `Origin`).
pub async fn connect_with_headers(url: &str, headers: &[(&str, &str)]) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let mut request = url.into_client_request().expect("a WebSocket request");
    for (name, value) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).expect("header name");
        request.headers_mut().insert(name, value.parse().expect("header value"));
    }
    tokio_tungstenite::connect_async(request).await.expect("the WebSocket handshake succeeds").0
}

impl ChatClient {
    pub async fn open(url: &str) -> ChatClient {
        let mut client = ChatClient { ws: connect_raw(url).await, hello: Value::Null };
        client.hello = client.next_of("hello").await;
        client
    }

    pub fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> ChatClient {
        ChatClient { ws, hello: Value::Null }
    }

    pub async fn send(&mut self, frame: Value) {
        self.ws.send(Message::text(frame.to_string())).await.expect("frame sent");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("frame sent");
    }

    /// Sends a text message and waits for the server's `sent` acknowledgement.
    pub async fn say(&mut self, conversation: i64, client_msg_id: &str, text: &str) -> Value {
        self.send(json!({ "type": "send", "conversation_id": conversation, "client_msg_id": client_msg_id,
            "content": { "kind": "text", "text": text } }))
            .await;
        self.next_of_any(&["sent", "error"]).await
    }

    /// The next JSON frame (control frames skipped); panics after [`FRAME_WAIT`] or on close.
    pub async fn next(&mut self) -> Value {
        match tokio::time::timeout(FRAME_WAIT, self.next_frame()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => panic!("the server closed the connection"),
            Err(_) => panic!("no frame within {FRAME_WAIT:?}"),
        }
    }

    async fn next_frame(&mut self) -> Option<Value> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).expect("JSON frame")),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// The next frame of type `kind`, skipping others (typing, receipts, …).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        self.next_of_any(&[kind]).await
    }

    pub async fn next_of_any(&mut self, kinds: &[&str]) -> Value {
        loop {
            let frame = self.next().await;
            if kinds.contains(&frame["type"].as_str().unwrap_or_default()) {
                return frame;
            }
        }
    }

    /// Every frame of type `kind` arriving within `wait` (to prove something did not arrive).
    pub async fn collect(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let mut found = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, self.next_frame()).await {
            if frame["type"] == kind {
                found.push(frame);
            }
        }
        found
    }

    /// Waits for the server to close; its close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        let wait = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(frame))) => return close_of(frame),
                    Some(Ok(_)) => continue,
                    Some(Err(err)) => panic!("connection failed before a close frame: {err}"),
                    None => panic!("connection ended without a close frame"),
                }
            }
        };
        tokio::time::timeout(FRAME_WAIT, wait).await.expect("the server closes the connection")
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

fn close_of(frame: Option<CloseFrame>) -> (u16, String) {
    frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()))
}
