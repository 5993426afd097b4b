//! Text analysis shared by indexing and querying, so both see the same terms.
//!
//! - `zh`: jieba in search mode (a long word also yields the words inside it: 手机壳 → 手机, 手机壳),
//!   letter/digit runs split (`mate60` → `mate`, `60`, so 华为mate60 meets "Mate 60"), lowercased,
//!   English words stemmed.
//! - `pinyin`: for every word with Chinese characters, its full pinyin (shouji), its initials (sj)
//!   and each syllable (shou, ji), for every reading of every heteronym (银行 → yinhang and
//!   yinxing), so typed pinyin, initials and spaced syllables all meet the word.

use jieba_rs::Jieba;
use pinyin::{Pinyin, ToPinyinMulti};
use std::sync::OnceLock;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

pub const ZH: &str = "zh";
pub const PINYIN: &str = "pinyin";
/// `zh`, over text made by [`weighted_text`]: each part's words repeated by the part's weight.
pub const ZH_WEIGHTED: &str = "zh_weighted";

/// Separates the parts of a [`weighted_text`]; each part starts with its weight as one digit.
const PART: char = '\u{1f}';

/// Readings combined per word at most (a word of many heteronyms would otherwise explode).
const MAX_READINGS: usize = 16;

/// Words a query may consist of only by mistake; alone they make an empty query.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "或", "是", "在", "我", "你", "要", "买", "想", "一个", "有", "吗", "呢", "the", "a", "an",
    "and", "or", "of", "for", "to", "in", "with", "on", "is",
];

/// Building the dictionary takes ~130 ms; every analyzer shares one.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// A word of the text with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// The words of `text` as the `zh` analyzer sees them before lowercasing and stemming.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for token in jieba().cut_for_search(text, true) {
        let word = token.word;
        if !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        split_letters_and_digits(word, token.byte_start, &mut out);
    }
    out
}

/// Splits a word where ASCII letters, ASCII digits and other characters meet: `mate60` → `mate`,
/// `60`; `T恤` → `t`, `恤`. Jieba segments mixed text differently by context, and splitting both
/// the indexed text and the query the same way keeps them meeting.
fn split_letters_and_digits(word: &str, offset: usize, out: &mut Vec<Word>) {
    fn class(c: char) -> u8 {
        if c.is_ascii_digit() {
            0
        } else if c.is_ascii_alphabetic() {
            1
        } else {
            2
        }
    }
    let mut start = 0;
    let mut previous: Option<u8> = None;
    for (at, c) in word.char_indices() {
        let current = class(c);
        if previous.is_some_and(|p| p != current) {
            out.push(Word { text: word[start..at].to_string(), from: offset + start, to: offset + at });
            start = at;
        }
        previous = Some(current);
    }
    if start < word.len() {
        out.push(Word { text: word[start..].to_string(), from: offset + start, to: offset + word.len() });
    }
}

pub fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c))
}

/// Every full pinyin reading of `word` (lowercase, no tones), at most [`MAX_READINGS`]; Latin
/// letters and digits in the word are kept as they are.
pub fn readings(word: &str) -> Vec<Vec<&'static str>> {
    let mut combos: Vec<Vec<&'static str>> = vec![Vec::new()];
    for ch in word.chars() {
        let options: Vec<&'static str> = match ch.to_pinyin_multi() {
            Some(multi) => {
                let mut plain: Vec<&'static str> = multi.into_iter().map(Pinyin::plain).collect();
                plain.dedup();
                plain.sort_unstable();
                plain.dedup();
                plain
            }
            None => continue,
        };
        let mut next = Vec::with_capacity(combos.len() * options.len());
        for combo in &combos {
            for option in &options {
                if next.len() >= MAX_READINGS {
                    break;
                }
                let mut extended = combo.clone();
                extended.push(*option);
                next.push(extended);
            }
        }
        combos = next;
    }
    combos.retain(|c| !c.is_empty());
    combos
}

/// The pinyin terms of a word: each reading's full form and initials, and each syllable.
pub fn pinyin_terms(word: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for reading in readings(word) {
        terms.push(reading.concat());
        terms.push(reading.iter().filter_map(|s| s.get(..1)).collect());
        terms.extend(reading.iter().map(|s| (*s).to_string()));
    }
    terms.sort();
    terms.dedup();
    terms
}

/// The text for the `zh_weighted` analyzer: `parts` as (weight 1–9, text). Control characters in
/// the texts become spaces, so a title cannot smuggle in a weight of its own.
pub fn weighted_text(parts: &[(u8, &str)]) -> String {
    let mut out = String::new();
    for (weight, text) in parts {
        out.push(PART);
        out.push(char::from(b'0' + (*weight).clamp(1, 9)));
        out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
    }
    out
}

#[derive(Clone, Copy, Default)]
pub struct ZhTokenizer;

/// Splits a [`weighted_text`] into its parts and gives each word of a part as many times as the
/// part's weight: one field then ranks a title word above a shop-name word (term frequency), and
/// a query word is one posting list instead of a union of one per field.
#[derive(Clone, Copy, Default)]
pub struct WeightedZhTokenizer;

#[derive(Clone, Copy, Default)]
pub struct PinyinTokenizer;

/// A token stream over tokens computed up front.
pub struct Tokens {
    tokens: Vec<Token>,
    at: usize,
}

