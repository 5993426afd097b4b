//! How a play's outcome follows from the draw's seed — the documented, recomputable rule.
//!
//! 1. `mac = HMAC-SHA256(key = the seed's 32 bytes, message = "{draw_id}:{play_id}:{user_id}")`
//!    (decimal numbers, ASCII).
//! 2. `roll` = the first 8 bytes of `mac` as a big-endian unsigned integer.
//! 3. `slot = roll mod total_weight`, the weights summed over the prizes in their listed order.
//! 4. The prize drawn is the first whose running sum of weights exceeds `slot`.
//!
//! The seed is drawn from a cryptographic generator and kept secret until the end; its SHA-256 is
//! published from the start, so it cannot be chosen after the plays are known. The modulo's bias
//! is at most `total_weight / 2^64`. A drawn prize with no stock left gives the consolation.

use bazaar_core::ids::{DrawId, PlayId, UserId};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The roll of one play.
pub fn roll(seed_hex: &str, draw: DrawId, play: PlayId, user: UserId) -> Option<u64> {
    let seed = hex::decode(seed_hex).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&seed).ok()?;
    mac.update(format!("{draw}:{play}:{user}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut first = [0_u8; 8];
    first.copy_from_slice(&bytes[..8]);
    Some(u64::from_be_bytes(first))
}

/// The index of the prize a roll draws, given the weights in their listed order.
pub fn pick(roll: u64, weights: &[i64]) -> Option<usize> {
    let total: u64 = weights.iter().map(|w| u64::try_from(*w).unwrap_or(0)).sum();
    if total == 0 {
        return None;
    }
    let slot = roll % total;
    let mut running = 0_u64;
    weights.iter().position(|weight| {
        running += u64::try_from(*weight).unwrap_or(0);
        slot < running
    })
}

/// Whether `seed_hex` is the seed `commitment_hex` committed to.
pub fn matches_commitment(seed_hex: &str, commitment_hex: &str) -> bool {
    hex::decode(seed_hex).is_ok_and(|seed| hex::encode(Sha256::digest(seed)) == commitment_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_lands_on_a_prize_and_the_last_slot_on_the_last() {
        let weights = [1, 0, 3];
        assert_eq!(pick(0, &weights), Some(0));
        assert_eq!(pick(1, &weights), Some(2));
        assert_eq!(pick(3, &weights), Some(2));
        // No "n + 1" slot falling on no prize (CRMEB's inclusive range).
        assert_eq!(pick(4, &weights), Some(0));
        assert_eq!(pick(u64::MAX, &[7]), Some(0));
        assert_eq!(pick(5, &[]), None);
    }

    #[test]
    fn weights_give_their_share_over_many_rolls() {
        let weights = [1, 9];
        let seed = "00".repeat(32);
        let first = (0..10_000)
            .filter(|play| pick(roll(&seed, DrawId(1), PlayId(*play), UserId(7)).unwrap(), &weights) == Some(0))
            .count();
        assert!((800..1200).contains(&first), "{first} of 10000 drew the 10% prize");
    }

    #[test]
    fn the_roll_is_the_documented_hmac() {
        let seed = "ab".repeat(32);
        let roll_value = roll(&seed, DrawId(3), PlayId(5), UserId(9)).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&[0xab; 32]).unwrap();
        mac.update(b"3:5:9");
        let bytes = mac.finalize().into_bytes();
        assert_eq!(roll_value, u64::from_be_bytes(bytes[..8].try_into().unwrap()));
        assert!(matches_commitment(&seed, &hex::encode(Sha256::digest([0xab; 32]))));
    }
}
