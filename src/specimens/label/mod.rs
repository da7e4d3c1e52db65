//! Specimen labels: the accession number as a Code 128 barcode with the patient's name, birth
//! date, specimen type and collection time, as ZPL (thermal printers), SVG or PNG.

pub mod code128;
mod png;
mod svg;
mod zpl;

use crate::codesets::{CodeTables, RefTable};
use crate::error::{DomainError, DomainResult};
use crate::patients::model::Patient;
use crate::specimens::model::Specimen;

/// A label format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Zebra Programming Language for thermal printers (203 dpi, 2 x 1 inch).
    Zpl,
    /// SVG for a browser.
    Svg,
    /// PNG for a browser or an image printer.
    Png,
}

impl Format {
    /// Parses `?format=` (default ZPL).
    pub fn parse(raw: Option<&str>) -> Option<Format> {
        match raw.map(str::to_ascii_lowercase).as_deref() {
            None | Some("zpl") => Some(Format::Zpl),
            Some("svg") => Some(Format::Svg),
            Some("png") => Some(Format::Png),
            Some(_) => None,
        }
    }

    /// The response content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Zpl => "application/zpl; charset=utf-8",
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

/// What a label shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelData {
    /// Accession number (the barcode).
    pub accession: String,
    /// `LAST, FIRST M`.
    pub patient_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// HL7 0487 code and name, e.g. `SER Serum`.
    pub specimen_type: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub collected: String,
    /// True for stat specimens (printed prominently).
    pub stat: bool,
}

impl LabelData {
    /// The label of `sp` for `patient`.
    pub fn of(sp: &Specimen, patient: &Patient, codes: &CodeTables) -> LabelData {
        let mut name = format!("{}, {}", patient.last_name, patient.first_name);
        if let Some(m) = patient
            .middle_name
            .as_deref()
            .and_then(|m| m.chars().next())
        {
            name.push(' ');
            name.push(m);
        }
        let type_name = codes
            .reference(RefTable::SpecimenType, &sp.specimen_type)
            .map_or("", |e| e.name);
        LabelData {
            accession: sp.accession_number.clone(),
            patient_name: name.to_uppercase(),
            birth_date: patient.birth_date.to_string(),
            specimen_type: format!("{} {}", sp.specimen_type, type_name)
                .trim()
                .to_string(),
            collected: sp.collected_at.0.format("%Y-%m-%d %H:%M UTC").to_string(),
            stat: sp.priority == "stat",
        }
    }

    /// The text lines printed above the barcode.
    pub fn lines(&self) -> [String; 3] {
        [
            self.patient_name.clone(),
            format!("DOB {}  {}", self.birth_date, self.specimen_type),
            format!(
                "COLL {}{}",
                self.collected,
                if self.stat { "  STAT" } else { "" }
            ),
        ]
    }
}

/// Whether a label may print `c`: not a control character, and not an invisible format
/// character that reorders or hides text (bidi embeddings/overrides/isolates, marks,
/// zero-width characters), which could make a printed name or accession read differently.
pub fn printable(c: char) -> bool {
    !(c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{061C}' | '\u{FEFF}'))
}

/// Renders the label of `data` in `format`.
pub fn render(format: Format, data: &LabelData) -> DomainResult<Vec<u8>> {
    let (bars, modules) = code128::bars(&data.accession).ok_or_else(DomainError::internal)?;
    match format {
        Format::Zpl => Ok(zpl::render(data).into_bytes()),
        Format::Svg => Ok(svg::render(data, &bars, modules).into_bytes()),
        Format::Png => png::render(data, &bars, modules).map_err(|_| DomainError::internal()),
    }
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn bidi_and_control_characters_are_not_printed() {
        assert!(super::printable('A') && super::printable('é'));
        for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{7}', '\u{FEFF}'] {
            assert!(!super::printable(c), "{c:?}");
        }
        let d = super::LabelData {
            accession: "S26-000001".into(),
            patient_name: "LEE\u{202E}NNA, \u{200B}X".into(),
            birth_date: "1980-02-03".into(),
            specimen_type: "SER Serum".into(),
            collected: "2026-11-30 06:00 UTC".into(),
            stat: false,
        };
        for doc in [super::zpl::render(&d), super::svg::render(&d, &[], 1)] {
            assert!(!doc.contains(['\u{202E}', '\u{200B}']), "{doc}");
        }
    }
}
