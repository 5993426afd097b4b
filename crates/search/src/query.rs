//! Turning a shopper's words into a tantivy query: every word must match (in any text field, by
//! its pinyin, or — for Latin words of 5+ letters — with one typo), synonyms widen a word to its
//! group, and filters narrow the set without affecting the ranking.

use crate::SearchError;
use crate::analysis::{self, is_stop_word, words, zh_terms};
use crate::schema::Fields;
use crate::synonyms::Synonyms;
use bazaar_core::ids::ShopId;
use std::ops::Bound;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Searcher, Term};

/// Typed pinyin weighs more than a word found once in `words` and less than a title word (term
/// frequency 4 scores ~1.7 times frequency 1), so a title match outranks a match by sound alone.
const PINYIN_BOOST: f32 = 1.5;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Narrowing a search; none of these change the order.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// The category facet (`/1/5`): the category and its descendants.
    pub category: Option<Facet>,
    pub shop_id: Option<ShopId>,
    pub brand: Option<String>,
    /// Price range in fen, inclusive.
    pub price_from: Option<i64>,
    pub price_to: Option<i64>,
    pub in_stock: bool,
    pub tags: Vec<String>,
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// What the index holds, to leave out of a query the terms that cannot match (fewer scorers per
/// segment) and to try typo tolerance only for words the index does not know.
pub struct Known<'a> {
    searcher: &'a Searcher,
}

impl<'a> Known<'a> {
    pub fn new(searcher: &'a Searcher) -> Known<'a> {
        Known { searcher }
    }

    fn has(&self, term: &Term) -> bool {
        self.searcher.doc_freq(term).is_ok_and(|n| n > 0)
    }
}

/// What one typed word may match: the word in `words` (every text of the product, weighted by
/// where it appears); a Latin word also as typed pinyin, or — when the index knows neither — with
/// one typo in the title or brand. A word with one alternative is that term query itself, not a
/// union of one: multi-word queries then intersect posting lists directly.
fn word_clause(fields: &Fields, known: &Known<'_>, word: &str) -> Option<Box<dyn Query>> {
    let term = zh_terms(word).into_iter().next()?;
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let exact = Term::from_field_text(fields.words, &term);
    if known.has(&exact) {
        any.push((Occur::Should, term_query(exact)));
    }
    let raw = word.to_lowercase();
    if raw.chars().all(|c| c.is_ascii_alphabetic()) {
        // Typed pinyin: full (shouji), initials (sj) or one syllable of a spaced query (shou ji).
        let pinyin = Term::from_field_text(fields.pinyin, &raw);
        if known.has(&pinyin) {
            any.push((Occur::Should, boosted(term_query(pinyin), PINYIN_BOOST)));
        }
        // A Latin word the index does not know may be a typo (iphnoe).
        if any.is_empty() && raw.len() >= 5 {
            for field in [fields.title, fields.brand] {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &term), 1, true);
                any.push((Occur::Should, boosted(Box::new(fuzzy), 0.5)));
            }
        }
    }
    // An empty union matches nothing, which is right for a word nothing contains.
    Some(one_or_all(any))
}

/// Every word of `text` must match.
fn all_words(fields: &Fields, known: &Known<'_>, text: &str) -> Vec<(Occur, Box<dyn Query>)> {
    words(text)
        .into_iter()
        .filter(|w| !is_stop_word(&w.text.to_lowercase()))
        .filter_map(|w| word_clause(fields, known, &w.text))
        .map(|clause| (Occur::Must, clause))
        .collect()
}

pub fn check_length(q: &str) -> Result<&str, SearchError> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::invalid("q", format!("at most {MAX_QUERY_CHARS} characters")));
    }
    Ok(q)
}

