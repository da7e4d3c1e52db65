//! Runs the scrubber over an encounter: builds its input from the document and the records it
//! refers to, and marks the findings an admin has overridden (matched by rule and path).

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::model::{EncounterDoc, FindingOverride};
use super::refs::Refs;
use crate::claims::service_history;
use crate::codesets::CodeTables;
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::error::DomainResult;
use crate::frequency::store as frequency_store;
use crate::payers::model::Payer;
use crate::providers::model::Provider;
use crate::scrub::eligibility;
use crate::scrub::eligibility::LatestCheck;
use crate::scrub::frequency::{frequency_findings, FrequencyLimit};
use crate::scrub::history::{self, BilledService};
use crate::scrub::{
    scrub, CoverageFacts, Finding, LineFacts, PatientFacts, ProviderFacts, ScrubInput, Severity,
};
use crate::specimens::store::RejectedSpecimen;

/// A finding with the override that silences it, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportedFinding {
    /// The scrubber's finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The admin's override (errors only): this error no longer blocks sign-off.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_info: Option<FindingOverride>,
}

/// The answer of `POST /v1/encounters/{id}/validate`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ValidationReport {
    /// Findings, errors first, each group in document order.
    pub findings: Vec<ReportedFinding>,
    /// Errors that block sign-off (not overridden).
    pub errors: i32,
    /// Warnings.
    pub warnings: i32,
    /// Errors an admin has overridden.
    pub overridden: i32,
}

impl ValidationReport {
    /// The findings that block sign-off.
    pub fn blocking(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.finding.severity == Severity::Error && f.override_info.is_none())
            .map(|f| &f.finding)
            .collect()
    }

    /// The 422 `blocking-findings` refusal of a step the blocking findings stop (sign-off, a
    /// claim): one field error per finding, the findings themselves, and `detail`'s sentence
    /// after the count ("3 scrubber error(s) …").
    pub fn refusal(&self, detail: &str) -> crate::error::DomainError {
        use crate::error::{DomainError, FieldError};
        let blocking = self.blocking();
        let errors = blocking
            .iter()
            .map(|f| FieldError::new(f.path.clone(), &f.rule, f.message.clone()))
            .collect();
        let mut e = DomainError::validation(errors).with_extension(
            "findings",
            serde_json::to_value(&blocking).unwrap_or_default(),
        );
        e.kind = "blocking-findings";
        e.detail = format!("{} scrubber error(s) {detail}", blocking.len());
        e
    }
}

fn provider(p: &Option<Provider>) -> Option<ProviderFacts> {
    p.as_ref().map(|p| ProviderFacts {
        npi: p.npi.clone(),
        tax_id: p.tax_id.clone(),
    })
}

/// The scrubber's view of an encounter.
pub fn input(doc: &EncounterDoc, refs: &Refs, codes: &CodeTables) -> ScrubInput {
    let h = &doc.header;
    let coverage = match (&refs.coverage, &refs.payer) {
        (Some(c), Some(p)) => Some(CoverageFacts {
            effective_from: c.effective_from,
            effective_to: c.effective_to,
            timely_filing_days: p.timely_filing_days,
        }),
        _ => None,
    };
    // MUE limits come from an imported table (none is bundled); per line, for its own date.
    let mue: Vec<Option<(i32, &str)>> = doc
        .lines
        .iter()
        .map(|l| codes.mue_limit(&l.code, l.date_of_service.unwrap_or(h.date_of_service)))
        .collect();
    ScrubInput {
        today: Utc::now().date_naive(),
        date_of_service: h.date_of_service,
        place_of_service: h.place_of_service.clone(),
        patient: PatientFacts {
            birth_date: refs.patient.birth_date,
            sex: refs.patient.sex.clone(),
        },
        diagnoses: doc.diagnoses.clone(),
        lines: doc
            .lines
            .iter()
            .map(|l| LineFacts {
                code: l.code.clone(),
                modifiers: l.modifiers.clone(),
                units: l.units,
                charge_cents: l.charge_cents,
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                date_of_service: l.date_of_service,
                place_of_service: l.place_of_service.clone(),
            })
            .collect(),
        rendering_provider: provider(&refs.rendering),
        billing_provider: provider(&refs.billing),
        referring_provider: provider(&refs.referring),
        coverage,
        mue_max_units: mue.iter().map(|m| m.map(|(units, _)| units)).collect(),
        mue_version: mue
            .iter()
            .flatten()
            .map(|(_, label)| label.to_string())
            .next(),
    }
}

