//! What a claim build reads besides the encounter (its references, the payer's frequency
//! limits, the patient's claim history), read once per chunk of a batch: three statements for
//! the references, one per distinct payer for the limits and one for the history, however
//! many claims, and one for the coverages' latest eligibility checks. Each item then takes its
//! own share in memory, exactly what the single-row queries would have answered, plus the
//! service lines of the claims the batch planned before it.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::service_history::{self, ChunkService, ScrubHistory};
use crate::coverages::model::CoverageId;
use crate::db::AnyConnection;
use crate::encounters::model::{Encounter, EncounterDoc};
use crate::encounters::refs::{self, Loaded, Refs};
use crate::encounters::scrubbing::{Direct, ScrubReads};
use crate::error::DomainResult;
use crate::frequency::store as frequency_store;
use crate::payers::model::{Payer, PayerId};
use crate::scrub::eligibility::LatestCheck;
use crate::scrub::frequency::FrequencyLimit;

/// Where a claim build reads its references and the scrub's history.
pub trait BuildReads {
    /// [`refs::check`] of `h` (the encounter as stored is `before`).
    fn refs(
        &mut self,
        conn: &mut AnyConnection,
        before: &Encounter,
        h: &mut Encounter,
    ) -> DomainResult<Refs>;
    /// The scrub's reads.
    fn scrub(&mut self) -> &mut dyn ScrubReads;
}

/// Reads for one claim (a replacement), straight from the database.
#[derive(Debug, Default)]
pub struct DirectReads(Direct);

impl BuildReads for DirectReads {
    fn refs(
        &mut self,
        conn: &mut AnyConnection,
        before: &Encounter,
        h: &mut Encounter,
    ) -> DomainResult<Refs> {
        refs::check(conn, Some(before), h)
    }

    fn scrub(&mut self) -> &mut dyn ScrubReads {
        &mut self.0
    }
}

/// What a chunk of a claim batch read once, and the lines of the claims it planned so far.
#[derive(Debug, Default)]
pub struct ChunkReads {
    loaded: Loaded,
    /// Each payer's limits on any code of the chunk, in the order the query answers.
    limits: HashMap<PayerId, Vec<FrequencyLimit>>,
    /// The stored services any encounter of the chunk may need.
    history: Vec<ChunkService>,
    /// The service lines of the claims planned earlier in the batch.
    pub pending: Vec<ChunkService>,
    /// The latest completed eligibility check of each coverage of the chunk, by date.
    checks: HashMap<(CoverageId, NaiveDate), LatestCheck>,
}

impl ChunkReads {
    /// Reads for the encounters `docs` (at most 500) and the coverages `more` chosen for them.
    pub fn load(
        conn: &mut AnyConnection,
        docs: &[&EncounterDoc],
        more: &[CoverageId],
    ) -> DomainResult<Self> {
        let loaded = Loaded::load(conn, docs.iter().map(|d| &d.header), more)?;
        let mut codes: Vec<String> = Vec::new();
        let mut dates: Vec<NaiveDate> = Vec::new();
        let mut patients = Vec::new();
        for d in docs {
            patients.push(d.header.patient_id);
            for l in &d.lines {
                codes.push(l.code.trim().to_ascii_uppercase());
                dates.push(l.date_of_service.unwrap_or(d.header.date_of_service));
            }
        }
        codes.sort_unstable();
        codes.dedup();
        dates.sort_unstable();
        dates.dedup();
        patients.sort_unstable();
        patients.dedup();
        let mut limits = HashMap::new();
        for payer in loaded.payers() {
            limits.insert(payer.id, frequency_store::applicable(conn, payer, &codes)?);
        }
        let mut limited: Vec<String> = limits.values().flatten().map(|l| l.code.clone()).collect();
        limited.sort_unstable();
        limited.dedup();
        let history = service_history::history_many(conn, &patients, &dates, &codes, &limited)?;
        let mut coverages: Vec<CoverageId> = docs
            .iter()
            .filter_map(|d| d.header.coverage_id)
            .chain(more.iter().copied())
            .collect();
        coverages.sort_unstable();
        coverages.dedup();
        // The scrubber asks for the check of the encounter's own date of service.
        let mut visits: Vec<NaiveDate> = docs.iter().map(|d| d.header.date_of_service).collect();
        visits.sort_unstable();
        visits.dedup();
        let checks = crate::eligibility::latest::for_scrub_many(conn, &coverages, &visits)?;
        Ok(ChunkReads {
            loaded,
            limits,
            history,
            pending: Vec::new(),
            checks,
        })
    }
}

impl BuildReads for ChunkReads {
    fn refs(
        &mut self,
        _conn: &mut AnyConnection,
        before: &Encounter,
        h: &mut Encounter,
    ) -> DomainResult<Refs> {
        refs::check_loaded(&self.loaded, Some(before), h)
    }

    fn scrub(&mut self) -> &mut dyn ScrubReads {
        self
    }
}

impl ScrubReads for ChunkReads {
    fn latest_check(
        &mut self,
        _conn: &mut AnyConnection,
        coverage: CoverageId,
        date: NaiveDate,
    ) -> DomainResult<Option<LatestCheck>> {
        Ok(self.checks.get(&(coverage, date)).cloned())
    }

    fn limits(
        &mut self,
        conn: &mut AnyConnection,
        payer: &Payer,
        codes: &[String],
    ) -> DomainResult<Vec<FrequencyLimit>> {
        match self.limits.get(&payer.id) {
            Some(all) => Ok(all
                .iter()
                .filter(|l| codes.contains(&l.code))
                .cloned()
                .collect()),
            None => Direct.limits(conn, payer, codes),
        }
    }

    fn history(
        &mut self,
        _conn: &mut AnyConnection,
        doc: &EncounterDoc,
        dates: &[NaiveDate],
        codes: &[String],
        limited: &[String],
    ) -> DomainResult<ScrubHistory> {
        let (patient, id) = (doc.header.patient_id, doc.header.id);
        let mut found =
            service_history::history_of(&self.history, patient, id, dates, codes, limited);
        service_history::merge_pending(
            &mut found,
            &self.pending,
            patient,
            id,
            (dates, codes, limited),
        );
        Ok(found)
    }
}
