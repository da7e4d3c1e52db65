//! A/R aging: open balances by payer or patient in 0-30, 31-60, 61-90, 91-120 and over-120-day
//! buckets, counted from the date of service or of submission to `as_of`. SQL sums the ledger
//! per (key, day); the buckets are filled here, so the totals are exactly the ledger's sums.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use serde::Serialize;

use crate::db::types::{PortableTimestamp, PortableUuid, Timestamp};
use crate::db::AnyConnection;

/// The five age buckets and their total, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgeBuckets {
    /// 0 to 30 days.
    pub days_0_30: i64,
    /// 31 to 60 days.
    pub days_31_60: i64,
    /// 61 to 90 days.
    pub days_61_90: i64,
    /// 91 to 120 days.
    pub days_91_120: i64,
    /// Over 120 days.
    pub over_120: i64,
    /// The sum of the five.
    pub total: i64,
}

impl AgeBuckets {
    /// Adds `cents` aged `days`.
    pub fn add(&mut self, days: i64, cents: i64) {
        let slot = match days {
            ..=30 => &mut self.days_0_30,
            31..=60 => &mut self.days_31_60,
            61..=90 => &mut self.days_61_90,
            91..=120 => &mut self.days_91_120,
            _ => &mut self.over_120,
        };
        *slot += cents;
        self.total += cents;
    }

    fn merge(&mut self, o: &AgeBuckets) {
        self.days_0_30 += o.days_0_30;
        self.days_31_60 += o.days_31_60;
        self.days_61_90 += o.days_61_90;
        self.days_91_120 += o.days_91_120;
        self.over_120 += o.over_120;
        self.total += o.total;
    }

    /// The values in column order (for CSV).
    pub fn columns(&self) -> [i64; 6] {
        [
            self.days_0_30,
            self.days_31_60,
            self.days_61_90,
            self.days_91_120,
            self.over_120,
            self.total,
        ]
    }
}

/// One payer's or patient's open balances by who owes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgingRow {
    /// The payer or patient id (absent on the totals row).
    pub id: Option<uuid::Uuid>,
    /// Owed by the claim's payer.
    pub payer: AgeBuckets,
    /// Owed by the patient.
    pub patient: AgeBuckets,
    /// Owed by the next payer (forwarded claims).
    pub next_payer: AgeBuckets,
}

/// The aging report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgingReport {
    /// The day balances are aged to (entries made after it are left out).
    pub as_of: NaiveDate,
    /// `payer` or `patient`.
    pub group_by: String,
    /// `service` or `submission`.
    pub from: String,
    /// One row per payer or patient with an open balance.
    pub rows: Vec<AgingRow>,
    /// Sums over every row.
    pub totals: AgingRow,
}

/// What to group and age by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgingQuery {
    /// Age to this day.
    pub as_of: NaiveDate,
    /// Group by patient (else by payer).
    pub by_patient: bool,
    /// Age from submission (else from the date of service).
    pub from_submission: bool,
}

crate::typed_id!(
    /// A payer or patient id as the aging query returns it.
    GroupKey
);

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = PortableUuid)]
    key: GroupKey,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    payer: i64,
    #[diesel(sql_type = BigInt)]
    patient: i64,
    #[diesel(sql_type = BigInt)]
    next_payer: i64,
}

