//! Webhook endpoint changes (admin): the field rules, create, update, secret rotation and
//! delete, each audited in the caller's transaction. The routes hand them the caller and a
//! connection; nothing here knows about HTTP.

use super::model::{Attempt, AttemptId, EndpointId, EndpointPatch, EndpointRow, NewEndpoint};
use super::{signing, ssrf, store};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};

const RESOURCE: &str = "webhook_endpoint";

/// How long the secret before a rotation stays valid.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

fn check_url(url: &str, policy: ssrf::UrlPolicy, errors: &mut Vec<FieldError>) {
    match ssrf::parse(url.trim(), policy) {
        Err(e) => errors.push(FieldError::new("/url", "invalid_url", e)),
        // A host that resolves now must resolve to allowed addresses (checked again before
        // every delivery); one that does not resolve yet is accepted.
        Ok(t) => {
            if let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(t.host.as_str(), t.port))
            {
                if let Some(why) = addrs
                    .map(|a| ssrf::refuse_ip(a.ip(), policy))
                    .find_map(|w| w)
                {
                    errors.push(FieldError::new(
                        "/url",
                        "forbidden_address",
                        format!("the host resolves to {why}, which is not allowed"),
                    ));
                }
            }
        }
    }
}

fn check_types(types: &[String], errors: &mut Vec<FieldError>) {
    if types.is_empty() || types.len() > 50 {
        errors.push(FieldError::new(
            "/event_types",
            "invalid_length",
            "give 1 to 50 event types (or [\"*\"])",
        ));
    }
    for (i, t) in types.iter().enumerate() {
        if !crate::events::types::valid_pattern(t) {
            errors.push(FieldError::new(
                format!("/event_types/{i}"),
                "invalid_value",
                format!("{t} is not an event type or a resource.* pattern"),
            ));
        }
    }
}

fn check_description(d: Option<&str>, errors: &mut Vec<FieldError>) {
    if d.is_some_and(|d| d.chars().count() > 500) {
        errors.push(FieldError::new(
            "/description",
            "too_long",
            "at most 500 characters",
        ));
    } else if d.is_some_and(|d| d.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "/description",
            "invalid_text",
            "one line of text: no control characters",
        ));
    }
}

fn types_json(types: &[String]) -> DomainResult<String> {
    serde_json::to_string(types).map_err(|_| DomainError::internal())
}

fn audit(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    action: &str,
    id: EndpointId,
) -> DomainResult<()> {
    let entry = AuditEntry::success(ctx, action, RESOURCE, Some(id.to_string()));
    audit_store::insert(c, &[entry])?;
    Ok(())
}

/// Checks a new endpoint's fields. Run before the write transaction: the URL's host is
/// resolved, which must not hold SQLite's write lock.
pub fn validate_new(input: &NewEndpoint, policy: ssrf::UrlPolicy) -> DomainResult<()> {
    let mut errors = Vec::new();
    check_url(&input.url, policy, &mut errors);
    check_types(&input.event_types, &mut errors);
    check_description(input.description.as_deref(), &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::validation(errors))
    }
}

/// Checks the fields a patch sets (run before the write transaction, as [`validate_new`]).
pub fn validate_patch(p: &EndpointPatch, policy: ssrf::UrlPolicy) -> DomainResult<()> {
    let mut errors = Vec::new();
    if let Some(u) = &p.url {
        check_url(u, policy, &mut errors);
    }
    if let Some(t) = &p.event_types {
        check_types(t, &mut errors);
    }
    check_description(p.description.as_deref(), &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::validation(errors))
    }
}

/// Stores a new endpoint (fields checked by [`validate_new`]) with a fresh signing secret.
pub fn create(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    input: NewEndpoint,
) -> DomainResult<EndpointRow> {
    let now = Timestamp::now();
    let row = EndpointRow {
        id: EndpointId::new(),
        url: input.url.trim().to_string(),
        event_types: types_json(&input.event_types)?,
        description: input.description,
        secret: signing::new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        enabled: true,
        disabled_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    store::insert(c, &row)?;
    audit(c, ctx, "create", row.id)?;
    Ok(row)
}

/// Loads endpoint `id`, checks `expected`, applies `edit` and saves it as the next version.
fn change(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: EndpointId,
    expected: Option<i32>,
    action: &str,
    edit: impl FnOnce(&mut EndpointRow) -> DomainResult<()>,
) -> DomainResult<EndpointRow> {
    let cur = store::find(c, id)?.ok_or_else(|| DomainError::not_found("webhook endpoint"))?;
    expect_version(cur.version, expected)?;
    let mut next = cur.clone();
    edit(&mut next)?;
    crate::db::versioned::save_next(
        c,
        cur.version,
        &mut next,
        |c, n| Ok(store::save(c, n)?),
        |c| Ok(store::find(c, id)?.map(|r| r.version)),
    )?;
    audit(c, ctx, action, id)?;
    Ok(next)
}

/// Applies a patch (checked by [`validate_patch`]) to endpoint `id` at version `expected`.
pub fn update(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: EndpointId,
    expected: Option<i32>,
    p: EndpointPatch,
) -> DomainResult<EndpointRow> {
    change(c, ctx, id, expected, "update", |row| {
        if let Some(u) = p.url {
            row.url = u.trim().to_string();
        }
        if let Some(t) = &p.event_types {
            row.event_types = types_json(t)?;
        }
        if p.description.is_some() {
            row.description = p.description;
        }
        match p.enabled {
            Some(true) => {
                row.enabled = true;
                row.disabled_reason = None;
            }
            Some(false) if row.enabled => {
                row.enabled = false;
                row.disabled_reason = Some("disabled by an administrator".into());
            }
            _ => {}
        }
        Ok(())
    })
}

/// Gives endpoint `id` a new signing secret; the old one stays valid for
/// [`ROTATION_OVERLAP_HOURS`].
pub fn rotate_secret(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: EndpointId,
    expected: Option<i32>,
) -> DomainResult<EndpointRow> {
    change(c, ctx, id, expected, "rotate_secret", |row| {
        let until = Timestamp::now().0 + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
        row.previous_secret = Some(std::mem::replace(&mut row.secret, signing::new_secret()));
        row.previous_secret_expires_at = Some(Timestamp(until));
        Ok(())
    })
}

/// Deletes endpoint `id` with its pending deliveries and attempt records.
pub fn delete(c: &mut AnyConnection, ctx: &RequestCtx, id: EndpointId) -> DomainResult<()> {
    if !store::delete(c, id)? {
        return Err(DomainError::not_found("webhook endpoint"));
    }
    audit(c, ctx, "delete", id)
}

/// Attempts made to endpoint `id`, newest first, before `before`, at most `limit`.
pub fn attempts(
    c: &mut AnyConnection,
    id: EndpointId,
    before: Option<AttemptId>,
    limit: i64,
) -> DomainResult<Vec<Attempt>> {
    if store::find(c, id)?.is_none() {
        return Err(DomainError::not_found("webhook endpoint"));
    }
    Ok(store::attempts(c, id, before, limit)?)
}
