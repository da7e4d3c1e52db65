//! Imported code tables kept in the database: a licensee's CPT file, CMS's MUE file, or a newer
//! ICD-10-CM or HCPCS release. Each import is checked whole before anything is stored, stored
//! in one transaction, and laid over the bundled tables by every server (at start, and on
//! the next poll of the code-table version while running).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{store as audit_store, AuditEntry};
use crate::codesets::{
    parse_code_tab_file, parse_icd10cm_order_file, parse_mue_file, CodeSystem, MueRow, MueTable,
    Overlay, OverlayRow,
};
use crate::db::schema::{codeset_import_rows as rows, codeset_imports as imports};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

crate::typed_id!(
    /// Id of one code-table import.
    ImportId
);

/// What an import holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Codes with titles for a system (CPT, HCPCS, ICD-10-CM).
    Codes(CodeSystem),
    /// Medically unlikely edit limits.
    Mue,
}

impl ImportKind {
    /// Parses `cpt`, `hcpcs`, `icd10cm` or `mue`.
    pub fn parse(name: &str) -> Option<ImportKind> {
        if name == "mue" {
            return Some(ImportKind::Mue);
        }
        CodeSystem::parse(name).map(ImportKind::Codes)
    }

    fn as_str(self) -> &'static str {
        match self {
            ImportKind::Codes(s) => s.as_str(),
            ImportKind::Mue => "mue",
        }
    }
}

/// An import as asked for on the command line.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// What the file holds.
    pub kind: ImportKind,
    /// Version label shown in findings and summaries.
    pub label: String,
    /// First date of service it covers.
    pub effective_from: NaiveDate,
    /// Last date it covers, if it ends.
    pub effective_to: Option<NaiveDate>,
    /// A whole code set: codes missing from it are not valid on its dates.
    pub complete: bool,
    /// The file is a CMS ICD-10-CM order file (fixed columns) rather than code TAB title.
    pub icd_order_format: bool,
}

/// A stored import, as listed.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = imports)]
pub struct ImportRecord {
    /// Import id.
    pub id: ImportId,
    /// `cpt`, `hcpcs`, `icd10cm` or `mue`.
    pub system: String,
    /// Version label.
    pub label: String,
    /// First date covered.
    #[serde(deserialize_with = "crate::validation::ymd::deserialize")]
    pub effective_from: NaiveDate,
    /// Last date covered.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub effective_to: Option<NaiveDate>,
    /// Whole code set.
    pub complete: bool,
    /// Rows stored.
    pub row_count: i32,
    /// When imported.
    pub imported_at: Timestamp,
    /// Who imported it.
    pub imported_by: String,
}

#[derive(Insertable)]
#[diesel(table_name = rows)]
struct NewRow<'a> {
    import_id: ImportId,
    code: &'a str,
    title: &'a str,
    billable: bool,
    max_units: Option<i32>,
}

/// Rows parsed from a file, either kind.
enum Parsed {
    Codes(Vec<OverlayRow>),
    Mue(Vec<MueRow>),
}

fn parse(req: &ImportRequest, text: &str) -> Result<Parsed, String> {
    let bad = |e: crate::codesets::OverlayError| format!("the file cannot be imported: {e}");
    match req.kind {
        ImportKind::Mue => {
            let rows = parse_mue_file(text).map_err(bad)?;
            MueTable::new(
                &req.label,
                req.effective_from,
                req.effective_to,
                rows.clone(),
            )
            .map_err(bad)?;
            Ok(Parsed::Mue(rows))
        }
        ImportKind::Codes(system) => {
            let rows = if req.icd_order_format {
                parse_icd10cm_order_file(text)
            } else {
                parse_code_tab_file(text)
            }
            .map_err(bad)?;
            Overlay::new(
                system,
                &req.label,
                req.effective_from,
                req.effective_to,
                req.complete,
                rows.clone(),
            )
            .map_err(bad)?;
            Ok(Parsed::Codes(rows))
        }
    }
}

