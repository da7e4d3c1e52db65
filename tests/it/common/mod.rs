//! The test harness: a fresh database per test (an SQLite file, or a PostgreSQL database made
//! and dropped in the server named by MEDBILL_TEST_PG_URL), the real HTTP app over it, and
//! helpers to call it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod audit;
pub mod fixtures;
pub mod process;
pub mod statements;

use actix_web::http::header::HeaderMap;
use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

use medbill::audit::AuditSink;
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::codesets::CodeTables;
use medbill::db::{Backend, DbPool};
use medbill::http::request_id::assign_request_id;
use medbill::server::open_database;
use medbill::state::AppState;

/// The shared signing secret of test apps.
pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// The audit key of test processes: every audit row the test apps write carries its MAC.
pub const AUDIT_KEY: &[u8] = b"test-audit-key-test-audit-key-test-audit!";

/// Runs an async test body once on SQLite and once on PostgreSQL, as `<name>::sqlite` and
/// `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::common::TestApp::sqlite();
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    let Some(app) = $crate::common::TestApp::postgres() else { return };
                    super::$name(app).await;
                }
            }
        )*
    };
}

/// Where a test database lives, removed on drop.
enum Store {
    SqliteFile(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

/// A running app over its own fresh database.
pub struct TestApp {
    /// The state handed to handlers (pool, keys, audit sink).
    pub state: web::Data<AppState>,
    /// The database URL of this test.
    pub url: String,
    store: Store,
}

/// A response, read whole.
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body parsed as JSON (Null when empty or not JSON).
    pub body: Value,
    /// Body bytes.
    pub raw: Vec<u8>,
}

impl Resp {
    /// The text field `field` of every item of a list answer (`{"items": [...]}`), in order.
    pub fn item_strings(&self, field: &str) -> Vec<String> {
        self.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[field].as_str().unwrap().to_string())
            .collect()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

fn state_for(url: &str, codes: &'static CodeTables) -> web::Data<AppState> {
    medbill::audit::row_mac::install(AUDIT_KEY).unwrap();
    let pool: DbPool = open_database(url, 4).expect("database opens and migrates");
    let keys = TokenKeys::new(SECRET, 900, None).unwrap();
    let audit = AuditSink::start(pool.clone()).unwrap();
    web::Data::new(AppState::new(
        pool,
        Backend::from_url(url),
        keys,
        audit,
        medbill::ops::code_reload::LiveCodes::new(codes, 0),
    ))
}

impl TestApp {
    /// A fresh SQLite database in a temporary file.
    pub fn sqlite() -> TestApp {
        Self::sqlite_with(bundled_codes())
    }

    /// A fresh PostgreSQL database (see [`TestApp::postgres_with`]).
    pub fn postgres() -> Option<TestApp> {
        Self::postgres_with(bundled_codes())
    }

    /// A fresh SQLite database, serving `codes` (e.g. with an imported table).
    pub fn sqlite_with(codes: &'static CodeTables) -> TestApp {
        let path =
            std::env::temp_dir().join(format!("medbill-test-{}.sqlite3", uuid::Uuid::new_v4()));
        let url = path.to_string_lossy().into_owned();
        TestApp {
            state: state_for(&url, codes),
            url,
            store: Store::SqliteFile(path),
        }
    }

    /// A fresh PostgreSQL database, or None (test skipped) when MEDBILL_TEST_PG_URL is unset
    /// outside CI. In CI a missing URL fails the test: both backends must run there.
    pub fn postgres_with(codes: &'static CodeTables) -> Option<TestApp> {
        let Ok(admin_url) = std::env::var("MEDBILL_TEST_PG_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set MEDBILL_TEST_PG_URL so PostgreSQL tests run"
            );
            eprintln!("skipped: set MEDBILL_TEST_PG_URL to run the PostgreSQL half");
            return None;
        };
        let name = format!("medbill_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("PostgreSQL reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = admin_url.rsplit_once('/').expect("URL has a database name");
        let url = format!("{base}/{name}");
        Some(TestApp {
            state: state_for(&url, codes),
            url,
            store: Store::PgDatabase { admin_url, name },
        })
    }

    /// The same database and app with `x12_line_breaks` on (the `--x12-line-breaks` setting).
    pub fn with_x12_line_breaks(self) -> TestApp {
        self.with_settings(|s| s.x12_line_breaks = true)
    }

    /// The same database and app with settings changed by `set` (e.g. the lab billing link
    /// off): the settings live in the state, so each test sets its own.
    pub fn with_settings(mut self, set: impl FnOnce(&mut AppState)) -> TestApp {
        let s = &self.state;
        let mut next = AppState {
            audit_anchor: s.audit_anchor.clone(),
            ..AppState::new(
                s.pool.clone(),
                s.backend,
                TokenKeys::new(SECRET, 900, None).unwrap(),
                s.audit.clone(),
                medbill::ops::code_reload::LiveCodes::new(s.codes(), 0),
            )
        };
        set(&mut next);
        self.state = web::Data::new(next);
        self
    }