impl Tokens {
    fn new(tokens: Vec<Token>) -> Tokens {
        Tokens { tokens, at: 0 }
    }
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at.saturating_sub(1).min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let at = self.at.saturating_sub(1).min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[at]
    }
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let tokens = words(text)
            .into_iter()
            .enumerate()
            .map(|(position, word)| Token {
                offset_from: word.from,
                offset_to: word.to,
                position,
                text: word.text,
                position_length: 1,
            })
            .collect();
        Tokens::new(tokens)
    }
}

impl Tokenizer for WeightedZhTokenizer {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let mut tokens = Vec::new();
        let mut offset = 0;
        for part in text.split(PART) {
            let start = offset;
            offset += part.len() + PART.len_utf8();
            let mut chars = part.chars();
            let Some(weight) = chars.next().and_then(|c| c.to_digit(10)) else { continue };
            let body = chars.as_str();
            let body_start = start + (part.len() - body.len());
            for word in words(body) {
                for _ in 0..weight {
                    tokens.push(Token {
                        offset_from: body_start + word.from,
                        offset_to: body_start + word.to,
                        position: tokens.len(),
                        text: word.text.clone(),
                        position_length: 1,
                    });
                }
            }
        }
        Tokens::new(tokens)
    }
}

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let mut tokens = Vec::new();
        let han: Vec<Word> = words(text).into_iter().filter(|w| has_han(&w.text)).collect();
        for (position, word) in han.iter().enumerate() {
            for term in pinyin_terms(&word.text) {
                tokens.push(Token {
                    offset_from: word.from,
                    offset_to: word.to,
                    position,
                    text: term,
                    position_length: 1,
                });
            }
            // Two neighbouring words typed as one (桂花 + 糕 → guihuagao, ghg), when they touch.
            if let Some(next) = han.get(position + 1).filter(|next| next.from == word.to) {
                for term in joined_terms(&word.text, &next.text) {
                    tokens.push(Token {
                        offset_from: word.from,
                        offset_to: next.to,
                        position,
                        text: term,
                        position_length: 2,
                    });
                }
            }
        }
        Tokens::new(tokens)
    }
}

/// Full pinyin and initials of two words written together (first readings only, to stay small).
fn joined_terms(first: &str, second: &str) -> Vec<String> {
    let (Some(a), Some(b)) = (readings(first).into_iter().next(), readings(second).into_iter().next()) else {
        return Vec::new();
    };
    let joined: Vec<&str> = a.into_iter().chain(b).collect();
    vec![joined.concat(), joined.iter().filter_map(|s| s.get(..1)).collect()]
}

/// The words of `tokenizer`, normalised as every `zh` term is: both Chinese analyzers go through
/// here so `words` and `title` hold the same terms for the same text.
fn normalised<T: Tokenizer>(tokenizer: T) -> TextAnalyzer {
    TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn zh_analyzer() -> TextAnalyzer {
    normalised(ZhTokenizer)
}

pub fn weighted_zh_analyzer() -> TextAnalyzer {
    normalised(WeightedZhTokenizer)
}

pub fn pinyin_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(PinyinTokenizer).build()
}

/// The `zh` terms of `text`, as the index holds them.
pub fn zh_terms(text: &str) -> Vec<String> {
    thread_local! {
        // Building an analyzer allocates its filters and stemmer; queries reuse one per thread.
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(zh_analyzer());
    }
    ANALYZER.with(|analyzer| {
        let mut analyzer = analyzer.borrow_mut();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_in_search_mode_and_latin_is_normalised() {
        let terms = zh_terms("华为Mate60 手机壳 Running Shoes");
        for expected in ["华为", "mate", "60", "手机", "壳", "run", "shoe"] {
            assert!(terms.contains(&expected.to_string()), "{expected} missing from {terms:?}");
        }
    }

    fn weighted_terms(text: &str) -> Vec<String> {
        let mut analyzer = weighted_zh_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    }

    #[test]
    fn weighted_text_repeats_each_part_by_its_weight() {
        let terms = weighted_terms(&weighted_text(&[(3, "华为手机"), (1, "Phones"), (2, "华为")]));
        let count = |term: &str| terms.iter().filter(|t| *t == term).count();
        assert_eq!((count("华为"), count("手机"), count("phone")), (5, 3, 1), "{terms:?}");
    }

    #[test]
    fn a_text_cannot_raise_its_own_weight() {
        let sneaky = "手机\u{1f}9手机";
        let terms = weighted_terms(&weighted_text(&[(1, sneaky)]));
        assert_eq!(terms.iter().filter(|t| *t == "手机").count(), 2, "{terms:?}");
    }

    #[test]
    fn pinyin_covers_full_initials_syllables_and_heteronyms() {
        let terms = pinyin_terms("手机");
        for expected in ["shouji", "sj", "shou", "ji"] {
            assert!(terms.contains(&expected.to_string()), "{expected} missing from {terms:?}");
        }
        let bank = pinyin_terms("银行");
        assert!(bank.contains(&"yinhang".to_string()) && bank.contains(&"yinxing".to_string()), "{bank:?}");
        let chongqing = pinyin_terms("重庆");
        assert!(chongqing.contains(&"chongqing".to_string()), "{chongqing:?}");
    }
}