/// Checks and stores an import; `progress(done, total)` is called as rows are written.
pub fn import(
    conn: &mut AnyConnection,
    req: &ImportRequest,
    text: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportRecord, String> {
    if let Some(to) = req.effective_to.filter(|to| *to < req.effective_from) {
        return Err(format!(
            "the end date {to} is before the start date {}",
            req.effective_from
        ));
    }
    let parsed = parse(req, text)?;
    let new_rows: Vec<NewRow> = match &parsed {
        Parsed::Codes(r) => r
            .iter()
            .map(|r| NewRow {
                import_id: ImportId(uuid::Uuid::nil()),
                code: &r.code,
                title: &r.title,
                billable: r.billable.unwrap_or(true),
                max_units: None,
            })
            .collect(),
        Parsed::Mue(r) => r
            .iter()
            .map(|r| NewRow {
                import_id: ImportId(uuid::Uuid::nil()),
                code: &r.code,
                title: "",
                billable: true,
                max_units: Some(r.max_units),
            })
            .collect(),
    };
    let record = ImportRecord {
        id: ImportId::new(),
        system: req.kind.as_str().to_string(),
        label: req.label.clone(),
        effective_from: req.effective_from,
        effective_to: req.effective_to,
        complete: req.complete,
        row_count: new_rows.len() as i32,
        imported_at: Timestamp::now(),
        imported_by: "system".to_string(),
    };
    let total = new_rows.len();
    conn.write_transaction(|c| {
        diesel::insert_into(imports::table)
            .values((
                imports::id.eq(record.id),
                imports::system.eq(&record.system),
                imports::label.eq(&record.label),
                imports::effective_from.eq(record.effective_from),
                imports::effective_to.eq(record.effective_to),
                imports::complete.eq(record.complete),
                imports::row_count.eq(record.row_count),
                imports::imported_at.eq(record.imported_at),
                imports::imported_by.eq(&record.imported_by),
            ))
            .execute(c)?;
        let mut done = 0;
        // Multi-row INSERT runs on the inner connection (diesel's multi backend cannot batch);
        // 5 columns x 400 rows stays under SQLite's parameter limit.
        for chunk in new_rows.chunks(400) {
            let chunk: Vec<NewRow> = chunk
                .iter()
                .map(|r| NewRow {
                    import_id: record.id,
                    ..*r
                })
                .collect();
            let insert = diesel::insert_into(rows::table).values(&chunk);
            match c {
                AnyConnection::Sqlite(inner) => insert.execute(inner)?,
                AnyConnection::Postgres(inner) => insert.execute(inner)?,
            };
            done += chunk.len();
            progress(done, total);
        }
        let entry = AuditEntry::system("import", "codeset", Some(record.id.to_string()));
        audit_store::insert(c, &[entry])?;
        // In the same transaction: servers polling the version see the import whole or not.
        crate::ops::code_reload::bump_version(c)?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| format!("the import could not be stored: {e}"))?;
    Ok(record)
}

/// Every stored import, oldest first.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<ImportRecord>> {
    imports::table
        .select(ImportRecord::as_select())
        .order(imports::imported_at.asc())
        .load(conn)
}

/// Overlays and MUE tables built from every stored import, oldest first.
pub fn load_overlays(conn: &mut AnyConnection) -> Result<(Vec<Overlay>, Vec<MueTable>), String> {
    let db = |e: diesel::result::Error| format!("cannot read imported code tables: {e}");
    let mut overlays = Vec::new();
    let mut mue = Vec::new();
    for rec in list(conn).map_err(db)? {
        let stored: Vec<(String, String, bool, Option<i32>)> = rows::table
            .filter(rows::import_id.eq(rec.id))
            .select((rows::code, rows::title, rows::billable, rows::max_units))
            .load(conn)
            .map_err(db)?;
        let bad = |e: crate::codesets::OverlayError| {
            format!("stored import {} is not usable: {e}", rec.label)
        };
        match ImportKind::parse(&rec.system) {
            Some(ImportKind::Mue) => {
                let r = stored
                    .into_iter()
                    .map(|(code, _, _, max)| MueRow {
                        code,
                        max_units: max.unwrap_or(0),
                    })
                    .collect();
                mue.push(
                    MueTable::new(rec.label.clone(), rec.effective_from, rec.effective_to, r)
                        .map_err(bad)?,
                );
            }
            Some(ImportKind::Codes(system)) => {
                let r = stored
                    .into_iter()
                    .map(|(code, title, billable, _)| OverlayRow {
                        code,
                        title,
                        billable: Some(billable),
                    })
                    .collect();
                overlays.push(
                    Overlay::new(
                        system,
                        rec.label.clone(),
                        rec.effective_from,
                        rec.effective_to,
                        rec.complete,
                        r,
                    )
                    .map_err(bad)?,
                );
            }
            None => {
                return Err(format!(
                    "stored import {} has an unknown system {}",
                    rec.label, rec.system
                ))
            }
        }
    }
    Ok((overlays, mue))
}
