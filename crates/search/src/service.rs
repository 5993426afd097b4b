//! [`Search`]: the index of one gateway, its indexer thread, and the query operations.

use crate::index::{self, Opened};
use crate::indexer::{Command, Indexer, Progress};
use crate::query::{self, Filters};
use crate::searching::{self, CategoryFacets, CategoryNames, Plan, SearchPage, SortBy};
use crate::suggest::{self, Suggestions};
use crate::synonyms::Synonyms;
use crate::{SearchError, documents};
use bazaar_core::ids::{CategoryId, ShopId};
use bazaar_core::{Cursor, Money, PageLimit};
use bazaar_db::Database;
use bazaar_identity::Principal;
use bazaar_kv::Kv;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::{Index, IndexReader};

const HOT: &str = "search:hot";
/// The kv channel on which a gateway tells the others the synonym groups changed.
const SYNONYMS_CHANGED: &str = "search:synonyms";
const ZERO: &str = "search:zero";
/// Deep pages cost as much as all pages before them; past this, narrow the query instead.
const MAX_OFFSET: usize = 1_000;
const MAX_PAGE: u32 = 50;

/// `/search` parameters as they arrive.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SearchParams {
    /// What the shopper typed: Chinese, pinyin (full or initials), English, or a mix.
    pub q: Option<String>,
    /// This category and its descendants.
    #[serde(alias = "category")]
    pub category_id: Option<CategoryId>,
    #[serde(alias = "shop")]
    pub shop_id: Option<ShopId>,
    pub brand: Option<String>,
    /// Lowest price, e.g. `50.00`.
    pub price_min: Option<String>,
    pub price_max: Option<String>,
    pub in_stock: Option<bool>,
    /// Comma-separated tags; every one must be present.
    pub tags: Option<String>,
    pub sort: Option<SortBy>,
    /// Facet counts (default true).
    pub facets: Option<bool>,
    pub cursor: Option<String>,
    /// 1 to 50; 20 by default.
    pub limit: Option<u32>,
}

/// A suggestion for the search box.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub text: String,
    /// `query` (searched often) or `word` (from titles and brands).
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryCount {
    pub query: String,
    pub count: u64,
}

/// Category id → its facet (for filters) and its names (for facet labels).
type CategoryLookup = (CategoryFacets, CategoryNames);

struct Inner {
    index: Index,
    reader: IndexReader,
    doc_values: Arc<crate::doc_values::DocValues>,
    fields: crate::schema::Fields,
    db: Database,
    kv: Kv,
    synonyms: RwLock<Arc<Synonyms>>,
    suggestions: Arc<RwLock<Arc<Suggestions>>>,
    categories: RwLock<Option<Arc<CategoryLookup>>>,
    commands: Mutex<Option<Sender<Command>>>,
    /// The indexer thread, for a stop to wait until it has closed the index writer (and freed the
    /// index directory's lock for the next process).
    indexer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set until the indexer has started: what it must do first.
    pending: Mutex<Option<Option<index::CommitPoint>>>,
    /// The outbox position the index had on disk when opened (`None`: it was new or unusable).
    opened_at: Option<i64>,
    dir: PathBuf,
}

#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

impl Search {
    /// Opens (or creates) the index in `dir`. Nothing is indexed until [`Search::start`].
    pub fn open(dir: &Path, db: Database, kv: Kv) -> Result<Search, SearchError> {
        let Opened { index, reader, fields, doc_values, committed } = index::open_or_create(dir)?;
        let synonyms = Synonyms::load(&mut *db.get()?)?;
        let suggestions = Suggestions::build(&reader.searcher(), &[fields.title, fields.brand]);
        Ok(Search {
            inner: Arc::new(Inner {
                index,
                reader,
                doc_values,
                fields,
                db,
                kv,
                synonyms: RwLock::new(Arc::new(synonyms)),
                suggestions: Arc::new(RwLock::new(Arc::new(suggestions))),
                categories: RwLock::new(None),
                commands: Mutex::new(None),
                indexer_thread: Mutex::new(None),
                pending: Mutex::new(Some(committed)),
                opened_at: committed.map(|c| c.position),
                dir: dir.to_path_buf(),
            }),
        })
    }