fn sql(q: &AgingQuery, postgres: bool) -> String {
    let key = if q.by_patient {
        "patient_id"
    } else {
        "payer_id"
    };
    // A claim never submitted ages from when it was built.
    let day = match (q.from_submission, postgres) {
        (false, _) => "c.date_of_service".to_string(),
        (true, false) => "substr(COALESCE(c.submitted_at, c.created_at), 1, 10)".to_string(),
        (true, true) => {
            "CAST(COALESCE(c.submitted_at, c.created_at) AT TIME ZONE 'UTC' AS date)".to_string()
        }
    };
    let (p1, p2) = if postgres { ("$1", "$2") } else { ("?", "?") };
    if postgres {
        // PostgreSQL hashes the join and the 200-odd groups quickly; summing per claim first
        // made it slower there (34,000 numeric groups spilled to disk at the default
        // work_mem), so it keeps the direct form.
        return format!(
            "SELECT c.{key} AS key, {day} AS day, \
             CAST(SUM(e.payer_cents) AS bigint) AS payer, \
             CAST(SUM(e.patient_cents) AS bigint) AS patient, \
             CAST(SUM(e.next_payer_cents) AS bigint) AS next_payer \
             FROM ledger_entries e JOIN claims c ON c.id = e.claim_id \
             WHERE e.created_at < {p1} AND c.date_of_service <= {p2} \
             GROUP BY c.{key}, {day}"
        );
    }
    // SQLite: sum per claim first, then look each claim up once (not once per entry). With the
    // covering indexes ledger_entries_aging and claims_aging it reads the ledger in claim order
    // from the index alone (migration 2026-12-01-000801, docs/performance.md).
    format!(
        "SELECT c.{key} AS key, {day} AS day, \
         CAST(SUM(e.payer) AS bigint) AS payer, \
         CAST(SUM(e.patient) AS bigint) AS patient, \
         CAST(SUM(e.next_payer) AS bigint) AS next_payer \
         FROM (SELECT claim_id, SUM(payer_cents) AS payer, SUM(patient_cents) AS patient, \
               SUM(next_payer_cents) AS next_payer \
               FROM ledger_entries WHERE created_at < {p1} GROUP BY claim_id) e \
         JOIN claims c ON c.id = e.claim_id \
         WHERE c.date_of_service <= {p2} \
         GROUP BY c.{key}, {day}"
    )
}

/// Runs the aging report.
pub fn run(conn: &mut AnyConnection, q: &AgingQuery) -> QueryResult<AgingReport> {
    let next_day = q.as_of.succ_opt().unwrap_or(q.as_of);
    let cutoff = Timestamp(next_day.and_time(chrono::NaiveTime::MIN).and_utc());
    let sums: Vec<Sum> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql(q, false))
            .bind::<PortableTimestamp, _>(cutoff)
            .bind::<Date, _>(q.as_of)
            .load(c)?,
        AnyConnection::Postgres(c) => diesel::sql_query(sql(q, true))
            .bind::<PortableTimestamp, _>(cutoff)
            .bind::<Date, _>(q.as_of)
            .load(c)?,
    };
    let mut rows: std::collections::BTreeMap<uuid::Uuid, AgingRow> = Default::default();
    for s in sums {
        if s.payer == 0 && s.patient == 0 && s.next_payer == 0 {
            continue;
        }
        let days = (q.as_of - s.day).num_days();
        let r = rows.entry(s.key.0).or_insert_with(|| AgingRow {
            id: Some(s.key.0),
            ..AgingRow::default()
        });
        r.payer.add(days, s.payer);
        r.patient.add(days, s.patient);
        r.next_payer.add(days, s.next_payer);
    }
    let mut totals = AgingRow::default();
    for r in rows.values() {
        totals.payer.merge(&r.payer);
        totals.patient.merge(&r.patient);
        totals.next_payer.merge(&r.next_payer);
    }
    Ok(AgingReport {
        as_of: q.as_of,
        group_by: if q.by_patient { "patient" } else { "payer" }.into(),
        from: if q.from_submission {
            "submission"
        } else {
            "service"
        }
        .into(),
        rows: rows.into_values().collect(),
        totals,
    })
}

/// The report as CSV: one line per payer or patient and owner, then the totals.
pub fn csv(r: &AgingReport) -> String {
    let mut out = format!(
        "{},owes,days_0_30,days_31_60,days_61_90,days_91_120,over_120,total\n",
        r.group_by
    );
    let rows = r.rows.iter().chain(std::iter::once(&r.totals));
    for row in rows {
        let id = row
            .id
            .map_or_else(|| "total".to_string(), |u| u.to_string());
        for (owner, b) in [
            ("payer", &row.payer),
            ("patient", &row.patient),
            ("next_payer", &row.next_payer),
        ] {
            let cols: Vec<String> = b.columns().iter().map(i64::to_string).collect();
            out.push_str(&format!("{id},{owner},{}\n", cols.join(",")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_at_the_boundaries() {
        let mut b = AgeBuckets::default();
        for (d, c) in [
            (0, 1),
            (30, 2),
            (31, 4),
            (60, 8),
            (61, 16),
            (90, 32),
            (91, 64),
            (120, 128),
            (121, 256),
        ] {
            b.add(d, c);
        }
        assert_eq!(b.columns(), [3, 12, 48, 192, 256, 511]);
    }
}
