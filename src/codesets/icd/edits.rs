//! Medicare Code Editor edits on a diagnosis for a period: age groups, sex, and flags.

use serde::Serialize;

use super::mce::{Bounds, GROUPS};

/// Administrative sex of the patient, as the scrubber knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sex {
    /// Female.
    #[serde(rename = "F")]
    Female,
    /// Male.
    #[serde(rename = "M")]
    Male,
    /// Unknown or not stated: never triggers a sex edit.
    #[serde(rename = "U")]
    Unknown,
}

/// An inclusive age range in whole years that a code is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AgeRange {
    /// The MCE group name (`newborn`, `pediatric`, `maternity`, `adult`) or `hcpcs`.
    pub group: &'static str,
    /// Youngest age allowed.
    pub min: u8,
    /// Oldest age allowed.
    pub max: u8,
}

/// Bit flags for the MCE edit names; the order here is the bit order.
pub(crate) const EDIT_NAMES: [&str; 19] = [
    "newborn",
    "pediatric",
    "maternity",
    "adult",
    "male",
    "female",
    "manifestation",
    "unacceptable",
    "ecodepdx",
    "unspecified",
    "qadm",
    "wrngproc",
    "diabtypeI",
    "delout",
    "ncov6",
    "ncov7",
    "clintrial",
    "ncov_z302",
    "reqsdx",
];

const MALE: u32 = 1 << 4;
const FEMALE: u32 = 1 << 5;
const MANIFESTATION: u32 = 1 << 6;
const UNACCEPTABLE: u32 = 1 << 7;
const EXTERNAL_CAUSE: u32 = 1 << 8;
const UNSPECIFIED: u32 = 1 << 9;

/// Parse a comma list of edit names into bits; `Err(name)` for a name we do not know.
pub(crate) fn parse_edits(list: &str) -> Result<u32, String> {
    let mut bits = 0u32;
    for name in list.split(',').filter(|s| !s.is_empty()) {
        let i = EDIT_NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| name.to_string())?;
        bits |= 1 << i;
    }
    Ok(bits)
}

/// The edits that apply to a code on a date of service (ICD-10-CM from the MCE; HCPCS ages from the I/OCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Edits {
    pub(crate) bits: u32,
    pub(crate) hcpcs_age: Option<(u8, u8)>,
    /// The MCE age-group bounds in force on the date (they changed: see `mce.rs`).
    pub(crate) ages: Bounds,
}

/// What a patient's age and sex say about one code on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PatientCheck {
    /// The age range the patient is outside of, if any.
    pub age_conflict: Option<AgeRange>,
    /// The only sex the code is meant for, when the patient is of the other sex.
    pub sex_conflict: Option<Sex>,
}

impl Edits {
    pub(crate) fn from_bits(bits: u32, ages: Bounds) -> Edits {
        Edits {
            bits,
            hcpcs_age: None,
            ages,
        }
    }

    /// Age ranges the code is limited to (MCE age groups, or the HCPCS range).
    pub fn age_ranges(&self) -> impl Iterator<Item = AgeRange> + '_ {
        let hcpcs = self.hcpcs_age.map(|(min, max)| AgeRange {
            group: "hcpcs",
            min,
            max,
        });
        GROUPS
            .iter()
            .zip(self.ages)
            .enumerate()
            .filter(move |(i, _)| self.bits & (1 << i) != 0)
            .map(|(_, (group, (min, max)))| AgeRange { group, min, max })
            .chain(hcpcs)
    }

    /// The sex the code is limited to (the MCE sex edits end on 2024-09-30).
    pub fn sex(&self) -> Option<Sex> {
        match (self.bits & MALE != 0, self.bits & FEMALE != 0) {
            (true, false) => Some(Sex::Male),
            (false, true) => Some(Sex::Female),
            _ => None,
        }
    }

    /// Manifestation code: may not be listed first ("code first" the underlying condition).
    pub fn manifestation(&self) -> bool {
        self.bits & MANIFESTATION != 0
    }

    /// Unacceptable as principal (first-listed) diagnosis.
    pub fn unacceptable_principal(&self) -> bool {
        self.bits & UNACCEPTABLE != 0
    }

    /// External-cause code (V00-Y99): may not be the principal diagnosis.
    pub fn external_cause(&self) -> bool {
        self.bits & EXTERNAL_CAUSE != 0
    }

    /// The MCE marks the code as unspecified (a more specific code usually exists).
    pub fn unspecified(&self) -> bool {
        self.bits & UNSPECIFIED != 0
    }

    /// Names of all MCE edits on the code for this period, as the MCE spells them.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        EDIT_NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.bits & (1 << i) != 0)
            .map(|(_, n)| *n)
    }

    /// Check a patient's age in whole years and sex against these edits.
    pub fn check_patient(&self, age_years: u8, sex: Sex) -> PatientCheck {
        let age_conflict = self
            .age_ranges()
            .find(|r| age_years < r.min || age_years > r.max);
        let sex_conflict = match (self.sex(), sex) {
            (Some(Sex::Female), Sex::Male) => Some(Sex::Female),
            (Some(Sex::Male), Sex::Female) => Some(Sex::Male),
            _ => None,
        };
        PatientCheck {
            age_conflict,
            sex_conflict,
        }
    }
}

impl Serialize for Edits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Edits", 6)?;
        st.serialize_field("age_ranges", &self.age_ranges().collect::<Vec<_>>())?;
        st.serialize_field("sex", &self.sex())?;
        st.serialize_field("manifestation", &self.manifestation())?;
        st.serialize_field("unacceptable_principal", &self.unacceptable_principal())?;
        st.serialize_field("external_cause", &self.external_cause())?;
        st.serialize_field("mce_edits", &self.names().collect::<Vec<_>>())?;
        st.end()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let fy2020 = [(0, 0), (0, 17), (9, 64), (15, 124)];
        let e = Edits::from_bits(parse_edits("female,maternity").unwrap(), fy2020);
        assert_eq!(e.sex(), Some(Sex::Female));
        assert_eq!(e.age_ranges().next().map(|r| (r.min, r.max)), Some((9, 64)));
        let mut fy2019 = fy2020;
        fy2019[2] = (12, 55);
        let old = Edits::from_bits(parse_edits("maternity").unwrap(), fy2019);
        assert!(old.check_patient(10, Sex::Female).age_conflict.is_some());
        assert!(e.check_patient(10, Sex::Female).age_conflict.is_none());
        let c = e.check_patient(30, Sex::Male);
        assert_eq!(c.sex_conflict, Some(Sex::Female));
        assert!(c.age_conflict.is_none());
        assert!(e.check_patient(70, Sex::Female).age_conflict.is_some());
        assert!(parse_edits("nonsense").is_err());
    }
}