    /// The same database and app, keyed and anchored by `anchor` (the server's audit key and
    /// checkpoint file).
    pub fn with_audit_anchor(mut self, anchor: medbill::audit::anchor::Anchor) -> TestApp {
        let s = &self.state;
        self.state = web::Data::new(AppState {
            audit_anchor: std::sync::Arc::new(anchor),
            x12_line_breaks: s.x12_line_breaks,
            ..AppState::new(
                s.pool.clone(),
                s.backend,
                TokenKeys::new(SECRET, 900, None).unwrap(),
                s.audit.clone(),
                medbill::ops::code_reload::LiveCodes::new(s.codes(), 0),
            )
        });
        self
    }

    /// The same database and app with the server's audit set-up: keyed and anchored by
    /// `anchor`, and a read-audit writer that seals its rows as it writes them (on SQLite).
    pub fn with_sealing_audit(mut self, anchor: medbill::audit::anchor::Anchor) -> TestApp {
        let anchor = std::sync::Arc::new(anchor);
        let s = &self.state;
        let audit = AuditSink::start_sealing(s.pool.clone(), anchor.clone()).unwrap();
        self.state = web::Data::new(AppState {
            audit_anchor: anchor,
            ..AppState::new(
                s.pool.clone(),
                s.backend,
                TokenKeys::new(SECRET, 900, None).unwrap(),
                audit,
                medbill::ops::code_reload::LiveCodes::new(s.codes(), 0),
            )
        });
        self
    }

    /// A token for a caller in `role` (signed like the server's own).
    /// A fresh user row is made for each token: requests check the token's user (active,
    /// current version) in the database.
    pub fn token(&self, role: Role) -> String {
        use diesel::prelude::*;
        use medbill::db::schema::users;
        use medbill::db::types::Timestamp;
        let id = medbill::auth::accounts::UserId::new();
        let now = Timestamp::now();
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id),
                users::username.eq(format!("t-{}", id.0)),
                users::password_hash.eq("!"),
                users::role.eq(role.as_str()),
                users::active.eq(true),
                users::version.eq(1),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(&mut *self.conn())
            .unwrap();
        self.state
            .keys
            .issue_session(&id.0.to_string(), "user", role, Some(1))
            .unwrap()
    }

    /// A pooled connection for direct checks of what was stored.
    pub fn conn(&self) -> medbill::db::PooledConn {
        self.state.pool.get().unwrap()
    }

    /// Sends a request through the real app.
    pub async fn send(&self, req: TestRequest) -> Resp {
        let state = self.state.clone();
        let app = test::init_service(
            App::new()
                .wrap(from_fn(assign_request_id))
                .configure(move |cfg| medbill::configure_app(cfg, state)),
        )
        .await;
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let raw = test::read_body(res).await.to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            raw,
        }
    }

    /// GET `path` as `role`.
    pub async fn get(&self, path: &str, role: Role) -> Resp {
        self.send(
            TestRequest::get()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {}", self.token(role)))),
        )
        .await
    }

    /// POST JSON to `path` as `role`.
    pub async fn post(&self, path: &str, role: Role, body: &Value) -> Resp {
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {}", self.token(role))))
                .set_json(body),
        )
        .await
    }

    /// PATCH JSON to `path` as `role` with If-Match (when given).
    pub async fn patch(
        &self,
        path: &str,
        role: Role,
        body: &Value,
        if_match: Option<&str>,
    ) -> Resp {
        let mut req = TestRequest::patch()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {}", self.token(role))))
            .set_json(body);
        if let Some(v) = if_match {
            req = req.insert_header(("if-match", v));
        }
        self.send(req).await
    }

    /// DELETE `path` as `role`.
    pub async fn delete(&self, path: &str, role: Role) -> Resp {
        self.send(
            TestRequest::delete()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {}", self.token(role)))),
        )
        .await
    }

    /// Counts rows of `table` (for "nothing was stored" checks).
    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.conn();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(&mut *c)
            .unwrap()
            .n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.store {
            Store::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Store::PgDatabase { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// The bundled code tables, loaded once per test binary.
pub fn bundled_codes() -> &'static CodeTables {
    CodeTables::embedded().expect("bundled code tables load")
}

/// A valid new-patient body with the given MRN.
pub fn patient_body(mrn: &str) -> Value {
    serde_json::json!({
        "mrn": mrn,
        "first_name": "Ann",
        "last_name": "Lee",
        "birth_date": "1980-02-03",
        "sex": "F",
        "address_line1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "phone": "(217) 555-0100"
    })
}