    fn indexer(&self) -> Result<Indexer, SearchError> {
        let (searcher_reader, fields) = (self.inner.reader.clone(), self.inner.fields);
        let suggestions = self.inner.suggestions.clone();
        let refresh_reader = self.inner.reader.clone();
        let committed = (*lock(&self.inner.pending)).flatten();
        Indexer::new(
            self.inner.index.clone(),
            searcher_reader,
            fields,
            self.inner.db.clone(),
            committed,
            Box::new(move || {
                let fresh = Suggestions::build(&refresh_reader.searcher(), &[fields.title, fields.brand]);
                *suggestions.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
            }),
        )
    }

    /// Starts the indexer thread (building the index first if it is new) and wakes it on every
    /// catalog change announced on `changes` (the catalog's kv channel).
    pub async fn start(&self, changes: &str) -> Result<(), SearchError> {
        let indexer = self.indexer()?;
        let needs_build = lock(&self.inner.pending).take().is_some_and(|committed| committed.is_none());
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("search-indexer".into())
            .spawn(move || indexer.run(needs_build, receiver))
            .map_err(|err| SearchError::Io(format!("cannot start the indexer: {err}")))?;
        *lock(&self.inner.indexer_thread) = Some(thread);
        *lock(&self.inner.commands) = Some(sender.clone());
        let mut synonym_changes = self.inner.kv.subscribe(SYNONYMS_CHANGED).await?;
        let search = self.clone();
        tokio::spawn(async move {
            while let Ok(_) | Err(bazaar_kv::KvError::Lagged(_)) = synonym_changes.recv().await {
                if let Err(err) = search.reload_synonyms().await {
                    tracing::warn!(error = %err, "could not reload the synonym groups");
                }
            }
        });
        let mut subscription = self.inner.kv.subscribe(changes).await?;
        tokio::spawn(async move {
            // Every change (or a gap in them) wakes the indexer; it reads what changed from the outbox.
            while let Ok(_) | Err(bazaar_kv::KvError::Lagged(_)) = subscription.recv().await {
                if sender.send(Command::Nudge).is_err() {
                    break;
                }
            }
        });
        Ok(())
    }