/// The text part of a search. A phrase of a synonym group found in the query (充电宝) becomes
/// "any member of the group"; the longest member is looked for first, so "power bank" wins over
/// a shorter member inside it.
pub fn text_query(
    fields: &Fields,
    known: &Known<'_>,
    q: &str,
    synonyms: &Synonyms,
) -> Result<Box<dyn Query>, SearchError> {
    let mut rest = check_length(q)?.to_lowercase();
    let mut clauses = Vec::new();
    for group in synonyms.groups() {
        let mut members: Vec<&String> = group.iter().collect();
        members.sort_by_key(|m| std::cmp::Reverse(m.chars().count()));
        let Some(found) = members.into_iter().find(|m| rest.contains(m.as_str())) else { continue };
        rest = rest.replacen(found.as_str(), " ", 1);
        let members: Vec<Vec<(Occur, Box<dyn Query>)>> =
            group.iter().map(|m| all_words(fields, known, m)).filter(|words| !words.is_empty()).collect();
        if members.is_empty() {
            continue;
        }
        // A member with a word no product holds cannot match: leaving it out keeps the union
        // small (one alternative needs no union at all). If none is left, the group — and so the
        // query — matches nothing, which the empty union says.
        let alternatives: Vec<(Occur, Box<dyn Query>)> = members
            .into_iter()
            .filter(|words| !words.iter().any(|(_, word)| matches_nothing(word.as_ref())))
            .map(|words| (Occur::Should, one_or_all(words)))
            .collect();
        clauses.push((Occur::Must, one_or_all(alternatives)));
    }
    clauses.extend(all_words(fields, known, &rest));
    if clauses.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// A query that can match nothing: the empty union a word nothing holds becomes.
fn matches_nothing(query: &dyn Query) -> bool {
    query.downcast_ref::<BooleanQuery>().is_some_and(|q| q.clauses().is_empty())
}

/// The clauses as one query; a single clause is its own query rather than a boolean of one, so
/// tantivy sees term queries directly (an intersection of posting lists, not of unions).
fn one_or_all(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    match (clauses.len(), clauses.pop()) {
        (1, Some((_, only))) => only,
        (_, last) => {
            clauses.extend(last);
            Box::new(BooleanQuery::new(clauses))
        }
    }
}

/// A spoken query, matched by sound: a word's pinyin must come close to a word of the product (one
/// edit for short words, two for long ones), so 手记 and 首饰 still reach 手机. Transcripts are
/// sentences (我想买手机), so any word may match; products matching more words rank higher.
pub fn voice_query(fields: &Fields, known: &Known<'_>, transcript: &str) -> Result<Box<dyn Query>, SearchError> {
    let transcript = check_length(transcript)?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in analysis::jieba().cut_for_search(transcript, true) {
        let word = word.word.trim();
        if word.is_empty() || is_stop_word(word) || !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        if !analysis::has_han(word) {
            if let Some(clause) = word_clause(fields, known, word) {
                clauses.push((Occur::Should, clause));
            }
            continue;
        }
        let mut sounds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for reading in analysis::readings(word) {
            let full = reading.concat();
            let distance = if full.len() >= 6 { 2 } else { 1 };
            let exact = term_query(Term::from_field_text(fields.pinyin, &full));
            sounds.push((Occur::Should, boosted(exact, 2.0)));
            sounds.push((
                Occur::Should,
                Box::new(FuzzyTermQuery::new(Term::from_field_text(fields.pinyin, &full), distance, true)),
            ));
        }
        // The characters themselves, when they were heard right.
        if let Some(clause) = word_clause(fields, known, word) {
            sounds.push((Occur::Should, boosted(clause, 1.5)));
        }
        clauses.push((Occur::Should, Box::new(BooleanQuery::new(sounds))));
    }
    if clauses.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

/// `text` narrowed by `filters`.
pub fn with_filters(fields: &Fields, text: Box<dyn Query>, filters: &Filters) -> Box<dyn Query> {
    let mut clauses = vec![(Occur::Must, text)];
    if let Some(category) = &filters.category {
        clauses.push(filter(Box::new(TermQuery::new(
            Term::from_facet(fields.category, category),
            IndexRecordOption::Basic,
        ))));
    }
    if let Some(shop) = filters.shop_id {
        clauses.push(filter(Box::new(TermQuery::new(
            Term::from_field_u64(fields.shop_id, shop.get() as u64),
            IndexRecordOption::Basic,
        ))));
    }
    if let Some(brand) = &filters.brand {
        let term = Term::from_field_text(fields.brand_key, &brand.trim().to_lowercase());
        clauses.push(filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
    }
    if filters.price_from.is_some() || filters.price_to.is_some() {
        let bound =
            |v: Option<i64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(fields.price, v)));
        clauses.push(filter(Box::new(RangeQuery::new(bound(filters.price_from), bound(filters.price_to)))));
    }
    if filters.in_stock {
        let from = Bound::Included(Term::from_field_i64(fields.stock, 1));
        clauses.push(filter(Box::new(RangeQuery::new(from, Bound::Unbounded))));
    }
    for tag in &filters.tags {
        let term = Term::from_field_text(fields.tag_keys, &tag.trim().to_lowercase());
        clauses.push(filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
    }
    Box::new(BooleanQuery::new(clauses))
}
