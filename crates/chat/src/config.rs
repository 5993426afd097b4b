//! The configuration keys chat reads: the WebSocket's heartbeat and limits, the send rate.

use bazaar_core::settings::{SettingsError, at_least_one};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatConfig {
    /// The server pings this often, and closes a connection silent for `chat_idle_timeout_secs`
    /// (a phone that lost its network without closing).
    pub chat_heartbeat_secs: u64,
    pub chat_idle_timeout_secs: u64,
    /// Largest WebSocket frame (or message assembled from continuations) a client may send.
    pub chat_max_frame_bytes: usize,
    /// Per-connection frame rate: a steady rate and the burst above it.
    pub chat_frames_per_sec: u32,
    pub chat_frame_burst: u32,
    /// Messages one user may send per minute, counted over REST and all their connections.
    pub chat_messages_per_minute: i64,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            chat_heartbeat_secs: 20,
            chat_idle_timeout_secs: 60,
            chat_max_frame_bytes: 16 * 1024,
            chat_frames_per_sec: 10,
            chat_frame_burst: 30,
            chat_messages_per_minute: 60,
        }
    }
}

impl bazaar_core::settings::Settings for ChatConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.chat_heartbeat_secs < 1 || self.chat_idle_timeout_secs <= self.chat_heartbeat_secs {
            return Err(SettingsError::new(
                "chat_idle_timeout_secs",
                "must be longer than chat_heartbeat_secs (at least 1)",
            ));
        }
        if !(256..=1024 * 1024).contains(&self.chat_max_frame_bytes) {
            return Err(SettingsError::new("chat_max_frame_bytes", "must be between 256 and 1048576"));
        }
        if self.chat_frames_per_sec < 1 || self.chat_frame_burst < 1 {
            return Err(SettingsError::new("chat_frames_per_sec", "and chat_frame_burst must be at least 1"));
        }
        at_least_one("chat_messages_per_minute", self.chat_messages_per_minute)
    }
}
