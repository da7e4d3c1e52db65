//! Start-up check that PostgreSQL acknowledges a commit only once it is on disk.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::AnyConnection;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    setting: String,
}

fn setting(conn: &mut AnyConnection, name: &str) -> QueryResult<String> {
    diesel::sql_query("SELECT setting FROM pg_settings WHERE name = $1")
        .bind::<Text, _>(name)
        .get_result::<Setting>(conn)
        .map(|s| s.setting)
}

/// On PostgreSQL, refuses (or, with `allow_async`, warns loudly) when `synchronous_commit` or
/// `fsync` is off for our connection: a 201 could then vanish on a crash of the database host.
/// The values read are those in effect for our role and database (`ALTER DATABASE … SET`
/// included). SQLite needs no check: its level is ours to set per connection.
pub fn check_commit_durability(conn: &mut AnyConnection, allow_async: bool) -> Result<(), String> {
    if !matches!(conn, AnyConnection::Postgres(_)) {
        return Ok(());
    }
    let read = |c: &mut AnyConnection, n: &str| {
        setting(c, n).map_err(|e| format!("cannot read PostgreSQL setting {n}: {e}"))
    };
    let sync = read(conn, "synchronous_commit")?;
    let fsync = read(conn, "fsync")?;
    let problem = if sync == "off" {
        Some("synchronous_commit is off: PostgreSQL acknowledges commits before they are on disk")
    } else if fsync == "off" {
        Some("fsync is off: a crash of the database host can lose or corrupt committed data")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) if allow_async => {
            tracing::warn!(
                "{p}; claims, payments and audit rows acknowledged just before a crash can be \
                 lost (allowed by MEDBILL_ALLOW_ASYNC_COMMIT)"
            );
            Ok(())
        }
        Some(p) => Err(format!(
            "{p}. Set it on (ALTER DATABASE <db> SET synchronous_commit = on, or in \
             postgresql.conf), or start with MEDBILL_ALLOW_ASYNC_COMMIT=1 to accept losing the \
             last acknowledged writes on a crash"
        )),
    }
}
