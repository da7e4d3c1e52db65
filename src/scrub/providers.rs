//! Providers: rendering and billing present, NPIs with a valid check digit, billing tax id.

use crate::validation::{npi_is_valid, validate_tax_id};

use super::context::{Ctx, Out};
use super::position::Pos;
use super::ProviderFacts;

/// Provider rules (X12 837P loops 2010AA billing, 2310B rendering, 2310A referring).
pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out) {
    let input = ctx.input;
    let roles: [(&str, Pos, Option<&ProviderFacts>, bool); 3] = [
        (
            "rendering",
            Pos::RenderingProvider,
            input.rendering_provider.as_ref(),
            true,
        ),
        (
            "billing",
            Pos::BillingProvider,
            input.billing_provider.as_ref(),
            true,
        ),
        (
            "referring",
            Pos::ReferringProvider,
            input.referring_provider.as_ref(),
            false,
        ),
    ];
    for (role, pos, provider, required) in roles {
        let Some(p) = provider else {
            if required {
                out.error(
                    pos,
                    "provider.missing",
                    format!("No {role} provider is set; the claim needs one."),
                );
            }
            continue;
        };
        if !npi_is_valid(p.npi.trim()) {
            out.error(
                pos,
                "provider.npi",
                format!(
                    "The {role} provider's NPI \"{}\" is not valid: an NPI is 10 digits ending in a check digit.",
                    p.npi
                ),
            )
            .suggest("Correct the NPI in the provider record (check it against NPPES).");
        }
        if role == "billing" {
            tax_id(p, out);
        }
    }
}

fn tax_id(p: &ProviderFacts, out: &mut Out) {
    match p.tax_id.as_deref().map(str::trim) {
        None | Some("") => {
            out.error(
                Pos::BillingProvider,
                "provider.tax_id",
                "The billing provider has no tax id (EIN); the claim needs it.".to_string(),
            )
            .suggest("Add the 9-digit EIN to the billing provider record.");
        }
        Some(t) if validate_tax_id(t).is_err() => {
            out.error(
                Pos::BillingProvider,
                "provider.tax_id",
                format!("The billing provider's tax id \"{t}\" is not valid: an EIN is 9 digits (NN-NNNNNNN)."),
            )
            .suggest("Correct the EIN in the billing provider record.");
        }
        Some(_) => {}
    }
}
