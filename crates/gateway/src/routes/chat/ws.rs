//! `/api/v1/chat/ws`: the chat WebSocket. One task per connection reads the client's JSON frames
//! (send, read, ack, typing, sync, ping), writes the events the hub delivers for the user, pings
//! on a heartbeat and closes with a clear code:
//!
//! | code | when |
//! |---|---|
//! | 4401 | no valid access token (at connect, or the session was signed out since) |
//! | 4503 | the server could not check the token just now (its database or kv is down); reconnect in a moment with the same token |
//! | 4408 | nothing heard from the client within the idle timeout |
//! | 4429 | the client kept sending faster than its rate limit |
//! | 4000 | the client stopped reading its events; reconnect and sync |
//! | 1009 | a frame over the size limit |
//! | 1001 | the server is shutting down |

use crate::error::ApiError;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError, Session};
use bazaar_chat::{HistoryQuery, NewContent, SendMessage};
use bazaar_core::PageLimit;
use bazaar_core::ids::ConversationId;
use bazaar_identity::Principal;
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// The subprotocol a client names (with its token) in `Sec-WebSocket-Protocol`.
pub const PROTOCOL: &str = "bazaar.chat.v1";

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; connect);
}

/// Open the chat WebSocket. Authenticate with `?access_token=<token>` or with the header
/// `Sec-WebSocket-Protocol: bazaar.chat.v1, <token>` (the server answers `bazaar.chat.v1`); a
/// page of the H5 storefront on this same origin is authenticated by its session cookie.
#[utoipa::path(get, path = "/api/v1/chat/ws", tag = "chat",
    params(("access_token" = Option<String>, Query, description = "the access token, unless sent as a subprotocol")),
    responses((status = 101, description = "switching to WebSocket; see docs/api.md for the frames"),
    (status = 400, description = "not a WebSocket handshake")))]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (token, named_protocol) = credentials(&req, &state);
    let (mut response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|err| ApiError::bad_request("websocket_handshake_required", err.to_string()))?;
    if named_protocol {
        response.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(PROTOCOL));
    }
    let limits = Limits::from(&state);
    let stream =
        stream.max_frame_size(limits.max_frame).aggregate_continuations().max_continuation_size(limits.max_frame);
    actix_web::rt::spawn(run(state, token, session, stream, limits));
    Ok(response)
}

/// The token from the query, the subprotocol header or the storefront's session cookie, and
/// whether the client named our protocol.
fn credentials(req: &HttpRequest, state: &AppState) -> (Option<String>, bool) {
    let offered: Vec<String> = req
        .headers()
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(',').map(|part| part.trim().to_string()))
        .filter(|part| !part.is_empty())
        .collect();
    let named_protocol = offered.iter().any(|p| p == PROTOCOL);
    let from_protocol = offered.into_iter().find(|p| p != PROTOCOL && named_protocol);
    let from_query =
        web::Query::<TokenQuery>::from_query(req.query_string()).ok().and_then(|q| q.into_inner().access_token);
    let token = from_query.or(from_protocol).or_else(|| crate::h5::session_of_same_origin(req, &state.config));
    (token, named_protocol)
}

#[derive(Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

#[derive(Clone, Copy)]
struct Limits {
    heartbeat: Duration,
    idle_timeout: Duration,
    max_frame: usize,
    frames_per_sec: f64,
    burst: f64,
}

impl Limits {
    fn from(state: &AppState) -> Limits {
        let config = &state.config;
        Limits {
            heartbeat: Duration::from_secs(config.crates.chat.chat_heartbeat_secs),
            idle_timeout: Duration::from_secs(config.crates.chat.chat_idle_timeout_secs),
            max_frame: config.crates.chat.chat_max_frame_bytes,
            frames_per_sec: f64::from(config.crates.chat.chat_frames_per_sec),
            burst: f64::from(config.crates.chat.chat_frame_burst),
        }
    }
}

/// A token bucket: `burst` frames at once, refilled at `frames_per_sec`.
struct RateLimit {
    tokens: f64,
    refilled: Instant,
    limits: Limits,
}

