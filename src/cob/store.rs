//! COB link queries.

use diesel::prelude::*;

use super::model::CobLink;
use crate::claims::model::ClaimId;
use crate::db::schema_cob::claim_cob as cc;
use crate::db::AnyConnection;

/// Inserts a link.
pub fn insert(conn: &mut AnyConnection, link: &CobLink) -> QueryResult<()> {
    diesel::insert_into(cc::table)
        .values(link)
        .execute(conn)
        .map(|_| ())
}

/// The link of a claim billed to a next payer (none for a first claim).
pub fn of_claim(conn: &mut AnyConnection, claim: ClaimId) -> QueryResult<Option<CobLink>> {
    cc::table
        .find(claim)
        .select(CobLink::as_select())
        .first(conn)
        .optional()
}

/// The claim that followed `prior` to the next payer, if any.
pub fn next_of(conn: &mut AnyConnection, prior: ClaimId) -> QueryResult<Option<CobLink>> {
    cc::table
        .filter(cc::prior_claim_id.eq(prior))
        .select(CobLink::as_select())
        .first(conn)
        .optional()
}
