//! The one check every user-written text field goes through (names, titles, addresses, chat,
//! reasons, notes): trimmed, of a bounded length, and free of characters that make text show
//! something other than what it is — control characters (NUL included), zero-width characters,
//! and the bidirectional overrides and isolates that turn `exe.txt` into `txt.exe`.

/// Why a text was refused, worded for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be {min} to {max} characters")]
    Length { min: usize, max: usize },
    #[error("must not contain control, zero-width or text-direction characters (found U+{code:04X})")]
    Spoofing { code: u32 },
}

/// A character that may hide or disguise what a text says. Newlines and tabs are allowed only in
/// `multiline` text.
pub fn is_spoofing_char(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' | '\r' => !multiline,
        // Zero-width space and non-joiner, direction marks, word joiner, byte-order mark. The
        // zero-width joiner (U+200D) stays: emoji sequences such as 👩‍💻 are built with it.
        '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' => true,
        // Bidirectional embeddings, overrides and isolates; the Arabic letter mark.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' => true,
        // Interlinear annotations and the other invisible format characters of the Specials block.
        '\u{FFF9}'..='\u{FFFB}' => true,
        c => c.is_control(),
    }
}

/// Trims `raw` and checks it: `min..=max` characters, no spoofing character. The trimmed text.
pub fn user_text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, TextError> {
    let value = raw.trim();
    let length = value.chars().count();
    if length < min || length > max {
        return Err(TextError::Length { min, max });
    }
    if let Some(bad) = value.chars().find(|c| is_spoofing_char(*c, multiline)) {
        return Err(TextError::Spoofing { code: u32::from(bad) });
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofing_characters_are_refused_wherever_they_are() {
        for bad in ["\u{202E}gpj.exe", "买\u{200B}家", "a\0b", "x\u{2066}y", "\u{FEFF}z", "a\u{7}b"] {
            assert!(matches!(user_text(bad, 1, 50, true), Err(TextError::Spoofing { .. })), "{bad:?}");
        }
        assert!(matches!(user_text("两行\n文字", 1, 50, false), Err(TextError::Spoofing { code: 0x0A })));
        assert_eq!(user_text("两行\n文字", 1, 50, true).as_deref(), Ok("两行\n文字"));
    }

    #[test]
    fn ordinary_text_is_trimmed_and_bounded() {
        assert_eq!(user_text("  老街茶铺 Tea 🍵 ", 1, 10, false).as_deref(), Ok("老街茶铺 Tea 🍵"));
        assert_eq!(user_text("   ", 1, 10, false), Err(TextError::Length { min: 1, max: 10 }));
        assert_eq!(user_text("一二三", 1, 2, false), Err(TextError::Length { min: 1, max: 2 }));
        // Emoji sequences join with U+200D; they stay allowed.
        assert!(user_text("👩\u{200D}💻", 1, 10, false).is_ok());
    }
}
