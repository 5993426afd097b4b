//! Short codes: case-sensitive base62 from the operating system's generator, long enough that
//! walking the code space finds nothing (62^8 ≈ 2 × 10^14 codes).

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const CODE_LENGTH: usize = 8;

pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

/// Whether `raw` could be a code at all: anything else is answered without a lookup.
pub fn well_formed(raw: &str) -> bool {
    (4..=16).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_base62_of_the_set_length_and_differ() {
        let a = new_code();
        let b = new_code();
        assert_eq!(a.len(), CODE_LENGTH);
        assert!(well_formed(&a));
        assert_ne!(a, b);
        assert!(!well_formed("../etc"));
        assert!(!well_formed("ab"));
    }
}