impl RateLimit {
    fn new(limits: Limits) -> RateLimit {
        RateLimit { tokens: limits.burst, refilled: Instant::now(), limits }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * self.limits.frames_per_sec;
        self.tokens = (self.tokens + earned).min(self.limits.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn reason(code: u16, description: &str) -> Option<CloseReason> {
    let code = match code {
        1001 => CloseCode::Away,
        1009 => CloseCode::Size,
        other => CloseCode::Other(other),
    };
    Some(CloseReason { code, description: Some(description.to_string()) })
}

/// A live connection's state. Its handlers are awaited boxed, so the task every idle connection
/// keeps holds pointers rather than the largest future any frame might need (memory per idle
/// connection is a benchmarked target).
struct Live {
    state: web::Data<AppState>,
    principal: Principal,
    token: String,
    session: Session,
    limits: Limits,
    rate: RateLimit,
    refused_in_a_row: f64,
    last_heard: Instant,
}

/// What a handler decided: carry on, or close (with a reason, or none when the peer is gone).
enum Flow {
    Continue,
    Close(Option<CloseReason>),
}

async fn run(
    state: web::Data<AppState>,
    token: Option<String>,
    session: Session,
    mut stream: AggregatedMessageStream,
    limits: Limits,
) {
    let Some((mut live, hello)) = Box::pin(greet(state, token.unwrap_or_default(), session, limits)).await else {
        return;
    };
    // On the hub before the greeting goes out: an event (or a resync) from the moment the client
    // hears hello on is queued for it, never published to a connection not yet listening.
    let mut connection = live.state.chat.hub().connect(live.principal.user_id);
    if live.session.text(hello).await.is_err() {
        return;
    }
    let mut shutdown = connection.shutdown_signal();
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + limits.heartbeat, limits.heartbeat);
    let close = loop {
        let flow = tokio::select! {
            frame = stream.recv() => Box::pin(live.on_frame(frame, connection.origin())).await,
            event = connection.next_event() => match event {
                Some(event) => Box::pin(live.send(event.to_string())).await,
                None => Flow::Close(reason(4000, "too slow: reconnect and sync")),
            },
            _ = heartbeat.tick() => Box::pin(live.on_heartbeat()).await,
            () = shutdown.stopping() => Flow::Close(reason(1001, "the server is shutting down")),
        };
        if let Flow::Close(reason) = flow {
            break reason;
        }
    };
    drop(connection);
    let _ = Box::pin(live.session.close(close)).await;
}

/// Authenticates and prepares the hello frame; `None` when the connection was refused (closed
/// with 4401 or 4503).
async fn greet(state: web::Data<AppState>, token: String, session: Session, limits: Limits) -> Option<(Live, String)> {
    let principal = match state.identity.authenticate(&token).await {
        Ok(principal) => principal,
        Err(err) => {
            let _ = session.close(refused_token(err)).await;
            return None;
        }
    };
    // The hello carries the unread count the phone shows as its badge: a database that cannot
    // tell it is an outage to come back from (4503), not a count of zero.
    let unread_total = match state.chat.unread_total(&principal).await {
        Ok(total) => total,
        Err(_) => {
            let _ = session.close(reason(4503, UNAVAILABLE)).await;
            return None;
        }
    };
    let hello = json!({ "type": "hello", "user_id": principal.user_id, "unread_total": unread_total,
        "heartbeat_secs": limits.heartbeat.as_secs() });
    let live = Live {
        state,
        principal,
        token,
        session,
        limits,
        rate: RateLimit::new(limits),
        refused_in_a_row: 0.0,
        last_heard: Instant::now(),
    };
    Some((live, hello.to_string()))
}

impl Live {
    async fn send(&mut self, text: String) -> Flow {
        match self.session.text(text).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close(None),
        }
    }

    async fn on_frame(&mut self, frame: Option<Result<AggregatedMessage, ProtocolError>>, origin: &str) -> Flow {
        let message = match frame {
            None => return Flow::Close(None),
            Some(Err(ProtocolError::Overflow)) => return Flow::Close(reason(1009, "frame too large")),
            Some(Err(err)) => return Flow::Close(reason(1002, &err.to_string())),
            Some(Ok(message)) => message,
        };
        self.last_heard = Instant::now();
        let reply = match message {
            AggregatedMessage::Text(text) => {
                if !self.rate.allow() {
                    self.refused_in_a_row += 1.0;
                    if self.refused_in_a_row > self.limits.burst {
                        return Flow::Close(reason(4429, "rate limit exceeded"));
                    }
                    Some(error_frame("rate_limited", "too many frames; slow down", None).to_string())
                } else {
                    self.refused_in_a_row = 0.0;
                    match serde_json::from_str::<Frame>(&text) {
                        Ok(Frame::Auth { access_token }) => Some(self.renew(access_token).await.to_string()),
                        Ok(frame) => answer(&self.state, &self.principal, origin, frame).await,
                        Err(err) => Some(error_frame("bad_frame", &err.to_string(), None).to_string()),
                    }
                }
            }
            AggregatedMessage::Binary(_) => Some(error_frame("bad_frame", "send JSON text frames", None).to_string()),
            AggregatedMessage::Ping(bytes) => {
                if self.session.pong(&bytes).await.is_err() {
                    return Flow::Close(None);
                }
                None
            }
            AggregatedMessage::Pong(_) => None,
            AggregatedMessage::Close(client_reason) => return Flow::Close(client_reason),
        };
        match reply {
            Some(reply) => self.send(reply).await,
            None => Flow::Continue,
        }
    }

    /// Takes a fresh access token of the same user for the rest of the connection.
    async fn renew(&mut self, access_token: String) -> serde_json::Value {
        match self.state.identity.authenticate(&access_token).await {
            Ok(principal) if principal.user_id == self.principal.user_id => {
                self.principal = principal;
                self.token = access_token;
                json!({ "type": "authenticated", "user_id": self.principal.user_id })
            }
            Ok(_) => error_frame("token_user_mismatch", "the token is another user's; reconnect to switch users", None),
            Err(err) => {
                let err = ApiError::from(err);
                error_frame(err.code(), &err.problem().detail, None)
            }
        }
    }

    async fn on_heartbeat(&mut self) -> Flow {
        if self.last_heard.elapsed() > self.limits.idle_timeout {
            return Flow::Close(reason(4408, "no heartbeat from the client"));
        }
        if let Err(err) = self.state.identity.authenticate(&self.token).await {
            return Flow::Close(refused_token(err));
        }
        match self.session.ping(b"").await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close(None),
        }
    }
}

