//! What a 271 says, as read: parties, rejections, members and their benefits.

use chrono::NaiveDate;
use serde::Serialize;

use super::super::codes::Coded;

/// A 271, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    /// ISA13 of the 271.
    pub interchange_control_number: String,
    /// BHT03: the reference of the 270 answered.
    pub reference: Option<String>,
    /// TRN02 of the `TRN*2` (our trace number echoed), when given.
    pub trace_number: Option<String>,
    /// 2100A: the payer answering.
    pub source: Option<Entity>,
    /// 2100B: the provider the answer is for.
    pub receiver: Option<Entity>,
    /// AAA at the payer (2100A) and provider (2100B) levels.
    pub rejections: Vec<Rejection>,
    /// 2000C/2100C.
    pub subscriber: Option<Member>,
    /// 2000D/2100D, when the patient is a dependent.
    pub dependent: Option<Member>,
    /// Deviations that did not stop the reading.
    pub warnings: Vec<String>,
}

/// An AAA segment: the request (or part of it) could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Where it was: `source`, `receiver`, `subscriber`, `dependent` or `benefit`.
    pub level: &'static str,
    /// AAA01: whether the request was valid (`Y`) although it could not be answered.
    pub valid_request: bool,
    /// AAA03: why.
    pub reason: Coded,
    /// AAA04: what to do next.
    pub follow_up: Coded,
}

/// A named party (NM1 with its N3/N4/PER/PRV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// NM101 entity identifier code with its meaning.
    pub role: Coded,
    /// NM102 `1` person, `2` organisation.
    pub person: bool,
    /// NM103 family or organisation name.
    pub name: String,
    /// NM104.
    pub first_name: Option<String>,
    /// NM105.
    pub middle_name: Option<String>,
    /// NM108 id qualifier (`PI`, `XX`, `MI`, ...).
    pub id_qualifier: Option<String>,
    /// NM109.
    pub id: Option<String>,
    /// N3/N4 as one line each, when given.
    pub address: Vec<String>,
    /// PER communication numbers (`TE:8005550100`, `UR:payer.example`), when given.
    pub contacts: Vec<String>,
}

/// A date or range (DTP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateInfo {
    /// DTP01 with its meaning (`346` plan begin, `291` plan, ...).
    pub qualifier: Coded,
    /// First (or only) day.
    pub from: NaiveDate,
    /// Last day of a range (`RD8`), when a range.
    pub to: Option<NaiveDate>,
}

/// A reference (REF): qualifier and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// REF01 (`6P` group number, `18` plan number, ...).
    pub qualifier: String,
    /// REF02.
    pub value: String,
    /// REF03 description, when given.
    pub description: Option<String>,
}

/// The subscriber or the dependent, as the payer knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// NM1 and address.
    pub entity: Entity,
    /// DMG02 birth date.
    pub birth_date: Option<NaiveDate>,
    /// DMG03 sex.
    pub sex: Option<String>,
    /// INS02 relationship to the subscriber, when given.
    pub relationship: Option<String>,
    /// INS03 `001` with INS04 `25`: the payer changed identifying data (name, id, birth date)
    /// from what the 270 sent.
    pub corrected: bool,
    /// REF segments of 2100C/D (group number `6P`, plan `18`, ...).
    pub references: Vec<Reference>,
    /// DTP segments of 2100C/D (plan and eligibility dates).
    pub dates: Vec<DateInfo>,
    /// AAA at this level (invalid member id, patient not found, ...).
    pub rejections: Vec<Rejection>,
    /// EB loops (2110C/D), in order.
    pub benefits: Vec<Benefit>,
}

/// One EB loop (2110C/D) with its REF/DTP/AAA/MSG/III and 2120 entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benefit {
    /// EB01: active, inactive, co-payment, deductible, ...
    pub info: Coded,
    /// EB02 coverage level (`IND`, `FAM`, `EMP`, ...), when given.
    pub coverage_level: Option<Coded>,
    /// EB03 service type codes (repetitions).
    pub service_types: Vec<Coded>,
    /// EB04 insurance type (`HM` HMO, `PR` PPO, `MB` Medicare Part B, ...).
    pub insurance_type: Option<String>,
    /// EB05 plan coverage description.
    pub plan: Option<String>,
    /// EB06 time period (`23` calendar year, `29` remaining, `27` visit, ...).
    pub time_period: Option<Coded>,
    /// EB07 amount in cents.
    pub amount_cents: Option<i64>,
    /// EB08 percent as basis points (0.2 -> 2000, i.e. 20%).
    pub percent_basis_points: Option<i64>,
    /// EB09 quantity qualifier (`VS` visits, `DY` days, ...).
    pub quantity_qualifier: Option<String>,
    /// EB10 quantity.
    pub quantity: Option<String>,
    /// EB11: prior authorization or certification required (`Y`), not (`N`), unknown (`U`).
    pub authorization_required: Option<bool>,
    /// EB12: in plan network (`Y`), out (`N`), both (`W`), unknown (`U`); None when absent.
    pub in_network: Option<String>,
    /// EB13 procedure (`HC:99213`), when the benefit is for one.
    pub procedure: Option<String>,
    /// REF of the 2110 loop.
    pub references: Vec<Reference>,
    /// DTP of the 2110 loop (benefit dates).
    pub dates: Vec<DateInfo>,
    /// AAA of the 2110 loop.
    pub rejections: Vec<Rejection>,
    /// MSG texts.
    pub messages: Vec<String>,
    /// III: place of service (`ZZ`) or nature of injury codes, as `qualifier:code`.
    pub additional: Vec<String>,
    /// 2120: benefit-related entities (primary care provider, other payer, ...).
    pub entities: Vec<Entity>,
}

impl Eligibility {
    /// The member the answer is about: the dependent when there is one, else the subscriber.
    pub fn patient(&self) -> Option<&Member> {
        self.dependent.as_ref().or(self.subscriber.as_ref())
    }

    /// Every rejection, at whatever level.
    pub fn all_rejections(&self) -> impl Iterator<Item = &Rejection> {
        let members = self.subscriber.iter().chain(self.dependent.iter());
        self.rejections.iter().chain(members.flat_map(|m| {
            m.rejections
                .iter()
                .chain(m.benefits.iter().flat_map(|b| b.rejections.iter()))
        }))
    }
}

impl Benefit {
    /// Whether EB03 names service type `code` (or is empty, i.e. applies to the plan).
    pub fn covers_service(&self, code: &str) -> bool {
        self.service_types.is_empty() || self.service_types.iter().any(|c| c.code == code)
    }
}
