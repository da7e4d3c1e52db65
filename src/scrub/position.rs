//! Where a finding points in the encounter document: ordered like the document, printed as a
//! JSON pointer.

use std::fmt::Write;

/// A field of a service line, in the order the line's fields are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum LineField {
    /// `code`.
    Code,
    /// `modifiers` (with an item index).
    Modifiers,
    /// `units`.
    Units,
    /// `charge_cents`.
    Charge,
    /// `diagnosis_pointers` (with an item index).
    Pointers,
    /// `date_of_service`.
    Date,
    /// `place_of_service`.
    PlaceOfService,
}

impl LineField {
    fn name(self) -> &'static str {
        match self {
            LineField::Code => "code",
            LineField::Modifiers => "modifiers",
            LineField::Units => "units",
            LineField::Charge => "charge_cents",
            LineField::Pointers => "diagnosis_pointers",
            LineField::Date => "date_of_service",
            LineField::PlaceOfService => "place_of_service",
        }
    }
}

/// A place in the encounter document. The derived order is document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Pos {
    /// `/date_of_service`.
    DateOfService,
    /// `/place_of_service`.
    PlaceOfService,
    /// `/rendering_provider_id`.
    RenderingProvider,
    /// `/billing_provider_id`.
    BillingProvider,
    /// `/referring_provider_id`.
    ReferringProvider,
    /// `/coverage_id`.
    Coverage,
    /// `/diagnoses` (the list) or `/diagnoses/{i}`.
    Diagnoses(Option<usize>),
    /// `/lines` (the list).
    Lines,
    /// `/lines/{i}/{field}` or `/lines/{i}/{field}/{k}`.
    Line(usize, LineField, Option<usize>),
}

impl Pos {
    /// A line field without an item index.
    pub fn line(i: usize, field: LineField) -> Pos {
        Pos::Line(i, field, None)
    }

    /// One item of a line's list field (a modifier, a pointer).
    pub fn line_item(i: usize, field: LineField, k: usize) -> Pos {
        Pos::Line(i, field, Some(k))
    }

    /// One diagnosis.
    pub fn diagnosis(i: usize) -> Pos {
        Pos::Diagnoses(Some(i))
    }

    /// The JSON pointer (RFC 6901) of this place.
    pub fn path(self) -> String {
        let mut s = String::with_capacity(32);
        let top = match self {
            Pos::DateOfService => "/date_of_service",
            Pos::PlaceOfService => "/place_of_service",
            Pos::RenderingProvider => "/rendering_provider_id",
            Pos::BillingProvider => "/billing_provider_id",
            Pos::ReferringProvider => "/referring_provider_id",
            Pos::Coverage => "/coverage_id",
            Pos::Diagnoses(_) => "/diagnoses",
            Pos::Lines | Pos::Line(..) => "/lines",
        };
        s.push_str(top);
        match self {
            Pos::Diagnoses(Some(i)) => {
                let _ = write!(s, "/{i}");
            }
            Pos::Line(i, field, item) => {
                let _ = write!(s, "/{i}");
                s.push('/');
                s.push_str(field.name());
                if let Some(k) = item {
                    let _ = write!(s, "/{k}");
                }
            }
            _ => {}
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_order() {
        assert_eq!(Pos::DateOfService.path(), "/date_of_service");
        assert_eq!(Pos::diagnosis(0).path(), "/diagnoses/0");
        assert_eq!(Pos::Diagnoses(None).path(), "/diagnoses");
        assert_eq!(
            Pos::line_item(2, LineField::Modifiers, 1).path(),
            "/lines/2/modifiers/1"
        );
        assert_eq!(Pos::line(0, LineField::Units).path(), "/lines/0/units");
        assert!(Pos::Diagnoses(None) < Pos::diagnosis(0));
        assert!(Pos::diagnosis(11) < Pos::Lines);
        assert!(Pos::line(2, LineField::Charge) < Pos::line(10, LineField::Code));
        assert!(Pos::line(1, LineField::Code) < Pos::line_item(1, LineField::Modifiers, 0));
    }
}
