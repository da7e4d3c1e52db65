//! Interchanges: the claims of one payer (and one submitter) written as one 837P, stored with
//! the control numbers taken for it, and marked sent once the adapter confirms.

use diesel::prelude::*;

use super::control;
use super::model::{ClaimId, ClaimRow, InterchangeId, JobId};
use super::queue::{self, Job};
use super::settings::SubmitterSettings;
use super::snapshot::{self, Snapshot};
use super::status::Status;
use super::{store, to_x12};
use crate::audit::{store as audit_store, AuditEntry};
use crate::db::schema_claims::{claims as cl, interchanges as ic, submission_jobs as sj};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::payers::model::PayerId;
use crate::x12;

/// The actor of the worker's history events.
pub const WORKER: &str = "system:worker";

/// Where an interchange is: built, handed to the clearinghouse, then answered by a 999.
///
/// Stored as its name in a TEXT column and serialised as the same name ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum InterchangeStatus {
    /// Stored, not yet confirmed by the adapter.
    Built,
    /// The adapter took it.
    Sent,
    /// The latest 999 accepted it.
    Accepted,
    /// The latest 999 rejected it.
    Rejected,
}

crate::text_enum!(InterchangeStatus {
    Built => "built",
    Sent => "sent",
    Accepted => "accepted",
    Rejected => "rejected",
});

/// A stored interchange, ready to (re)send.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ic)]
pub struct Interchange {
    /// Id (the idempotency key of the hand-off).
    pub id: InterchangeId,
    /// ISA06.
    pub sender: String,
    /// ISA13.
    pub isa_control: i64,
    /// `<id>.837`.
    pub file_name: String,
    /// The X12 text.
    pub content: String,
    /// built, sent, accepted or rejected.
    pub status: InterchangeStatus,
}

/// Why a batch could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// Claim `index` (in the jobs given) cannot be written: dead-letter it, build the rest.
    Claim(usize, String),
    /// Anything else (database, exhausted control numbers).
    Other(String),
}

impl From<diesel::result::Error> for BuildError {
    fn from(e: diesel::result::Error) -> Self {
        BuildError::Other(e.to_string())
    }
}

/// Finds an interchange.
pub fn find(conn: &mut AnyConnection, id: InterchangeId) -> QueryResult<Option<Interchange>> {
    ic::table
        .find(id)
        .select(Interchange::as_select())
        .first(conn)
        .optional()
}

