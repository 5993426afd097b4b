//! Running a search on the current searcher: the page of hits (with highlighted titles), the total,
//! and facet counts for the filtered set — categories, brands and price buckets — in one pass.

use crate::SearchError;
use crate::doc_values::DocValues;
use crate::facet_counts::{Counted, PRICE_BUCKETS, Tally};
use crate::schema::Fields;
use bazaar_core::Money;
use bazaar_core::ids::ShopId;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Query};
use tantivy::schema::{Facet, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SortBy {
    /// BM25 with gentle boosts for sales and shop rating.
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Sales,
    Newest,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    pub id: i64,
    pub title: String,
    /// The title with the matched words in `<b>…</b>` (HTML-escaped otherwise).
    pub highlight: String,
    pub brand: String,
    pub shop_id: ShopId,
    pub shop_name: String,
    /// The lowest SKU price.
    #[serde(serialize_with = "bazaar_core::money::serialize_minor")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price: i64,
    pub sales: i64,
    pub stock: i64,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryCount {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandCount {
    pub brand: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBucket {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: Money,
    /// Absent for the open-ended top bucket.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub to: Option<Money>,
    pub count: u64,
}

/// Counts over everything the query and filters match (not just this page).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// The subcategories of the filtered category (top-level ones when unfiltered).
    pub categories: Vec<CategoryCount>,
    pub brands: Vec<BrandCount>,
    pub prices: Vec<PriceBucket>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    pub items: Vec<Hit>,
    /// How many products match in all.
    pub total: usize,
    pub next_cursor: Option<String>,
    pub facets: Option<Facets>,
}

/// Category ids to names, for facet labels.
pub type CategoryNames = HashMap<i64, (String, String)>;

/// Category id → its place in the tree (`/1/5`): for filters and for rolling facet counts up.
pub type CategoryFacets = HashMap<i64, Facet>;

pub struct Plan<'a> {
    pub query: &'a dyn Query,
    pub sort: SortBy,
    pub offset: usize,
    pub limit: usize,
    /// Count facets under this category facet (root when `None`); no facets when `facets` is false.
    pub facets: bool,
    pub facet_parent: Option<Facet>,
}

pub fn run(
    searcher: &Searcher,
    fields: &Fields,
    plan: &Plan<'_>,
    categories: &CategoryFacets,
    names: &CategoryNames,
    values: &Arc<DocValues>,
) -> Result<SearchPage, SearchError> {
    let parent = plan.facet_parent.clone().unwrap_or_else(Facet::root);
    let tally = |top| Tally { values: values.clone(), facets: plan.facets, top };
    let (addresses, total, facets): (Vec<DocAddress>, _, _) = match plan.sort {
        SortBy::Relevance => {
            let found = searcher.search(plan.query, &tally(Some(plan.offset + plan.limit)))?;
            (found.top.into_iter().skip(plan.offset).map(|(_, address)| address).collect(), found.total, found.facets)
        }
        sort => {
            let (field, order) = match sort {
                SortBy::PriceAsc => ("price", Order::Asc),
                SortBy::PriceDesc => ("price", Order::Desc),
                SortBy::Sales => ("sales", Order::Desc),
                _ => ("created", Order::Desc),
            };
            let top = TopDocs::with_limit(plan.limit).and_offset(plan.offset).order_by_fast_field::<i64>(field, order);
            let (page, found) = searcher.search(plan.query, &(top, tally(None)))?;
            (page.into_iter().map(|(_, address)| address).collect(), found.total, found.facets)
        }
    };
    let facets = facets.map(|counts| facets_of(counts, &parent, categories, names));
    let snippets = SnippetGenerator::create(searcher, &title_terms_of(plan.query, fields), fields.title).ok();
    let by_sound = pinyin_terms_of(plan.query, fields.pinyin);
    let mut items = Vec::with_capacity(addresses.len());
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address)?;
        items.push(hit(&doc, fields, snippets.as_ref(), &by_sound));
    }
    let next_cursor = (plan.offset + items.len() < total)
        .then(|| bazaar_core::Cursor::encode(&(plan.offset + items.len())).as_str().to_string());
    Ok(SearchPage { items, total, next_cursor, facets })
}

