//! The one owner of the index writer: a thread that builds the index from the database when it is
//! new, then follows the catalog outbox — woken at once by catalog change notices, and polling
//! anyway — committing with the outbox position after every batch.
//!
//! On PostgreSQL an outbox id becomes visible at commit, so a lower id can appear after a higher
//! one. The follower therefore re-reads a window of [`LOOKBACK`] ids behind its position and skips
//! those it has already applied; applying a product twice is harmless (it is replaced).

use crate::SearchError;
use crate::documents::{self, ActiveShops, Categories, ProductRow};
use crate::index::{CommitPoint, FORMAT};
use crate::schema::Fields;
use bazaar_core::ids::{EventId, ShopId};
use bazaar_db::{Database, outbox};
use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::Duration;
use tantivy::{Index, IndexReader, IndexWriter, Term};

const LOOKBACK: i64 = 256;
const BATCH: i64 = 1_000;
const POLL: Duration = Duration::from_millis(500);
/// The writer's memory budget, shared by its indexing threads (one per core, at most four).
const WRITER_MEMORY: usize = 128 * 1024 * 1024;

/// Progress of a rebuild: (done, total).
pub type Progress = Box<dyn Fn(u64, u64) + Send>;

pub enum Command {
    /// Something changed in the catalog: follow the outbox now.
    Nudge,
    /// Rebuild everything from the database; the answer is the number of products indexed.
    Rebuild {
        progress: Option<Progress>,
        done: Sender<Result<u64, String>>,
    },
    Stop,
}

pub struct Indexer {
    reader: IndexReader,
    fields: Fields,
    writer: IndexWriter,
    db: Database,
    position: i64,
    applied: BTreeSet<i64>,
    /// Called after each commit (the suggestion list refreshes from the new terms).
    on_commit: Box<dyn Fn() + Send>,
}

