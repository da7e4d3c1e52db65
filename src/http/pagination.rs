//! Cursor pagination: ids are UUIDv7 (time-ordered), so a page continues after the last id seen.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Checks `?limit=` (1..=500, default 50).
pub fn limit(requested: Option<i64>) -> DomainResult<i64> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(DomainError::invalid_field(
            "?limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Decodes an opaque cursor into the id to continue after.
pub fn decode_cursor(cursor: Option<&str>) -> DomainResult<Option<Uuid>> {
    let Some(c) = cursor else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .map(Some)
        .ok_or_else(|| {
            DomainError::invalid_field(
                "?cursor",
                "invalid_cursor",
                "the cursor is not one this API returned",
            )
        })
}

/// Builds a page from up to `limit + 1` rows fetched in id order: the extra row only says
/// that another page exists.
pub fn page<T, F: Fn(&T) -> Uuid>(mut rows: Vec<T>, limit: i64, id_of: F) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(id_of(r).as_bytes()))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_limits_are_checked() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let p = page(ids.clone(), 2, |u| *u);
        assert_eq!(p.items.len(), 2);
        let next = decode_cursor(p.next_cursor.as_deref()).unwrap();
        assert_eq!(next, Some(ids[1]));
        assert!(page(ids, 3, |u| *u).next_cursor.is_none());
        assert!(decode_cursor(Some("!!")).is_err());
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
        assert_eq!(limit(None).unwrap(), 50);
    }
}