/// Why a token was not accepted, as a close frame: 4401 when the token itself is refused (the app
/// should sign in again), 4503 when the server could not check it (the app keeps its token and
/// reconnects). The text is the problem's public detail, never an internal error.
const UNAVAILABLE: &str = "temporarily unavailable; reconnect in a moment with the same token";

fn refused_token(err: bazaar_identity::IdentityError) -> Option<CloseReason> {
    let problem = ApiError::from(err);
    if problem.status().is_server_error() {
        return reason(4503, UNAVAILABLE);
    }
    reason(4401, &problem.problem().detail)
}

/// What a client may send.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Frame {
    Send {
        conversation_id: ConversationId,
        client_msg_id: String,
        content: NewContent,
    },
    Read {
        conversation_id: ConversationId,
        seq: i64,
    },
    Ack {
        conversation_id: ConversationId,
        seq: i64,
    },
    Typing {
        conversation_id: ConversationId,
    },
    /// With a conversation: its messages after `since_seq`. Without: the conversation list, to
    /// learn which conversations moved while offline.
    Sync {
        conversation_id: Option<ConversationId>,
        since_seq: Option<i64>,
        limit: Option<u32>,
    },
    Ping,
    /// A fresh access token for this connection (the app refreshed its tokens): the socket stays
    /// open past the old token's expiry. It must be the same user's.
    Auth {
        access_token: String,
    },
}