/// `specimen.rejected`: a line held because the specimen it bills for was rejected.
fn held_line_findings(doc: &EncounterDoc, rejected: &[RejectedSpecimen]) -> Vec<Finding> {
    doc.lines.iter().enumerate().filter(|(_, l)| l.on_hold).filter_map(|(i, l)| {
        let sp = rejected
            .iter()
            .find(|s| Some(s.id.0) == l.specimen_id)?;
        let why = match (&sp.reject_reason, &sp.reject_note) {
            (Some(r), Some(n)) => format!("{r}: {n}"),
            (Some(r), None) => r.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => "no reason recorded".into(),
        };
        Some(Finding {
            rule: "specimen.rejected".into(),
            severity: Severity::Error,
            message: format!(
                "line {} ({}) is on hold: specimen {} was rejected ({why}); recollect it or remove the line",
                i + 1,
                l.code,
                sp.accession_number
            ),
            path: format!("/lines/{i}"),
            code_set_version: None,
            suggestion: None,
        })
    }).collect()
}

/// Loads what the history rules need (the patient's services on other active claims that
/// share a date and code with `doc`'s lines, for `claim.duplicate_service`; the payer's
/// frequency limits on its codes and the patient's services of those codes, for
/// `frequency.exceeded`) and the latest eligibility check, then scrubs.
pub fn run(
    conn: &mut AnyConnection,
    doc: &EncounterDoc,
    refs: &Refs,
    codes: &CodeTables,
) -> DomainResult<ValidationReport> {
    run_with(conn, doc, refs, codes, &mut Direct)
}

/// Where a scrub reads what its history and eligibility rules need: straight from the
/// database ([`Direct`], one encounter), or from what a claim batch read once for its chunk.
pub trait ScrubReads {
    /// The latest completed eligibility check of `coverage` on `date`.
    fn latest_check(
        &mut self,
        conn: &mut AnyConnection,
        coverage: CoverageId,
        date: NaiveDate,
    ) -> DomainResult<Option<LatestCheck>>;
    /// The active frequency limits on `codes` for claims billed to `payer`.
    fn limits(
        &mut self,
        conn: &mut AnyConnection,
        payer: &Payer,
        codes: &[String],
    ) -> DomainResult<Vec<FrequencyLimit>>;
    /// What [`service_history::history`] reads for these arguments.
    fn history(
        &mut self,
        conn: &mut AnyConnection,
        doc: &EncounterDoc,
        dates: &[NaiveDate],
        codes: &[String],
        limited: &[String],
    ) -> DomainResult<service_history::ScrubHistory>;
}

/// Reads for one scrub, straight from the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Direct;

impl ScrubReads for Direct {
    fn latest_check(
        &mut self,
        conn: &mut AnyConnection,
        coverage: CoverageId,
        date: NaiveDate,
    ) -> DomainResult<Option<LatestCheck>> {
        Ok(crate::eligibility::latest::for_scrub(conn, coverage, date)?)
    }

    fn limits(
        &mut self,
        conn: &mut AnyConnection,
        payer: &Payer,
        codes: &[String],
    ) -> DomainResult<Vec<FrequencyLimit>> {
        Ok(frequency_store::applicable(conn, payer, codes)?)
    }

    fn history(
        &mut self,
        conn: &mut AnyConnection,
        doc: &EncounterDoc,
        dates: &[NaiveDate],
        codes: &[String],
        limited: &[String],
    ) -> DomainResult<service_history::ScrubHistory> {
        let h = &doc.header;
        Ok(service_history::history(
            conn,
            h.patient_id,
            h.id,
            dates,
            codes,
            limited,
        )?)
    }
}