fn claims_of(conn: &mut AnyConnection, ids: &[ClaimId]) -> QueryResult<Vec<ClaimRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(
            cl::table
                .filter(cl::id.eq_any(chunk))
                .select(ClaimRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// Builds and stores one interchange for `jobs` (all of `payer`, leased by this worker): takes
/// control numbers, writes the 837P (`line_breaks` after each segment but the last), stores
/// it and ties the jobs to it, in one transaction.
pub fn build(
    conn: &mut AnyConnection,
    cfg: &SubmitterSettings,
    line_breaks: bool,
    payer: PayerId,
    jobs: &[Job],
) -> Result<Interchange, BuildError> {
    let ids: Vec<ClaimId> = jobs.iter().map(|j| j.claim_id).collect();
    conn.write_transaction(|c| {
        let mut rows = claims_of(c, &ids)?;
        // Keep the jobs' order so an error's claim index names the job.
        let order = |id: &ClaimId| ids.iter().position(|x| x == id).unwrap_or(usize::MAX);
        rows.sort_by_key(|r| order(&r.id));
        let mut snaps = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let s: Snapshot = serde_json::from_str(&r.snapshot)
                .map_err(|e| BuildError::Claim(i, format!("unreadable snapshot: {e}")))?;
            let freq = snapshot::frequency(r.frequency, r.payer_claim_number.as_deref());
            snaps.push(to_x12::claim(&s, &r.patient_control_number, freq));
        }
        let controls = control::take(c, &cfg.sender_id)?.ok_or_else(|| {
            BuildError::Other(format!(
                "control numbers of sender {} are used up",
                cfg.sender_id
            ))
        })?;
        let number = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let id = InterchangeId::new();
        let now = Timestamp::now();
        let env = to_x12::envelope(cfg, number(controls.isa), now.0.naive_utc());
        let reference = format!("{}", controls.isa);
        let t = to_x12::transaction(cfg, number(controls.st), &reference, snaps);
        let mut env = env;
        env.group_control_number = number(controls.gs);
        let content =
            x12::write_837p(&env, &[t], x12::WriteOptions { line_breaks }).map_err(|e| match e
                .claim
            {
                Some(i) => BuildError::Claim(i, e.to_string()),
                None => BuildError::Other(e.to_string()),
            })?;
        let file_name = format!("{id}.837");
        diesel::insert_into(ic::table)
            .values((
                ic::id.eq(id),
                ic::sender.eq(&cfg.sender_id),
                ic::receiver.eq(&cfg.receiver_id),
                ic::payer_id.eq(payer),
                ic::isa_control.eq(controls.isa),
                ic::gs_control.eq(controls.gs),
                ic::st_control.eq(controls.st),
                ic::file_name.eq(&file_name),
                ic::content.eq(&content),
                ic::claim_count.eq(rows.len() as i32),
                ic::status.eq(InterchangeStatus::Built),
                ic::created_at.eq(now),
            ))
            .execute(c)?;
        let job_ids: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
        queue::assign(c, &job_ids, id)?;
        Ok(Interchange {
            id,
            sender: cfg.sender_id.clone(),
            isa_control: controls.isa,
            file_name,
            content,
            status: InterchangeStatus::Built,
        })
    })
}

/// Records that the adapter took interchange `id`: the interchange is sent, its jobs done,
/// its queued claims submitted (with history), once: a second completion (another worker
/// that re-sent it after a lease ran out) changes nothing. Returns the claims submitted.
pub fn complete(conn: &mut AnyConnection, id: InterchangeId) -> QueryResult<usize> {
    conn.write_transaction(|c| {
        let now = Timestamp::now();
        let first = diesel::update(
            ic::table
                .find(id)
                .filter(ic::status.eq(InterchangeStatus::Built)),
        )
        .set((ic::status.eq(InterchangeStatus::Sent), ic::sent_at.eq(now)))
        .execute(c)?;
        queue::complete(c, id)?;
        if first == 0 {
            return Ok(0);
        }
        let claim_ids: Vec<ClaimId> = sj::table
            .filter(sj::interchange_id.eq(id))
            .select(sj::claim_id)
            .load(c)?;
        let mut submitted: Vec<ClaimId> = Vec::with_capacity(claim_ids.len());
        for chunk in claim_ids.chunks(500) {
            submitted.extend(
                cl::table
                    .filter(cl::id.eq_any(chunk))
                    .filter(cl::status.eq(Status::Queued))
                    .select(cl::id)
                    .load::<ClaimId>(c)?,
            );
        }
        for chunk in submitted.chunks(500) {
            diesel::update(cl::table.filter(cl::id.eq_any(chunk)))
                .set((
                    cl::status.eq(Status::Submitted),
                    cl::submitted_at.eq(now),
                    cl::interchange_id.eq(id),
                    cl::version.eq(cl::version + 1),
                    cl::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        let reason = format!("sent in interchange {id}");
        let events: Vec<_> = submitted
            .iter()
            .map(|cid| {
                store::event(
                    *cid,
                    Some(Status::Queued),
                    Status::Submitted,
                    WORKER,
                    Some(reason.clone()),
                    &[],
                )
            })
            .collect();
        store::insert_events(c, &events)?;
        let entry = AuditEntry::system("submit", "interchange", Some(id.to_string()));
        audit_store::insert(c, &[entry])?;
        Ok(submitted.len())
    })
}
