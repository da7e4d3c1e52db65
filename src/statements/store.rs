//! Statement queries: insert a snapshot, read one back, find who had one lately.

use diesel::prelude::*;

use super::model::{Statement, StatementId, StatementRow};
use crate::db::schema_statements::statements as st;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::patients::model::PatientId;

/// Stores `s` as made.
pub fn insert(conn: &mut AnyConnection, s: &Statement) -> DomainResult<()> {
    let row = StatementRow {
        id: s.id,
        patient_id: s.patient_id,
        statement_date: s.statement_date,
        due_date: s.due_date,
        amount_due_cents: s.amount_due_cents,
        content: serde_json::to_string(s).map_err(|_| DomainError::internal())?,
        created_at: s.created_at,
        created_by: s.created_by.clone(),
    };
    diesel::insert_into(st::table).values(&row).execute(conn)?;
    let data = serde_json::json!({ "statement_id": s.id, "patient_id": s.patient_id });
    crate::events::record(
        conn,
        crate::events::types::STATEMENT_CREATED,
        s.id.0,
        1,
        data,
    )?;
    Ok(())
}

/// A stored statement.
pub fn find(conn: &mut AnyConnection, id: StatementId) -> DomainResult<Option<Statement>> {
    let content: Option<String> = st::table
        .find(id)
        .select(st::content)
        .first(conn)
        .optional()?;
    content
        .map(|c| serde_json::from_str(&c).map_err(|_| DomainError::internal()))
        .transpose()
}

/// Patients who got a statement after `since`.
pub fn patients_since(conn: &mut AnyConnection, since: Timestamp) -> QueryResult<Vec<PatientId>> {
    st::table
        .filter(st::created_at.gt(since))
        .select(st::patient_id)
        .distinct()
        .load(conn)
}