/// [`run`] reading through `reads` (a claim batch passes what it read for its chunk).
pub fn run_with(
    conn: &mut AnyConnection,
    doc: &EncounterDoc,
    refs: &Refs,
    codes: &CodeTables,
    reads: &mut dyn ScrubReads,
) -> DomainResult<ValidationReport> {
    let input = input(doc, refs, codes);
    let mut dates: Vec<NaiveDate> = input
        .lines
        .iter()
        .map(|l| l.date_of_service.unwrap_or(input.date_of_service))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let mut line_codes: Vec<String> = input
        .lines
        .iter()
        .map(|l| l.code.trim().to_ascii_uppercase())
        .collect();
    line_codes.sort_unstable();
    line_codes.dedup();
    // The eligibility rules need the latest check, loaded here like the claim history.
    let latest = match doc.header.coverage_id {
        Some(cv) => reads.latest_check(conn, cv, input.date_of_service)?,
        None => None,
    };
    let checked = eligibility::coverage_verification(&input, latest.as_ref());
    // The payer's frequency limits on these codes (self-pay visits have none), then the
    // patient's history for both history rules in one query.
    let limits = match &refs.payer {
        Some(payer) => reads.limits(conn, payer, &line_codes)?,
        None => Vec::new(),
    };
    let mut limited: Vec<String> = limits.iter().map(|l| l.code.clone()).collect();
    limited.sort_unstable();
    limited.dedup();
    let found = reads.history(conn, doc, &dates, &line_codes, &limited)?;
    let limited = (limits, found.limited);
    // Rejected specimens explain held lines only: none held, nothing to read.
    let rejected = if doc.lines.iter().any(|l| l.on_hold) {
        crate::specimens::store::rejected_for_encounter(conn, doc.header.id)?
    } else {
        Vec::new()
    };
    let loaded = History {
        billed: &found.on_dates,
        limited: &limited,
        rejected: &rejected,
    };
    Ok(report(doc, &input, &loaded, checked, codes))
}

/// What `run` loaded besides the encounter and its references.
struct History<'a> {
    /// Services of other claims on the lines' dates and codes.
    billed: &'a [BilledService],
    /// The payer's frequency limits and the services of those codes.
    limited: &'a (Vec<FrequencyLimit>, Vec<BilledService>),
    /// The encounter's rejected specimens (read only when a line is held).
    rejected: &'a [RejectedSpecimen],
}

/// Scrubs `doc` with the history loaded by `run` and marks its overridden errors.
fn report(
    doc: &EncounterDoc,
    input: &ScrubInput,
    loaded: &History<'_>,
    checked: Vec<Finding>,
    codes: &CodeTables,
) -> ValidationReport {
    let mut findings = scrub(input, codes);
    // Errors come first: put the history errors and held lines right after the scrubber's own.
    let at = findings
        .iter()
        .position(|f| f.severity != Severity::Error)
        .unwrap_or(findings.len());
    let mut extra = history::duplicate_services(input, loaded.billed);
    extra.extend(frequency_findings(
        input,
        &loaded.limited.0,
        &loaded.limited.1,
    ));
    extra.extend(held_line_findings(doc, loaded.rejected));
    extra.extend(checked);
    // These errors join the other errors, their warnings go first among the warnings.
    let (errors, warnings): (Vec<Finding>, Vec<Finding>) = extra
        .into_iter()
        .partition(|f| f.severity == Severity::Error);
    findings.splice(at..at, errors.into_iter().chain(warnings));
    let mut report = ValidationReport {
        findings: Vec::with_capacity(findings.len()),
        errors: 0,
        warnings: 0,
        overridden: 0,
    };
    for finding in findings {
        let override_info = match finding.severity {
            Severity::Warning => {
                report.warnings += 1;
                None
            }
            Severity::Error => {
                let o = doc
                    .overrides
                    .iter()
                    .find(|o| o.rule == finding.rule && o.path == finding.path)
                    .cloned();
                if o.is_some() {
                    report.overridden += 1;
                } else {
                    report.errors += 1;
                }
                o
            }
        };
        report.findings.push(ReportedFinding {
            finding,
            override_info,
        });
    }
    report
}