fn error_frame(code: &str, message: &str, field: Option<&str>) -> serde_json::Value {
    json!({ "type": "error", "code": code, "message": message, "field": field })
}

/// Carries out one frame (but `auth`, which the connection handles); the reply, if any.
async fn answer(state: &AppState, principal: &Principal, origin: &str, frame: Frame) -> Option<String> {
    let chat = &state.chat;
    let outcome: Result<Option<serde_json::Value>, ApiError> = async {
        Ok(match frame {
            Frame::Send { conversation_id, client_msg_id, content } => {
                let reference = client_msg_id.clone();
                let sent = chat
                    .send(principal, conversation_id, SendMessage { client_msg_id, content }, Some(origin))
                    .await
                    .map_err(|err| with_reference(ApiError::from(err), conversation_id, &reference))?;
                Some(json!({ "type": "sent", "duplicate": sent.duplicate, "message": sent.message }))
            }
            Frame::Read { conversation_id, seq } => {
                let position = chat.read(principal, conversation_id, seq, Some(origin)).await?;
                Some(json!({ "type": "read_position", "position": position }))
            }
            Frame::Ack { conversation_id, seq } => {
                chat.delivered(principal, conversation_id, seq, Some(origin)).await?;
                None
            }
            Frame::Typing { conversation_id } => {
                chat.typing(principal, conversation_id, Some(origin)).await?;
                None
            }
            Frame::Sync { conversation_id: Some(id), since_seq, limit } => {
                let page = chat
                    .history(
                        principal,
                        id,
                        HistoryQuery { before_seq: None, since_seq: Some(since_seq.unwrap_or(0)), limit },
                    )
                    .await?;
                Some(json!({ "type": "history", "page": page }))
            }
            Frame::Sync { conversation_id: None, limit, .. } => {
                let limit = PageLimit::new(limit.or(Some(PageLimit::MAX)))
                    .map_err(|err| ApiError::bad_request("invalid_frame", err.to_string()).with_field("limit"))?;
                let page = chat.conversations(principal, None, limit).await?;
                Some(json!({ "type": "conversations", "page": page }))
            }
            Frame::Ping => Some(json!({ "type": "pong" })),
            Frame::Auth { .. } => None,
        })
    }
    .await;
    match outcome {
        Ok(reply) => reply.map(|reply| reply.to_string()),
        Err(err) => {
            let mut frame = error_frame(err.code(), &err.problem().detail, err.problem().field.as_deref());
            if let Some(fields) = frame.as_object_mut() {
                fields.extend(err.problem().extensions.clone());
            }
            Some(frame.to_string())
        }
    }
}

/// Errors about a send name the message they refuse, so the client can mark it failed.
fn with_reference(err: ApiError, conversation_id: ConversationId, client_msg_id: &str) -> ApiError {
    err.with_extension("conversation_id", conversation_id).with_extension("client_msg_id", client_msg_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_identity::IdentityError;

    fn code_of(close: Option<CloseReason>) -> (u16, String) {
        let close = close.expect("a close frame");
        (u16::from(close.code), close.description.unwrap_or_default())
    }

    /// A phone throws its token away on 4401 only: an outage must not look like a bad token, and
    /// the frame never carries internal error text.
    #[test]
    fn an_outage_is_not_a_bad_token() {
        let (code, text) =
            code_of(refused_token(IdentityError::Db(bazaar_db::DbError::Busy(std::time::Duration::from_secs(5)))));
        assert_eq!(code, 4503);
        assert!(!text.contains("connection"), "{text}");
        let (code, _) = code_of(refused_token(IdentityError::Kv(bazaar_kv::KvError::Connect("refused".into()))));
        assert_eq!(code, 4503);
        let (code, text) = code_of(refused_token(IdentityError::TokenExpired));
        assert_eq!((code, text.as_str()), (4401, "the access token has expired"));
        let (code, _) = code_of(refused_token(IdentityError::SessionRevoked));
        assert_eq!(code, 4401);
    }
}
