//! The index on disk: opened, checked, and created (or recreated) when missing or unreadable.
//! Each commit carries the outbox position it reflects, so a restart resumes where it stopped.

use crate::SearchError;
use crate::analysis::{PINYIN, ZH, ZH_WEIGHTED, pinyin_analyzer, weighted_zh_analyzer, zh_analyzer};
use crate::doc_values::DocValues;
use crate::schema::{self, Fields};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use tantivy::{Index, IndexReader, ReloadPolicy, Warmer};

/// Bumped whenever the schema or analysis changes: an index of another version is rebuilt.
pub const FORMAT: u32 = 5;

/// What each commit records.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommitPoint {
    pub format: u32,
    /// The outbox position the index reflects.
    pub position: i64,
}

pub struct Opened {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Per-segment values for ranking and facets, kept current by the reader on every reload.
    pub doc_values: Arc<DocValues>,
    /// Where the index stands, or `None` when it is new (or was unusable) and must be built.
    pub committed: Option<CommitPoint>,
}

fn register(index: &Index) {
    index.tokenizers().register(ZH, zh_analyzer());
    index.tokenizers().register(PINYIN, pinyin_analyzer());
    index.tokenizers().register(ZH_WEIGHTED, weighted_zh_analyzer());
}

/// Opens the index in `dir`, or creates an empty one — when there is none, when it cannot be read,
/// or when it was built by another format or with another schema (the schema check catches a
/// development build that changed fields without bumping [`FORMAT`]). A broken index never stops the gateway: it is rebuilt
/// from the database.
pub fn open_or_create(dir: &Path) -> Result<Opened, SearchError> {
    let (schema, fields) = schema::build();
    match try_open(dir) {
        Ok(Some((index, committed))) if committed.format == FORMAT && index.schema() == schema => {
            register(&index);
            let (reader, doc_values) = reader(&index)?;
            return Ok(Opened { index, reader, fields, doc_values, committed: Some(committed) });
        }
        Ok(Some(_)) => tracing::warn!(dir = %dir.display(), "the search index has another format; rebuilding it"),
        Ok(None) => tracing::info!(dir = %dir.display(), "no search index yet; building it"),
        Err(err) => tracing::warn!(dir = %dir.display(), error = %err, "the search index is unreadable; rebuilding it"),
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|err| SearchError::Io(format!("cannot clear {}: {err}", dir.display())))?;
    }
    std::fs::create_dir_all(dir).map_err(|err| SearchError::Io(format!("cannot create {}: {err}", dir.display())))?;
    let index = Index::create_in_dir(dir, schema)?;
    register(&index);
    let (reader, doc_values) = reader(&index)?;
    Ok(Opened { index, reader, fields, doc_values, committed: None })
}

fn try_open(dir: &Path) -> Result<Option<(Index, CommitPoint)>, SearchError> {
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let index = Index::open_in_dir(dir)?;
    let metas = index.load_metas()?;
    let committed: CommitPoint =
        metas.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
    // Touch every segment so a damaged file is found now rather than at the first query.
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let searcher = reader.searcher();
    for segment in searcher.segment_readers() {
        segment.get_store_reader(1).map_err(|err| SearchError::Io(err.to_string()))?;
    }
    Ok(Some((index, committed)))
}

fn reader(index: &Index) -> Result<(IndexReader, Arc<DocValues>), SearchError> {
    let doc_values = Arc::new(DocValues::default());
    let warmer: Arc<dyn Warmer> = doc_values.clone();
    // Reloaded by the indexer after each commit, so "committed" means "searchable".
    let reader =
        index.reader_builder().reload_policy(ReloadPolicy::Manual).warmers(vec![Arc::downgrade(&warmer)]).try_into()?;
    Ok((reader, doc_values))
}
