//! Recent search answers, kept as the response bytes. Type-ahead sends the same few queries
//! over and over (every coder types "diab…"), and some readings are costly (typo and
//! abbreviation readings of each word: "diab mel typ 2" takes about 200 µs in process, ten
//! times the rest of the request), so the second identical search is answered from memory.
//!
//! An answer depends only on the tables, the system, the query text, the date and the limit,
//! all of which are in the key; the tables by address, so a reload (`ops::code_reload`, which
//! swaps in new tables and never frees the old ones) starts from empty entries by itself. The
//! date by its class (`CodeTables::date_class`): every date between two release or row dates of
//! the tables gets the same answer, so coders searching for different dates of service of the
//! same quarter share entries.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use actix_web::web::Bytes;
use chrono::NaiveDate;

use crate::codesets::{CodeSystem, CodeTables, DateClass};

/// Most answers kept (a few KB each) unless set otherwise; when full the cache starts over.
pub const DEFAULT_ENTRIES: usize = 2048;

/// What an answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchKey {
    tables: usize,
    system: CodeSystem,
    date: DateClass,
    limit: usize,
    query: Box<str>,
}

impl SearchKey {
    /// The key of a search of `tables`.
    pub fn new(
        tables: &'static CodeTables,
        system: CodeSystem,
        date: NaiveDate,
        limit: usize,
        query: &str,
    ) -> Self {
        SearchKey {
            tables: std::ptr::from_ref(tables) as usize,
            system,
            date: tables.date_class(date),
            limit,
            query: query.into(),
        }
    }
}

/// Serialised search answers by key.
#[derive(Debug)]
pub struct SearchCache {
    entries: Mutex<HashMap<SearchKey, Bytes>>,
    /// Most entries (0: nothing is kept).
    max: usize,
}

impl Default for SearchCache {
    fn default() -> Self {
        SearchCache::new(DEFAULT_ENTRIES)
    }
}

impl SearchCache {
    /// A cache of at most `max` answers (0: none kept).
    pub fn new(max: usize) -> Self {
        SearchCache {
            entries: Mutex::default(),
            max,
        }
    }

    /// The stored answer (a cheap reference-counted copy).
    pub fn get(&self, key: &SearchKey) -> Option<Bytes> {
        let map = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key).cloned()
    }

    /// Number of answers kept.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True if no answer is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores an answer.
    pub fn put(&self, key: SearchKey, body: Bytes) {
        if self.max == 0 {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.max {
            map.clear();
        }
        map.insert(key, body);
    }
}