impl Indexer {
    pub fn new(
        index: Index,
        reader: IndexReader,
        fields: Fields,
        db: Database,
        committed: Option<CommitPoint>,
        on_commit: Box<dyn Fn() + Send>,
    ) -> Result<Indexer, SearchError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        let writer = index.writer_with_num_threads(threads, WRITER_MEMORY)?;
        Ok(Indexer {
            reader,
            fields,
            writer,
            db,
            position: committed.map_or(0, |c| c.position),
            applied: BTreeSet::new(),
            on_commit,
        })
    }

    /// Builds the index when `needs_build`, then serves commands until told to stop.
    pub fn run(mut self, needs_build: bool, commands: Receiver<Command>) {
        if needs_build {
            match self.rebuild(None) {
                Ok(count) => tracing::info!(count, "built the search index from the database"),
                Err(err) => {
                    tracing::error!(error = %err, "could not build the search index; retrying as changes arrive")
                }
            }
        }
        loop {
            match commands.recv_timeout(POLL) {
                Ok(Command::Nudge) | Err(RecvTimeoutError::Timeout) => {
                    if let Err(err) = self.follow() {
                        tracing::warn!(error = %err, "search indexer could not follow the outbox; retrying");
                    }
                }
                Ok(Command::Rebuild { progress, done }) => {
                    let _ = done.send(self.rebuild(progress).map_err(|err| err.to_string()));
                }
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.writer.wait_merging_threads();
    }

    /// Applies every outbox event not applied yet. Returns how many events were applied.
    pub fn follow(&mut self) -> Result<usize, SearchError> {
        let mut applied = 0;
        loop {
            let mut conn = self.db.get()?;
            let low = (self.position - LOOKBACK).max(0);
            let events = outbox::read_after(&mut conn, EventId(low), BATCH)?;
            let fresh: Vec<_> = events.iter().filter(|e| !self.applied.contains(&e.id)).collect();
            if fresh.is_empty() {
                return Ok(applied);
            }
            let mut products: Vec<i64> = fresh.iter().filter(|e| e.topic == "product").map(|e| e.entity_id).collect();
            let shops: Vec<ShopId> = fresh.iter().filter(|e| e.topic == "shop").map(|e| ShopId(e.entity_id)).collect();
            if !shops.is_empty() {
                products.extend(documents::products_of_shops(&mut conn, &shops)?);
            }
            products.sort_unstable();
            products.dedup();
            let categories = Categories::load(&mut conn)?;
            for chunk in products.chunks(documents::SELECT_BATCH as usize) {
                for id in chunk {
                    self.writer.delete_term(Term::from_field_u64(self.fields.id, *id as u64));
                }
                for (row, shop) in documents::searchable(&mut conn, chunk)? {
                    self.writer.add_document(documents::document(&row, &shop, &self.fields, &categories))?;
                }
            }
            drop(conn);
            for event in &fresh {
                self.applied.insert(event.id);
                self.position = self.position.max(event.id);
            }
            applied += fresh.len();
            let floor = self.position - LOOKBACK;
            self.applied = self.applied.split_off(&floor);
            self.commit()?;
            if (events.len() as i64) < BATCH {
                return Ok(applied);
            }
        }
    }

    /// Replaces the whole index with what the database holds now.
    pub fn rebuild(&mut self, progress: Option<Progress>) -> Result<u64, SearchError> {
        let mut conn = self.db.get()?;
        // Read first: changes made during the scan are then replayed from the outbox.
        let start = outbox::latest(&mut conn)?.get();
        let total = documents::count_searchable(&mut conn)? as u64;
        let categories = Categories::load(&mut conn)?;
        let shops = ActiveShops::load(&mut conn)?;
        drop(conn);
        self.writer.delete_all_documents()?;
        let mut done = 0_u64;
        // The database is read on a thread of its own, a batch or two ahead, while this one builds
        // documents for the writer's threads; on one thread, reading and building took turns and
        // the writer's threads waited for both.
        let (batches_out, batches) = std::sync::mpsc::sync_channel(2);
        let db = self.db.clone();
        std::thread::scope(|scope| -> Result<(), SearchError> {
            scope.spawn(move || read_batches(&db, &batches_out));
            for batch in batches {
                for row in batch? {
                    // A product of a shop that is not active is not searchable.
                    let Some(shop) = shops.get(row.shop_id) else { continue };
                    self.writer.add_document(documents::document(&row, shop, &self.fields, &categories))?;
                    done += 1;
                }
                if let Some(progress) = &progress {
                    progress(done, total);
                }
            }
            Ok(())
        })?;
        self.position = start;
        self.applied.clear();
        self.commit()?;
        // One segment after a rebuild: queries then pay per-segment costs (term lookups, facet
        // label mapping) once instead of once per segment the writer's threads produced.
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
            self.reader.reload()?;
        }
        Ok(done)
    }

    fn commit(&mut self) -> Result<(), SearchError> {
        let point = CommitPoint { format: FORMAT, position: self.position };
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&point).unwrap_or_default());
        prepared.commit()?;
        self.reader.reload()?;
        (self.on_commit)();
        Ok(())
    }
}

/// Sends every active product, batch by batch, until the end or until the receiver is gone (the
/// rebuild failed); an error is sent on and ends the reading.
fn read_batches(db: &Database, out: &SyncSender<Result<Vec<ProductRow>, SearchError>>) {
    if let Err(err) = send_batches(db, out) {
        let _ = out.send(Err(err));
    }
}

fn send_batches(db: &Database, out: &SyncSender<Result<Vec<ProductRow>, SearchError>>) -> Result<(), SearchError> {
    let mut conn = db.get()?;
    let mut after = 0;
    loop {
        let (rows, next) = documents::active_in_batch_after(&mut conn, after)?;
        // A closed channel means the rebuild stopped: nothing is left to read for.
        if out.send(Ok(rows)).is_err() {
            return Ok(());
        }
        match next {
            Some(next) => after = next,
            None => return Ok(()),
        }
    }
}
