//! Whether a session is still signed in. The database is the truth (`sessions.revoked_at`); kv
//! holds a short-lived copy of the answer so that an authenticated request normally costs one kv
//! read. Losing kv (a Redis restart, an outage) therefore neither revokes nor resurrects anything:
//! a missing or unreachable copy sends the check to the database.

use crate::{IdentityError, sessions};
use bazaar_core::ids::SessionId;
use bazaar_db::Database;
use bazaar_kv::Kv;
use std::time::Duration;

/// How long a "still signed in" answer is reused before the database is asked again. A revocation
/// overwrites it at once; this only bounds the cost of a session nobody revokes.
const SIGNED_IN_FOR: Duration = Duration::from_secs(30);
const SIGNED_IN: &str = "ok";
const REVOKED: &str = "revoked";

/// The kv key caching session `session_id`'s state.
pub fn session_state_key(session_id: SessionId) -> String {
    format!("session_state:{session_id}")
}

/// `Ok(())` while the session is signed in; `SessionRevoked` once it is not.
pub(crate) async fn check(
    db: &Database,
    kv: &Kv,
    session_id: SessionId,
    revoked_ttl: Duration,
) -> Result<(), IdentityError> {
    let key = session_state_key(session_id);
    match kv.get(&key).await {
        Ok(Some(state)) if state == REVOKED => return Err(IdentityError::SessionRevoked),
        Ok(Some(_)) => return Ok(()),
        Ok(None) => {}
        Err(err) => tracing::debug!(error = %err, "kv unavailable: asking the database about the session"),
    }
    let revoked = db.run(move |conn| sessions::is_revoked(conn, session_id)).await?;
    // Only fill a missing copy: a revocation written meanwhile must not be overwritten by "ok".
    let remembered = if revoked {
        kv.set(&key, REVOKED, Some(revoked_ttl)).await
    } else {
        kv.set_if_absent(&key, SIGNED_IN, Some(SIGNED_IN_FOR)).await.map(drop)
    };
    if let Err(err) = remembered {
        tracing::debug!(error = %err, "could not cache a session's state in kv");
    }
    if revoked { Err(IdentityError::SessionRevoked) } else { Ok(()) }
}

/// Tells every gateway at once that a session (already revoked in the database) is over. A kv
/// failure is logged, not returned: the database already says so, and gateways that cannot read
/// kv ask the database.
pub(crate) async fn announce(kv: &Kv, session_id: SessionId, revoked_ttl: Duration) {
    if let Err(err) = kv.set(&session_state_key(session_id), REVOKED, Some(revoked_ttl)).await {
        tracing::warn!(%session_id, error = %err, "could not record a revoked session in kv; gateways will ask the database");
    }
}