/// The counts as the API shows them: categories rolled up to the children of `parent` (a product
/// in `/1/5/12` counts for `5` under `/1`), largest first; brands largest first; every price bucket.
fn facets_of(counts: Counted, parent: &Facet, tree: &CategoryFacets, names: &CategoryNames) -> Facets {
    // The root's path is one empty component, not none.
    let parent_path: Vec<&str> = parent.to_path().into_iter().filter(|part| !part.is_empty()).collect();
    let mut children: HashMap<i64, u64> = HashMap::new();
    for (category, count) in counts.categories {
        let Some(path) = tree.get(&category).map(Facet::to_path) else { continue };
        if path.len() > parent_path.len()
            && path.starts_with(&parent_path)
            && let Ok(child) = path[parent_path.len()].parse::<i64>()
        {
            *children.entry(child).or_default() += count;
        }
    }
    let mut categories: Vec<CategoryCount> = children
        .into_iter()
        .map(|(id, count)| {
            let (zh, en) = names.get(&id).cloned().unwrap_or_default();
            CategoryCount { id, name_zh: zh, name_en: en, count }
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    let mut brands: Vec<BrandCount> =
        counts.brands.into_iter().map(|(brand, count)| BrandCount { brand, count }).collect();
    brands.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.brand.cmp(&b.brand)));
    let prices = counts
        .prices
        .into_iter()
        .zip(PRICE_BUCKETS)
        .map(|(count, (from, to))| PriceBucket {
            from: Money::from_minor(from),
            to: (to != i64::MAX).then(|| Money::from_minor(to)),
            count,
        })
        .collect();
    Facets { categories, brands, prices }
}

/// The query's words as title terms, for marking them in the title: the query itself looks for
/// them in `words` (and for typos in `title`).
fn title_terms_of(query: &dyn Query, fields: &Fields) -> BooleanQuery {
    let mut terms = Vec::new();
    query.query_terms(&mut |term, _| {
        if (term.field() == fields.words || term.field() == fields.title)
            && let Some(text) = term.value().as_str()
        {
            terms.push(Term::from_field_text(fields.title, text));
        }
    });
    BooleanQuery::new_multiterms_query(terms)
}

/// The pinyin terms a query looks for (typed pinyin, voice), to mark the title words they matched.
fn pinyin_terms_of(query: &dyn Query, field: tantivy::schema::Field) -> HashSet<String> {
    let mut terms = HashSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field
            && let Some(text) = term.value().as_str()
        {
            terms.insert(text.to_string());
        }
    });
    terms
}

/// The title with the Chinese words whose pinyin the query asked for in `<b>…</b>`: a search for
/// `shouji` marks 手机, which the title's own terms cannot.
fn highlight_by_pinyin(title: &str, wanted: &HashSet<String>) -> Option<String> {
    if wanted.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(title.len() + 16);
    let mut marked = false;
    for token in crate::analysis::jieba().cut(title, true) {
        let word = token.word;
        if crate::analysis::has_han(word) && crate::analysis::pinyin_terms(word).iter().any(|t| wanted.contains(t)) {
            out.push_str("<b>");
            out.push_str(&escape(word));
            out.push_str("</b>");
            marked = true;
        } else {
            out.push_str(&escape(word));
        }
    }
    marked.then_some(out)
}

fn hit(doc: &TantivyDocument, fields: &Fields, snippets: Option<&SnippetGenerator>, by_sound: &HashSet<String>) -> Hit {
    let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let int = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
    let title = text(fields.title);
    let highlight = match snippets.map(|g| g.snippet(&title)) {
        Some(snippet) if !snippet.is_empty() => snippet.to_html(),
        _ => highlight_by_pinyin(&title, by_sound).unwrap_or_else(|| escape(&title)),
    };
    Hit {
        id: doc.get_first(fields.id).and_then(|v| v.as_u64()).unwrap_or_default() as i64,
        highlight,
        title,
        brand: text(fields.brand),
        shop_id: ShopId(doc.get_first(fields.shop_id).and_then(|v| v.as_u64()).unwrap_or_default() as i64),
        shop_name: text(fields.shop_name),
        price: int(fields.price),
        sales: int(fields.sales),
        stock: int(fields.stock),
        image: doc.get_first(fields.image).and_then(|v| v.as_str()).map(str::to_string),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::highlight_by_pinyin;
    use std::collections::HashSet;

    #[test]
    fn typed_pinyin_marks_the_chinese_word_it_matched() {
        let wanted: HashSet<String> = ["shouji".to_string()].into();
        assert_eq!(
            highlight_by_pinyin("OPPO 国潮手机 <新>", &wanted).as_deref(),
            Some("OPPO 国潮<b>手机</b> &lt;新&gt;")
        );
        assert_eq!(highlight_by_pinyin("运动手表", &wanted), None);
    }
}
