//! Phone numbers are the identity. Stored in E.164 (`+8613800138000`); mainland mobile numbers are
//! accepted without `+86`, and spaces, dashes and brackets are ignored.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{0}` is not a mobile phone number (a mainland number has 11 digits starting 13-19; others need +country code)"
)]
pub struct InvalidPhone(pub String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, InvalidPhone> {
        let invalid = || InvalidPhone(raw.chars().take(32).collect());
        let trimmed = raw.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        let e164 = if plus {
            digits
        } else if is_mainland_mobile(&digits) {
            format!("86{digits}")
        } else if digits.starts_with("86") && is_mainland_mobile(&digits[2..]) {
            digits
        } else {
            return Err(invalid());
        };
        // Mainland numbers must be mobile numbers; other countries: E.164 length rules only.
        let valid = match e164.strip_prefix("86") {
            Some(national) => is_mainland_mobile(national),
            None => (8..=15).contains(&e164.len()) && !e164.starts_with('0'),
        };
        if !valid {
            return Err(invalid());
        }
        Ok(Phone(format!("+{e164}")))
    }

    /// Trusted input (the database) only.
    pub fn from_stored(stored: String) -> Phone {
        Phone(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For anyone but the owner: `138****8000` (mainland) or `+44 79****0123`.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        if let Some(national) = digits.strip_prefix("86") {
            return mask_middle(national);
        }
        format!("+{}", mask_middle(digits))
    }
}

fn mask_middle(digits: &str) -> String {
    if digits.len() <= 7 {
        return "*".repeat(digits.len());
    }
    let (head, tail) = (&digits[..3], &digits[digits.len() - 4..]);
    format!("{head}{}{tail}", "*".repeat(digits.len() - 7))
}

fn is_mainland_mobile(digits: &str) -> bool {
    digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9')
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_numbers_normalise_to_e164() {
        for raw in ["13800138000", "+86 138 0013 8000", "8613800138000", "138-0013-8000", " +8613800138000 "] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "+8613800138000", "{raw}");
        }
    }

    #[test]
    fn other_countries_need_a_plus() {
        assert_eq!(Phone::parse("+44 7911 123456").unwrap().as_str(), "+447911123456");
        assert!(Phone::parse("07911123456").is_err());
    }

    #[test]
    fn rejects_what_is_not_a_mobile_number() {
        for raw in ["", "12345", "12800138000", "1380013800", "138001380001", "+86 10 1234 5678", "abc13800138000", "+"]
        {
            assert!(Phone::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        assert_eq!(Phone::parse("+447911123456").unwrap().masked(), "+447*****3456");
    }
}
