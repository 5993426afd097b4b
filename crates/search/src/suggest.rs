//! Prefix completion over the words of titles and brands, reachable by characters, full pinyin and
//! initials (`sho` → 手机, `hw` → 华为). Built from the index's own term dictionaries after commits,
//! so it needs no second store; popular past queries are merged in at lookup time.

use crate::analysis::{has_han, pinyin_terms};
use std::collections::HashMap;
use tantivy::Searcher;
use tantivy::schema::Field;

/// Keys looked at per lookup at most, so a one-letter prefix stays fast.
const SCAN_LIMIT: usize = 20_000;

#[derive(Debug, Default)]
pub struct Suggestions {
    /// (key, index into `words`), sorted by key.
    keys: Vec<(String, u32)>,
    /// (word, how many products use it).
    words: Vec<(String, u64)>,
}

impl Suggestions {
    /// Collects the words of `fields` from every segment with their document counts.
    pub fn build(searcher: &Searcher, fields: &[Field]) -> Suggestions {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            for field in fields {
                let Ok(inverted) = segment.inverted_index(*field) else { continue };
                let Ok(mut stream) = inverted.terms().stream() else { continue };
                while stream.advance() {
                    let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                    if worth_suggesting(word) {
                        *counts.entry(word.to_string()).or_default() += u64::from(stream.value().doc_freq);
                    }
                }
            }
        }
        let mut suggestions = Suggestions::default();
        for (word, count) in counts {
            let index = suggestions.words.len() as u32;
            suggestions.keys.push((word.clone(), index));
            if has_han(&word) {
                for key in pinyin_terms(&word).into_iter().filter(|k| k.len() > 1) {
                    suggestions.keys.push((key, index));
                }
            }
            suggestions.words.push((word, count));
        }
        suggestions.keys.sort_unstable();
        suggestions.keys.dedup();
        suggestions
    }

    /// Up to `limit` words starting with `prefix` (or whose pinyin does), most used first.
    pub fn complete(&self, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        let prefix = prefix.trim().to_lowercase();
        if prefix.is_empty() {
            return Vec::new();
        }
        let start = self.keys.partition_point(|(key, _)| key.as_str() < prefix.as_str());
        let mut found: Vec<u32> = self.keys[start..]
            .iter()
            .take(SCAN_LIMIT)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .map(|(_, index)| *index)
            .collect();
        found.sort_unstable();
        found.dedup();
        let mut words: Vec<(String, u64)> =
            found.into_iter().filter_map(|i| self.words.get(i as usize).cloned()).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.truncate(limit);
        words
    }
}

/// Words of two or more characters that are not just numbers.
fn worth_suggesting(word: &str) -> bool {
    word.chars().count() >= 2 && !word.chars().all(|c| c.is_ascii_digit()) && word.chars().count() <= 20
}

/// Whether `phrase` (a past query) completes `prefix`, by its characters or its pinyin.
pub fn phrase_matches(phrase: &str, prefix: &str) -> bool {
    let prefix = prefix.trim().to_lowercase();
    if phrase.starts_with(&prefix) {
        return true;
    }
    let readings = crate::analysis::readings(phrase);
    readings.iter().any(|r| {
        let full = r.concat();
        let initials: String = r.iter().filter_map(|s| s.get(..1)).collect();
        full.starts_with(&prefix) || initials.starts_with(&prefix)
    })
}
