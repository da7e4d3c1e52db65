//! Making a statement: the patient's claims that insurance is done with (no payer or next-payer
//! balance left on any line) and that leave the patient something, with each line's money
//! summed from the ledger by kind, the unapplied credit, the aging and the practice.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{
    Aging, BillTo, LineMoney, Practice, Statement, StatementId, StatementLine, Visit,
};
use super::payments::credit;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::snapshot::{SnapAddress, SnapProvider, Snapshot};
use crate::db::schema::providers as pr;
use crate::db::schema_claims::claims as cl;
use crate::db::schema_ledger::ledger_entries as le;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::ledger::model::{Buckets, EntryRow, Kind};
use crate::patients::model::{Patient, PatientId};

/// How one entry counts on a statement line (the buckets are summed separately).
fn money_of(e: &EntryRow) -> LineMoney {
    let a = e.amount_cents;
    let mut m = LineMoney::default();
    match Kind::parse(&e.kind) {
        Some(Kind::Charge) => m.charge_cents = a,
        Some(Kind::Payment) => m.insurance_paid_cents = a,
        Some(Kind::Adjustment) | Some(Kind::WriteOff) => m.adjusted_cents = a,
        Some(Kind::PatientPayment) => m.patient_paid_cents = a,
        Some(Kind::Refund) => m.patient_paid_cents = -a,
        _ => {}
    }
    m
}

/// One claim's lines: money and open buckets per line number.
struct ClaimLines {
    claim: ClaimRow,
    lines: BTreeMap<i32, (LineMoney, Buckets)>,
}

impl ClaimLines {
    fn open(&self) -> Buckets {
        let mut b = Buckets::default();
        for (_, open) in self.lines.values() {
            b.add(open);
        }
        b
    }

    /// Insurance is done: nothing is owed by a payer on any line.
    fn insurance_done(&self) -> bool {
        let o = self.open();
        o.payer_cents == 0 && o.next_payer_cents == 0
    }
}

/// Every claim of `patient` with its ledger, by claim id.
fn claims_of(conn: &mut AnyConnection, patient: PatientId) -> QueryResult<Vec<ClaimLines>> {
    let rows: Vec<(EntryRow, ClaimRow)> = le::table
        .inner_join(cl::table)
        .filter(cl::patient_id.eq(patient))
        .select((EntryRow::as_select(), ClaimRow::as_select()))
        .load(conn)?;
    let mut by_claim: BTreeMap<ClaimId, ClaimLines> = BTreeMap::new();
    for (e, c) in rows {
        let cl = by_claim.entry(c.id).or_insert_with(|| ClaimLines {
            claim: c,
            lines: BTreeMap::new(),
        });
        let (m, b) = cl.lines.entry(e.line_number).or_default();
        m.add(&money_of(&e));
        b.add(&e.effect());
    }
    Ok(by_claim.into_values().collect())
}

fn address_lines(a: Option<&SnapAddress>) -> Vec<String> {
    a.map(|a| {
        let mut v = vec![a.line1.clone()];
        v.extend(a.line2.clone());
        v.push(format!("{}, {} {}", a.city, a.state, zip(&a.postal_code)));
        v
    })
    .unwrap_or_default()
}

/// A ZIP as printed: a 9-digit ZIP+4 gets its dash back.
fn zip(z: &str) -> String {
    if z.len() == 9 && z.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &z[..5], &z[5..])
    } else {
        z.to_string()
    }
}

fn practice_of(conn: &mut AnyConnection, p: &SnapProvider) -> QueryResult<Practice> {
    let phone: Option<Option<String>> = pr::table
        .filter(pr::npi.eq(&p.npi))
        .select(pr::phone)
        .first(conn)
        .optional()?;
    let name = match &p.first_name {
        Some(first) if p.entity_type == "person" => format!("{first} {}", p.last_name),
        _ => p.last_name.clone(),
    };
    Ok(Practice {
        name,
        address_lines: address_lines(p.address.as_ref()),
        phone: phone.flatten(),
        npi: p.npi.clone(),
    })
}

