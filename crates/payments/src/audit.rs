//! What the audit trail keeps of what providers (or forgers) send us: bounded, so that forged
//! notifications cannot fill the database, and identifiable, so a record can be matched to a
//! capture of the whole.

/// How much of a notification's body the audit record keeps; the rest is summed up by its length
/// and SHA-256, so a 1 MB forgery costs 4 KiB to remember.
pub const STORED_BODY_BYTES: usize = 4096;

/// What the audit record keeps of a notification: all of it up to [`STORED_BODY_BYTES`], else
/// that much followed by the whole's length and SHA-256 (enough to match it against a capture).
pub(crate) fn bounded_text(bytes: &[u8]) -> String {
    if bytes.len() <= STORED_BODY_BYTES {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(bytes));
    let prefix = String::from_utf8_lossy(&bytes[..STORED_BODY_BYTES]);
    format!("{prefix}…[{} bytes in all, sha256 {digest}]", bytes.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn large_bodies_are_kept_as_a_prefix_and_a_hash() {
        let huge = vec![b'x'; 1 << 20];
        let kept = super::bounded_text(&huge);
        assert!(kept.len() < super::STORED_BODY_BYTES + 120, "{}", kept.len());
        let (_, summary) = kept.rsplit_once("[1048576 bytes in all, sha256 ").expect("the length and hash");
        assert_eq!(summary.trim_end_matches(']').len(), 64, "{summary}");
        assert_eq!(super::bounded_text(b"short"), "short");
    }
}
