//! Fee schedules: the charge of a code (and optional modifier) for one payer, or the office
//! default, over effective dates. A line sent without a charge is priced from them.

pub mod model;
pub mod routes;
pub mod store;

use chrono::NaiveDate;

use super::model::Line;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::payers::model::PayerId;

/// Prices the lines at `unpriced` from the fee schedules of `payer` (then the default) on each
/// line's date; a line no schedule covers is a 422 asking for a charge.
pub fn price_lines(
    conn: &mut AnyConnection,
    payer: Option<PayerId>,
    visit_date: NaiveDate,
    lines: &mut [Line],
    unpriced: &[usize],
) -> DomainResult<()> {
    let mut errors = Vec::new();
    for &i in unpriced {
        let Some(line) = lines.get_mut(i) else {
            continue;
        };
        let date = line.date_of_service.unwrap_or(visit_date);
        match store::lookup(conn, payer, &line.code, &line.modifiers, date)? {
            Some(cents) => {
                line.charge_cents = cents.saturating_mul(i64::from(line.units));
                line.charge_source = "fee_schedule".into();
            }
            None => errors.push(FieldError::new(
                format!("/lines/{i}/charge_cents"),
                "no_fee_schedule",
                format!(
                    "no fee schedule prices {} on {date}; send charge_cents",
                    line.code
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::validation(errors))
    }
}