fn bill_to(pt: &Patient) -> BillTo {
    let name = match &pt.middle_name {
        Some(m) => format!("{} {} {}", pt.first_name, m, pt.last_name),
        None => format!("{} {}", pt.first_name, pt.last_name),
    };
    let mut address_lines: Vec<String> = pt.address_line1.iter().cloned().collect();
    address_lines.extend(pt.address_line2.clone());
    if let (Some(c), Some(s), Some(z)) = (&pt.city, &pt.state, &pt.postal_code) {
        address_lines.push(format!("{c}, {s} {z}"));
    }
    BillTo {
        name,
        address_lines,
        account_number: pt.mrn.clone(),
    }
}

/// A visit from a claim that insurance is done with.
fn visit_of(c: &ClaimLines, snap: &Snapshot) -> Visit {
    let mut totals = LineMoney::default();
    let lines = c
        .lines
        .iter()
        .map(|(n, (money, open))| {
            let mut money = money.clone();
            money.patient_owes_cents = open.patient_cents;
            totals.add(&money);
            let snap_line = usize::try_from(n - 1).ok().and_then(|i| snap.lines.get(i));
            StatementLine {
                line_number: *n,
                date_of_service: snap_line.map_or(c.claim.date_of_service, |l| l.date_of_service),
                code: snap_line.map(|l| l.code.clone()).unwrap_or_default(),
                modifiers: snap_line.map(|l| l.modifiers.clone()).unwrap_or_default(),
                units: snap_line.map_or(1, |l| l.units),
                money,
            }
        })
        .collect();
    Visit {
        claim_id: c.claim.id,
        date_of_service: c.claim.date_of_service,
        payer_name: snap.payer.name.clone(),
        lines,
        totals,
    }
}

/// Builds the statement of `patient` as of `today` (nothing is stored). Errors with 404 when
/// there is no such patient.
pub fn make(
    conn: &mut AnyConnection,
    patient: PatientId,
    today: NaiveDate,
    due_in_days: i64,
    by: &str,
) -> DomainResult<Statement> {
    let pt = crate::patients::store::find(conn, patient)?
        .ok_or_else(|| DomainError::not_found("patient"))?;
    let mut visits = Vec::new();
    let mut awaiting = 0;
    let mut practice_from: Option<(NaiveDate, SnapProvider)> = None;
    for c in claims_of(conn, patient)? {
        if !c.insurance_done() {
            let o = c.open();
            awaiting += o.payer_cents + o.next_payer_cents;
            continue;
        }
        if c.lines.values().all(|(_, b)| b.patient_cents == 0) {
            continue;
        }
        let snap: Snapshot =
            serde_json::from_str(&c.claim.snapshot).map_err(|_| DomainError::internal())?;
        if practice_from
            .as_ref()
            .is_none_or(|(d, _)| *d <= c.claim.date_of_service)
        {
            practice_from = Some((c.claim.date_of_service, snap.billing_provider.clone()));
        }
        visits.push(visit_of(&c, &snap));
    }
    visits.sort_by_key(|v| (v.date_of_service, v.claim_id));
    let mut totals = LineMoney::default();
    let mut aging = Aging::default();
    for v in &visits {
        totals.add(&v.totals);
        aging.add(
            (today - v.date_of_service).num_days(),
            v.totals.patient_owes_cents,
        );
    }
    let practice = match practice_from {
        Some((_, p)) => practice_of(conn, &p)?,
        None => Practice {
            name: String::new(),
            address_lines: Vec::new(),
            phone: None,
            npi: String::new(),
        },
    };
    let unapplied = credit(conn, patient)?.unapplied_cents;
    Ok(Statement {
        id: StatementId::new(),
        patient_id: patient,
        statement_date: today,
        due_date: today + chrono::Duration::days(due_in_days),
        practice,
        bill_to: bill_to(&pt),
        amount_due_cents: (totals.patient_owes_cents - unapplied).max(0),
        visits,
        totals,
        unapplied_credit_cents: unapplied,
        awaiting_insurance_cents: awaiting,
        aging,
        created_at: Timestamp::now(),
        created_by: by.to_string(),
    })
}

/// Patients with any patient balance on the ledger (candidates for a statement run).
pub fn patients_with_patient_balance(conn: &mut AnyConnection) -> QueryResult<Vec<PatientId>> {
    le::table
        .inner_join(cl::table)
        .filter(le::patient_cents.ne(0))
        .select(cl::patient_id)
        .distinct()
        .load(conn)
}
