//! Live code tables: every server polls the `codeset_version` row and, when an import bumped
//! it, builds the new tables aside and switches one pointer, so no request sees a half-built
//! table and no restart is needed.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::prelude::*;

use crate::codeset_api::imports::load_overlays;
use crate::codesets::CodeTables;
use crate::db::schema_operations::codeset_version as cv;
use crate::db::{AnyConnection, DbPool};
use crate::state::AppState;

/// The code tables a server answers from, replaceable while it runs.
pub struct LiveCodes {
    // Readers copy the reference out under a read lock held for a pointer's length; a reload
    // takes the write lock only to swap the pointer, after the new tables are complete.
    current: RwLock<&'static CodeTables>,
    version: AtomicI64,
}

impl LiveCodes {
    /// Starts from `tables`, built from the imports as of `version`.
    pub fn new(tables: &'static CodeTables, version: i64) -> LiveCodes {
        LiveCodes {
            current: RwLock::new(tables),
            version: AtomicI64::new(version),
        }
    }

    /// The tables in effect now. A request keeps using the tables it got, even if a reload
    /// happens meanwhile.
    pub fn get(&self) -> &'static CodeTables {
        *self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The import version the current tables were built from.
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    fn replace(&self, tables: &'static CodeTables, version: i64) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = tables;
        self.version.store(version, Ordering::Release);
    }
}

/// The import version in the database (0 before any import).
pub fn stored_version(conn: &mut AnyConnection) -> QueryResult<i64> {
    cv::table
        .select(cv::version)
        .first(conn)
        .optional()
        .map(|v| v.unwrap_or(0))
}

/// Marks a new import, in the importing transaction, so every server reloads.
pub fn bump_version(conn: &mut AnyConnection) -> QueryResult<usize> {
    diesel::update(cv::table)
        .set(cv::version.eq(cv::version + 1))
        .execute(conn)
}

/// Builds the bundled tables plus every import, and the version they reflect. The version is
/// read first: an import landing meanwhile makes the next poll load again, never skip it.
/// The tables are leaked: requests in flight may still hold the previous ones, and imports
/// are rare (a few a year), so each reload keeps one more copy until the next restart.
pub fn load(conn: &mut AnyConnection) -> Result<(&'static CodeTables, i64), String> {
    let started = Instant::now();
    let version =
        stored_version(conn).map_err(|e| format!("cannot read the code-table version: {e}"))?;
    let mut tables =
        CodeTables::load_embedded().map_err(|e| format!("cannot load the code tables: {e}"))?;
    let (overlays, mue) = load_overlays(conn)?;
    for overlay in overlays {
        tables.add_overlay(overlay);
    }
    for table in mue {
        tables.add_mue(table);
    }
    tracing::info!(
        version,
        millis = started.elapsed().as_millis() as u64,
        "code tables loaded"
    );
    Ok((Box::leak(Box::new(tables)), version))
}

/// Reloads the tables of `live` if the stored version moved; returns whether it did.
pub fn reload_if_changed(pool: &DbPool, live: &LiveCodes) -> Result<bool, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let stored = stored_version(&mut conn).map_err(|e| e.to_string())?;
    if stored == live.version() {
        return Ok(false);
    }
    let (tables, version) = load(&mut conn)?;
    live.replace(tables, version);
    tracing::info!(version, "code tables reloaded after an import");
    Ok(true)
}

/// Polls for new imports on a thread of its own until dropped.
pub struct ReloadHandle {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts polling every `every` (checked in short steps, so dropping the handle is quick).
pub fn spawn_poller(state: web::Data<AppState>, every: Duration) -> std::io::Result<ReloadHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("codeset-reload".into())
        .spawn(move || {
            let step = Duration::from_millis(100).min(every);
            let mut next = Instant::now() + every;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(step);
                if Instant::now() < next {
                    continue;
                }
                next = Instant::now() + every;
                if let Err(e) = reload_if_changed(&state.pool, &state.code_tables) {
                    tracing::error!(error = %e, "code-table reload failed; keeping the current tables");
                }
            }
        })?;
    Ok(ReloadHandle {
        stop,
        thread: Some(thread),
    })
}

impl Drop for ReloadHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
