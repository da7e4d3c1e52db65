//! Words for a code that is not in force on the date of service, shared by diagnoses and lines.

use std::collections::VecDeque;

use chrono::NaiveDate;

use crate::codesets::{Code, CodeInfo, CodeSystem, CodeTables, Status};

use super::context::day;

/// Why `shown` cannot be used on `date`, or `None` when its status is `Valid`.
pub(super) fn not_valid_message(
    info: &CodeInfo<'_>,
    shown: &str,
    date: NaiveDate,
) -> Option<String> {
    let when = day(date);
    let validity = info.validity;
    Some(match info.status {
        Status::Valid => return None,
        Status::NotYetValid => match validity {
            Some(v) => format!(
                "{shown} is not valid yet on {when}: it takes effect on {}.",
                day(v.from)
            ),
            None => format!("{shown} is not valid yet on {when}."),
        },
        Status::Ended => match validity.and_then(|v| v.to) {
            Some(to) => format!(
                "{shown} is no longer valid on {when}: it was deleted after {}.",
                day(to)
            ),
            None => format!("{shown} is no longer valid on {when}."),
        },
        Status::NotInRelease => format!(
            "{shown} is not in the imported release {} that covers {when}.",
            info.version
        ),
        Status::OutsideBundledDates => format!(
            "{shown} cannot be checked for {when}: the code tables do not reach back to that date."
        ),
        Status::Unverified => format!("{shown} cannot be confirmed for {when}."),
    })
}

/// Up to `n` billable ICD-10-CM codes under `code` on `date`, nearest first (breadth first),
/// shown with the dot; a final `"..."` when there are more.
pub(super) fn billable_under(
    codes: &CodeTables,
    code: Code,
    date: NaiveDate,
    n: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue = VecDeque::from([code]);
    let mut visited = 0usize;
    while let Some(c) = queue.pop_front() {
        visited += 1;
        if visited > 2_000 {
            break;
        }
        let Ok(Some(info)) = codes.lookup(CodeSystem::Icd10cm, c.as_str(), date) else {
            continue;
        };
        for child in info.children() {
            if child.billable {
                if out.len() == n {
                    out.push("...".to_string());
                    return out;
                }
                out.push(child.code.display(CodeSystem::Icd10cm));
            } else {
                queue.push_back(child.code);
            }
        }
    }
    out
}
