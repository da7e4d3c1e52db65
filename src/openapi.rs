//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod exact;
use exact::ExactPlumbing;

/// The whole API description served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "medbill", description = "Medical office billing and coding API: registry, encounters, specimens, claims."),
    paths(
        crate::health::live,
        crate::health::ready,
        crate::auth::routes::issue_token,
        crate::audit::routes::list_audit,
        crate::audit::routes::verify_audit,
        crate::audit::routes::list_checkpoints,
        crate::patients::routes::create_patient,
        crate::patients::routes::get_patient,
        crate::patients::routes::update_patient,
        crate::patients::routes::deactivate_patient,
        crate::patients::routes::list_patients,
        // registry: providers, payers, coverages (begin)
        crate::providers::routes::create_provider,
        crate::providers::routes::get_provider,
        crate::providers::routes::update_provider,
        crate::providers::routes::deactivate_provider,
        crate::providers::routes::list_providers,
        crate::payers::routes::create_payer,
        crate::payers::routes::get_payer,
        crate::payers::routes::update_payer,
        crate::payers::routes::deactivate_payer,
        crate::payers::routes::list_payers,
        crate::coverages::routes::create_coverage,
        crate::coverages::routes::get_coverage,
        crate::coverages::routes::update_coverage,
        crate::coverages::routes::deactivate_coverage,
        crate::coverages::routes::list_coverages,
        // registry: providers, payers, coverages (end)
        // code tables (begin)
        crate::codeset_api::routes::summary,
        crate::codeset_api::routes::lookup,
        crate::codeset_api::routes::search,
        crate::codeset_api::routes::validate,
        crate::codeset_api::routes::reference_table,
        // code tables (end)
        // encounters (begin)
        crate::encounters::routes::create_encounter,
        crate::encounters::routes::get_encounter,
        crate::encounters::routes::update_encounter,
        crate::encounters::routes::list_encounters,
        crate::encounters::line_routes::add_line,
        crate::encounters::line_routes::update_line,
        crate::encounters::line_routes::delete_line,
        crate::encounters::action_routes::hold_encounter,
        crate::encounters::action_routes::release_encounter,
        crate::encounters::action_routes::void_encounter,
        crate::encounters::action_routes::validate_encounter,
        crate::encounters::action_routes::sign_off_encounter,
        crate::encounters::action_routes::override_finding,
        crate::encounters::fees::routes::create_fee_schedule,
        crate::encounters::fees::routes::get_fee_schedule,
        crate::encounters::fees::routes::update_fee_schedule,
        crate::encounters::fees::routes::list_fee_schedules,
        // encounters (end)
        // specimens (begin)
        crate::specimens::routes::create_specimen,
        crate::specimens::routes::get_specimen,
        crate::specimens::routes::get_by_accession,
        crate::specimens::routes::update_specimen,
        crate::specimens::routes::list_specimens,
        crate::specimens::action_routes::transition_specimen,
        crate::specimens::action_routes::record_custody,
        crate::specimens::action_routes::recollect_specimen,
        crate::specimens::action_routes::specimen_label,
        // specimens (end)
        // claims (begin)
        crate::claims::routes::create_claim,
        crate::claims::routes::get_claim,
        crate::claims::routes::list_claims,
        crate::claims::routes::get_claim_837,
        crate::claims::action_routes::queue_claim,
        crate::claims::action_routes::replace_claim,
        crate::claims::action_routes::void_claim,
        crate::claims::job_routes::list_jobs,
        crate::claims::job_routes::retry_job,
        crate::claims::reopen_routes::reopen_encounter,
        crate::claims::batch_routes::build_claims,
        crate::claims::batch_routes::queue_claims,
        crate::claims::ack_routes::list_acknowledgments,
        crate::claims::ack_routes::list_interchanges,
        crate::claims::ack_routes::get_interchange,
        // claims (end)
        // remittances (begin)
        crate::remits::routes::import_remittance,
        crate::remits::routes::list_remittances,
        crate::remits::routes::get_remittance,
        crate::remits::routes::list_unmatched,
        crate::remits::routes::match_unmatched,
        // remittances (end)
        // receivables (begin)
        crate::remits::payment_routes::post_payment,
        crate::remits::payment_routes::post_write_off,
        crate::ledger::routes::patient_balance,
        crate::reports::routes::aging_report,
        crate::reports::routes::denials_view,
        crate::reports::routes::deposit_report,
        // receivables (end)
        // frequency rules (begin)
        crate::frequency::routes::create_rule,
        crate::frequency::routes::get_rule,
        crate::frequency::routes::update_rule,
        crate::frequency::routes::deactivate_rule,
        crate::frequency::routes::list_rules,
        // frequency rules (end)
        // events and webhooks (begin)
        crate::events::routes::list_events,
        crate::events::routes::get_event,
        crate::events::routes::redeliver_event,
        crate::webhooks::routes::create_endpoint,
        crate::webhooks::routes::list_endpoints,
        crate::webhooks::routes::get_endpoint,
        crate::webhooks::routes::update_endpoint,
        crate::webhooks::routes::rotate_secret,
        crate::webhooks::routes::delete_endpoint,
        crate::webhooks::routes::list_attempts,
        // events and webhooks (end)
        // statements and patient payments (begin)
        crate::statements::routes::create_statement,
        crate::statements::routes::run_statements,
        crate::statements::routes::get_statement_pdf,
        crate::statements::routes::get_statement,
        crate::statements::payment_routes::post_patient_payment,
        crate::statements::payment_routes::list_patient_payments,
        crate::statements::list_routes::list_patient_statements,
        crate::statements::payment_routes::post_patient_refund,
        // statements and patient payments (end)
        // coordination of benefits (begin)
        crate::cob::routes::next_payer,
        crate::cob::batch_routes::next_payer_batch,
        // coordination of benefits (end)
        // eligibility (begin)
        crate::eligibility::routes::check_eligibility,
        crate::eligibility::routes::list_checks,
        crate::eligibility::routes::get_check,
        crate::eligibility::routes::encounter_check,
        crate::eligibility::correction_routes::apply_correction,
        crate::eligibility::correction_routes::import_271,
        crate::eligibility::run_routes::start_run,
        crate::eligibility::run_routes::get_run,
        // eligibility (end)
    ),
    components(schemas(crate::http::problem::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth, &ProblemResponses, &ExactPlumbing),
    tags(
        (name = "auth", description = "Access tokens"),
        (name = "patients", description = "Patient registry (PHI; every access audited)"),
        (name = "providers", description = "Rendering, billing and referring providers"),
        (name = "payers", description = "Insurance payers"),
        (name = "coverages", description = "Patients' insurance coverage (PHI; every access audited)"),
        (name = "codesets", description = "Code tables: lookup, search, validation (every role)"),
        (name = "encounters", description = "Visits: coding, scrubber findings, sign-off (PHI; every access audited)"),
        (name = "fee schedules", description = "Charges per payer (or default) and code, by date"),
        (name = "specimens", description = "Specimen log: accessioning, chain of custody, labels (PHI; audited)"),
        (name = "claims", description = "Claims, the submission queue and acknowledgments"),
        (name = "remittances", description = "835 remittances: import, matching, the unmatched queue (PHI; audited)"),
        (name = "receivables", description = "Payments, write-offs, balances, denials and aging"),
        (name = "frequency-rules", description = "Payer frequency limits checked by the scrubber (admin and billing edit)"),
        (name = "statements", description = "Patient statements (JSON, PDF) and patient payments and refunds (PHI; audited)"),
        (name = "eligibility", description = "Eligibility checks (X12 270/271) for the front desk (PHI; audited)"),
        (name = "audit", description = "Audit log (admin only)"),
        (name = "events", description = "The event feed (ids and statuses, no PHI) and redelivery"),
        (name = "webhooks", description = "Webhook endpoints: Standard Webhooks signed deliveries (admin only)"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Documents the errors every route can answer with, as `application/problem+json`: the
/// handlers name their specific ones; the rest (bad JSON, no token, wrong role, ...) come from
/// the shared plumbing and are added here once.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
                .build()
        };
        let common: [(&str, &str, bool); 7] = [
            (
                "400",
                "The request cannot be parsed (not JSON, bad path parameter)",
                false,
            ),
            ("401", "No valid access token", true),
            ("403", "The caller's role may not do this", true),
            ("413", "The body is over 1 MiB", false),
            ("415", "The body is not JSON", false),
            (
                "422",
                "Invalid content or query parameters; `errors` names each field",
                false,
            ),
            ("503", "The database is unavailable or busy; retry", false),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            let ops = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, has_id),
                (&mut item.delete, has_id),
                (&mut item.patch, true),
            ];
            for (op, may_need_version) in ops {
                let Some(op) = op.as_mut() else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut op.responses.responses;
                if has_id {
                    responses.entry("404".to_string()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description("No such resource")
                                .build(),
                        )
                    });
                }
                if may_need_version && secured {
                    responses.entry("428".to_string()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description("This change needs If-Match with the version read")
                                .build(),
                        )
                    });
                }
                // Every If-Match is compared with the current version: a stale one gets 412
                // wherever the header is taken (one route had left it out).
                let takes_if_match = op.parameters.iter().flatten().any(|p| {
                    p.name == "If-Match"
                        && matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Header)
                });
                if takes_if_match {
                    responses.entry("412".to_string()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description("If-Match names a version that is not the current one")
                                .build(),
                        )
                    });
                }
                for (code, description, needs_auth) in common {
                    if needs_auth && !secured {
                        continue;
                    }
                    responses.entry(code.to_string()).or_insert_with(|| {
                        RefOr::T(ResponseBuilder::new().description(description).build())
                    });
                }
                for (code, response) in responses.iter_mut() {
                    if let (true, RefOr::T(r)) = (code.as_str() >= "400", response) {
                        r.content.shift_remove("application/json");
                        r.content
                            .insert("application/problem+json".to_string(), problem());
                    }
                }
            }
        }
    }
}

/// The document as served: utoipa's, with link objects put right (utoipa 5 writes a link's
/// `operationId` as `operation_id`, which no client reads).
pub fn spec_value() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let operations = doc
        .get_mut("paths")
        .and_then(|p| p.as_object_mut())
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut());
    for op in operations {
        let responses = op.get_mut("responses").and_then(|r| r.as_object_mut());
        for response in responses.into_iter().flat_map(|r| r.values_mut()) {
            let links = response.get_mut("links").and_then(|l| l.as_object_mut());
            for link in links.into_iter().flat_map(|l| l.values_mut()) {
                if let Some(link) = link.as_object_mut() {
                    if let Some(id) = link.remove("operation_id") {
                        link.insert("operationId".to_string(), id);
                    }
                }
            }
        }
    }
    doc
}

/// The spec as pretty JSON (what `/openapi.json` serves and the snapshot test compares).
pub fn spec_json() -> String {
    serde_json::to_string_pretty(&spec_value()).unwrap_or_else(|_| "{}".into())
}