    /// Stops the indexer after its current batch; the returned future ends when it has closed
    /// the index writer.
    pub fn stop(&self) -> impl std::future::Future<Output = ()> + use<> {
        if let Some(sender) = lock(&self.inner.commands).take() {
            let _ = sender.send(Command::Stop);
        }
        let thread = lock(&self.inner.indexer_thread).take();
        async move {
            if let Some(thread) = thread {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        }
    }

    /// Rebuilds the whole index from the database, through the running indexer or (for the CLI,
    /// with no gateway running) directly. Returns the number of products indexed.
    /// An administrator's rebuild of this gateway's index.
    pub async fn rebuild_for(&self, principal: &Principal) -> Result<u64, SearchError> {
        principal.require_admin()?;
        self.rebuild(None).await
    }

    pub async fn rebuild(&self, progress: Option<Progress>) -> Result<u64, SearchError> {
        let running = lock(&self.inner.commands).clone();
        let search = self.clone();
        tokio::task::spawn_blocking(move || match running {
            Some(sender) => {
                let (done, answer) = std::sync::mpsc::channel();
                sender.send(Command::Rebuild { progress, done }).map_err(|_| SearchError::Io("the indexer stopped".into()))?;
                answer.recv().map_err(|_| SearchError::Io("the indexer stopped".into()))?.map_err(SearchError::Io)
            }
            None => {
                let mut indexer = search.indexer().map_err(|err| match err {
                    SearchError::Index(tantivy::TantivyError::LockFailure(..)) => SearchError::Io(format!(
                        "the index in {} is in use (is a gateway running on this data directory? stop it, or rebuild through it)",
                        search.inner.dir.display()
                    )),
                    other => other,
                })?;
                indexer.rebuild(progress)
            }
        })
        .await
        .map_err(|_| SearchError::Io("the rebuild task failed".into()))?
    }

    /// Products in the index as last committed.
    pub fn documents(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// The outbox position the index on disk reflected when this gateway opened it; `None` when it
    /// had to be built (new, unreadable, or of another format).
    pub fn resumed_from(&self) -> Option<i64> {
        self.inner.opened_at
    }

    async fn categories(&self) -> Result<Arc<CategoryLookup>, SearchError> {
        if let Some(loaded) = self.inner.categories.read().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(loaded);
        }
        let rows: Vec<(i64, String, String, String)> = self
            .inner
            .db
            .run(|conn| bazaar_catalog::index_feed::category_rows(conn).map_err(SearchError::from))
            .await?;
        let facets = rows.iter().map(|(id, path, _, _)| (*id, documents::facet_of_path(path))).collect();
        let names = rows.into_iter().map(|(id, _, zh, en)| (id, (zh, en))).collect();
        let loaded = Arc::new((facets, names));
        *self.inner.categories.write().unwrap_or_else(|p| p.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    fn parse_filters(&self, params: &SearchParams, facets: &CategoryFacets) -> Result<Filters, SearchError> {
        let category = match params.category_id {
            Some(id) => Some(
                facets
                    .get(&id.get())
                    .cloned()
                    .ok_or_else(|| SearchError::invalid("category_id", "no such category"))?,
            ),
            None => None,
        };
        let price = |field: &'static str, raw: &Option<String>| -> Result<Option<i64>, SearchError> {
            raw.as_deref()
                .map(|raw| {
                    Money::parse_str(raw.trim())
                        .ok()
                        .filter(|money| money.to_minor() >= 0)
                        .map(Money::to_minor)
                        .ok_or_else(|| SearchError::invalid(field, "must be an amount like 99.00"))
                })
                .transpose()
        };
        let (price_from, price_to) = (price("price_min", &params.price_min)?, price("price_max", &params.price_max)?);
        if let (Some(from), Some(to)) = (price_from, price_to)
            && from > to
        {
            return Err(SearchError::invalid("price_max", "must not be below price_min"));
        }
        Ok(Filters {
            category,
            shop_id: params.shop_id,
            brand: params.brand.clone().filter(|b| !b.trim().is_empty()),
            price_from,
            price_to,
            in_stock: params.in_stock.unwrap_or(false),
            tags: params
                .tags
                .as_deref()
                .map(|t| t.split(',').map(str::to_string).filter(|t| !t.trim().is_empty()).collect())
                .unwrap_or_default(),
        })
    }

    fn page(params: &SearchParams) -> Result<(usize, usize), SearchError> {
        let limit = PageLimit::new(params.limit)
            .ok()
            .filter(|l| l.get() <= MAX_PAGE)
            .ok_or_else(|| SearchError::invalid("limit", format!("must be between 1 and {MAX_PAGE}")))?;
        let offset: usize = match &params.cursor {
            Some(raw) => Cursor::decode(raw).map_err(|err| SearchError::invalid("cursor", err.to_string()))?,
            None => 0,
        };
        if offset > MAX_OFFSET {
            return Err(SearchError::invalid(
                "cursor",
                format!("results past the first {MAX_OFFSET} are not served; narrow the search"),
            ));
        }
        Ok((offset, limit.get() as usize))
    }

    /// A text search with filters, facets, sorting and paging; popular and fruitless queries are counted.
    pub async fn search(&self, params: SearchParams) -> Result<SearchPage, SearchError> {
        let q = params.q.clone().unwrap_or_default();
        query::check_length(&q)?;
        let synonyms = self.inner.synonyms.read().unwrap_or_else(|p| p.into_inner()).clone();
        let (fields, text) = (self.inner.fields, q.clone());
        let page = self.execute(&params, move |known| query::text_query(&fields, known, &text, &synonyms)).await?;
        self.count_query(&q, page.total).await;
        Ok(page)
    }

    /// A search from a speech transcript, matched by sound.
    pub async fn voice(&self, transcript: &str, params: SearchParams) -> Result<SearchPage, SearchError> {
        query::check_length(transcript)?;
        let (fields, transcript) = (self.inner.fields, transcript.to_string());
        self.execute(&params, move |known| query::voice_query(&fields, known, &transcript)).await
    }

    /// Builds the query against the current searcher (so it can leave out terms the index does
    /// not hold) and runs it with the filters, sort, page and facets of `params`.
    async fn execute<B>(&self, params: &SearchParams, build: B) -> Result<SearchPage, SearchError>
    where
        B: FnOnce(&query::Known<'_>) -> Result<Box<dyn tantivy::query::Query>, SearchError> + Send + 'static,
    {
        let categories = self.categories().await?;
        let filters = self.parse_filters(params, &categories.0)?;
        let (offset, limit) = Self::page(params)?;
        let search = self.clone();
        let (sort, facets, facet_parent) =
            (params.sort.unwrap_or_default(), params.facets.unwrap_or(true), filters.category.clone());
        tokio::task::spawn_blocking(move || {
            let searcher = search.inner.reader.searcher();
            let text = build(&query::Known::new(&searcher))?;
            let query = query::with_filters(&search.inner.fields, text, &filters);
            let plan = Plan { query: query.as_ref(), sort, offset, limit, facets, facet_parent };
            let inner = &search.inner;
            searching::run(&searcher, &inner.fields, &plan, &categories.0, &categories.1, &inner.doc_values)
        })
        .await
        .map_err(|_| SearchError::Io("the search task failed".into()))?
    }

    async fn count_query(&self, q: &str, total: usize) {
        let normalized: String =
            q.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().chars().take(50).collect();
        if normalized.is_empty() {
            return;
        }
        let key = if total == 0 { ZERO } else { HOT };
        // Counting is best effort: a kv hiccup must not fail the search itself.
        if let Err(err) = self.inner.kv.zincr(key, &normalized, 1.0).await {
            tracing::debug!(error = %err, "could not count a search query");
        }
    }

    /// Completions for the search box: popular past queries first, then words of titles and brands.
    pub async fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let prefix = prefix.trim();
        if prefix.is_empty() || prefix.chars().count() > 30 {
            return Err(SearchError::invalid("q", "type 1 to 30 characters"));
        }
        let mut out: Vec<Suggestion> = self
            .inner
            .kv
            .ztop(HOT, 200)
            .await?
            .into_iter()
            .filter(|(query, _)| suggest::phrase_matches(query, prefix))
            .take(limit.div_ceil(2))
            .map(|(text, _)| Suggestion { text, source: "query" })
            .collect();
        let words = self.inner.suggestions.read().unwrap_or_else(|p| p.into_inner()).clone();
        for (word, _) in words.complete(prefix, limit) {
            if out.len() >= limit {
                break;
            }
            if !out.iter().any(|s| s.text == word) {
                out.push(Suggestion { text: word, source: "word" });
            }
        }
        Ok(out)
    }

    /// The most searched queries (for the app's search page).
    pub async fn hot(&self, limit: usize) -> Result<Vec<QueryCount>, SearchError> {
        self.top(HOT, limit).await
    }

    /// Queries that found nothing, most frequent first (for admins: missing products or synonyms).
    pub async fn zero_results(&self, principal: &Principal, limit: usize) -> Result<Vec<QueryCount>, SearchError> {
        principal.require_admin()?;
        self.top(ZERO, limit).await
    }

    async fn top(&self, key: &str, limit: usize) -> Result<Vec<QueryCount>, SearchError> {
        Ok(self
            .inner
            .kv
            .ztop(key, limit)
            .await?
            .into_iter()
            .map(|(query, count)| QueryCount { query, count: count as u64 })
            .collect())
    }

    /// The synonym groups (admins).
    pub fn synonyms(&self, principal: &Principal) -> Result<Vec<Vec<String>>, SearchError> {
        principal.require_admin()?;
        Ok(self.inner.synonyms.read().unwrap_or_else(|p| p.into_inner()).groups().to_vec())
    }

    /// Selling shops within a radius of a point, nearest first.
    pub async fn shops_nearby(&self, query: crate::NearbyQuery) -> Result<Vec<crate::NearbyShop>, SearchError> {
        self.inner.db.run(move |conn| crate::nearby::shops_nearby(conn, &query)).await
    }

    /// Replaces the synonym groups; every gateway uses them from its next query (the others hear
    /// of it over kv pub/sub). No reindex is needed: synonyms widen queries, not the index.
    pub async fn replace_synonyms(
        &self,
        principal: &Principal,
        groups: Vec<Vec<String>>,
    ) -> Result<Vec<Vec<String>>, SearchError> {
        principal.require_admin()?;
        let saved =
            self.inner.db.run(move |conn| Synonyms::replace(conn, groups, chrono::Utc::now().naive_utc())).await?;
        let groups = saved.groups().to_vec();
        *self.inner.synonyms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(saved);
        if let Err(err) = self.inner.kv.publish(SYNONYMS_CHANGED, "changed").await {
            tracing::warn!(error = %err, "could not tell other gateways the synonyms changed");
        }
        Ok(groups)
    }

    async fn reload_synonyms(&self) -> Result<(), SearchError> {
        let loaded = self.inner.db.run(Synonyms::load).await?;
        *self.inner.synonyms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
