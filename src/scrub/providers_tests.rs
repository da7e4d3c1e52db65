//! Provider rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::ProviderFacts;

fn provider(npi: &str, tax_id: Option<&str>) -> ProviderFacts {
    ProviderFacts {
        npi: npi.to_string(),
        tax_id: tax_id.map(str::to_string),
    }
}

#[test]
fn rendering_and_billing_provider_required() {
    let mut e = clean();
    e.rendering_provider = None;
    e.billing_provider = None;
    let f = run(&e);
    let hits = of(&f, "provider.missing");
    let paths: Vec<_> = hits.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(paths, ["/rendering_provider_id", "/billing_provider_id"]);
    // The referring provider is optional.
    none(&run(&clean()), "provider.missing");
}

#[test]
fn npi_check_digit() {
    let mut e = clean();
    e.rendering_provider = Some(provider("1234567890", None));
    e.referring_provider = Some(provider("15555555", None));
    let f = run(&e);
    let paths: Vec<_> = of(&f, "provider.npi")
        .iter()
        .map(|h| h.path.clone())
        .collect();
    assert_eq!(paths, ["/rendering_provider_id", "/referring_provider_id"]);
    e.rendering_provider = Some(provider(NPI_RENDERING, None));
    e.referring_provider = Some(provider(NPI_REFERRING, None));
    none(&run(&e), "provider.npi");
}

#[test]
fn billing_tax_id_present_and_valid() {
    let mut e = clean();
    e.billing_provider = Some(provider(NPI_BILLING, None));
    assert_eq!(
        one(&run(&e), "provider.tax_id").path,
        "/billing_provider_id"
    );
    e.billing_provider = Some(provider(NPI_BILLING, Some("12345678")));
    assert!(one(&run(&e), "provider.tax_id")
        .message
        .contains("12345678"));
    e.billing_provider = Some(provider(NPI_BILLING, Some("123456789")));
    none(&run(&e), "provider.tax_id");
}
