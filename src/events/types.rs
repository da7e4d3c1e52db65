//! The event types. A new capability adds its constants here (and to [`ALL`]) and calls
//! [`super::record`] in its write transaction; see docs/events.md.

/// An event type: its name (`claim.paid`) and the kind of resource it is about (`claim`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The name receivers see, `<resource>.<what happened>`.
    pub name: &'static str,
    /// The resource kind whose id and version the event carries.
    pub resource: &'static str,
}

macro_rules! event_types {
    ($($konst:ident = $name:literal on $resource:literal;)*) => {
        $(
            #[doc = concat!("`", $name, "`")]
            pub const $konst: EventType = EventType { name: $name, resource: $resource };
        )*
        /// Every event type, for subscriptions and the feed's `types` filter.
        pub const ALL: &[EventType] = &[$($konst),*];
    };
}

event_types! {
    PATIENT_CREATED = "patient.created" on "patient";
    PATIENT_UPDATED = "patient.updated" on "patient";
    PATIENT_DEACTIVATED = "patient.deactivated" on "patient";
    COVERAGE_CREATED = "coverage.created" on "coverage";
    COVERAGE_UPDATED = "coverage.updated" on "coverage";
    COVERAGE_DEACTIVATED = "coverage.deactivated" on "coverage";
    ENCOUNTER_CREATED = "encounter.created" on "encounter";
    ENCOUNTER_SIGNED_OFF = "encounter.signed_off" on "encounter";
    ENCOUNTER_VOIDED = "encounter.voided" on "encounter";
    CLAIM_CREATED = "claim.created" on "claim";
    CLAIM_QUEUED = "claim.queued" on "claim";
    CLAIM_SUBMITTED = "claim.submitted" on "claim";
    CLAIM_ACCEPTED = "claim.accepted" on "claim";
    CLAIM_REJECTED = "claim.rejected" on "claim";
    CLAIM_SUPERSEDED = "claim.superseded" on "claim";
    CLAIM_PAID = "claim.paid" on "claim";
    CLAIM_PARTIALLY_PAID = "claim.partially_paid" on "claim";
    CLAIM_DENIED = "claim.denied" on "claim";
    CLAIM_FORWARDED = "claim.forwarded" on "claim";
    CLAIM_REVERSED = "claim.reversed" on "claim";
    SPECIMEN_ACCESSIONED = "specimen.accessioned" on "specimen";
    SPECIMEN_RECEIVED = "specimen.received" on "specimen";
    SPECIMEN_REJECTED = "specimen.rejected" on "specimen";
    SPECIMEN_STATUS_CHANGED = "specimen.status_changed" on "specimen";
    REMITTANCE_POSTED = "remittance.posted" on "remittance";
    REMITTANCE_UNMATCHED = "remittance.unmatched" on "remittance";
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled" on "webhook_endpoint";
    STATEMENT_CREATED = "statement.created" on "statement";
    PATIENT_PAYMENT_CREATED = "patient_payment.created" on "patient_payment";
    ELIGIBILITY_CHECKED = "eligibility.checked" on "eligibility_check";
}

/// The type named `name`, if any.
pub fn parse(name: &str) -> Option<EventType> {
    ALL.iter().copied().find(|t| t.name == name)
}

/// The claim event for a move into claim status `status` (`claim.<status>`), if it has one.
pub fn for_claim_status(status: &str) -> Option<EventType> {
    match status {
        // A built claim starts validated: its first history row is its creation.
        "validated" | "draft" => Some(CLAIM_CREATED),
        other => ALL
            .iter()
            .copied()
            .find(|t| t.resource == "claim" && t.name.strip_prefix("claim.") == Some(other)),
    }
}

/// Whether a subscription pattern (`*`, `claim.*` or an exact name) is well formed.
pub fn valid_pattern(p: &str) -> bool {
    p == "*"
        || parse(p).is_some()
        || p.strip_suffix(".*")
            .is_some_and(|r| ALL.iter().any(|t| t.resource == r))
}

/// Every pattern [`valid_pattern`] accepts: `*`, each event type, and `<resource>.*`.
pub fn all_patterns() -> Vec<String> {
    let mut out = vec!["*".to_string()];
    out.extend(ALL.iter().map(|t| t.name.to_string()));
    for t in ALL {
        let wildcard = format!("{}.*", t.resource);
        if !out.contains(&wildcard) {
            out.push(wildcard);
        }
    }
    out
}

/// The document's schema of a subscription list: 1 to 50 of [`all_patterns`], so generated
/// requests (and clients' validators) know exactly what is accepted.
pub fn subscription_schema() -> utoipa::openapi::schema::Array {
    subscription_list(false)
}

/// [`subscription_schema`], where `null` (leave unchanged) is also allowed.
pub fn optional_subscription_schema() -> utoipa::openapi::schema::Array {
    subscription_list(true)
}

fn subscription_list(nullable: bool) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let items = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(all_patterns()));
    crate::openapi::exact::list_schema(items, Some(1), 50, nullable).build()
}

/// Whether `pattern` covers event type `name`.
pub fn matches(pattern: &str, name: &str) -> bool {
    pattern == "*"
        || pattern == name
        || pattern
            .strip_suffix('*')
            .is_some_and(|prefix| prefix.ends_with('.') && name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_claim_statuses() {
        assert!(valid_pattern("*"));
        assert!(valid_pattern("claim.*"));
        assert!(valid_pattern("claim.paid"));
        assert!(!valid_pattern("claim.nope"));
        assert!(!valid_pattern("nope.*"));
        assert!(matches("claim.*", "claim.paid"));
        assert!(!matches("claim.*", "claims.paid"));
        assert!(matches("*", "patient.created"));
        assert_eq!(for_claim_status("paid"), Some(CLAIM_PAID));
        assert_eq!(for_claim_status("validated"), Some(CLAIM_CREATED));
        assert_eq!(for_claim_status("odd"), None);
    }
}
