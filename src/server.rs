//! Start-up: open the database, apply migrations, bootstrap the first admin, start the audit
//! writer and sealer, and run the HTTP server.

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use std::time::Duration;

use crate::audit::sealer::{spawn_sealer, SealerHandle};
use crate::audit::AuditSink;
use crate::auth::accounts::{add_user, count_users};
use crate::auth::password::random_secret;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::claims::clearinghouse::Clearinghouse;
use crate::claims::worker::{self, WorkerConfig};
use crate::codesets::CodeTables;
use crate::config::Settings;
use crate::db::{build_pool, run_migrations, AnyConnection, Backend, ConnectionOptions, DbPool};
use crate::http::request_id::assign_request_id;
use crate::state::AppState;
use diesel::r2d2::CustomizeConnection;

/// The running parts behind the HTTP server.
pub struct Services {
    /// State shared by handlers.
    pub state: web::Data<AppState>,
    /// Keeps the audit sealer running while held.
    pub sealer: SealerHandle,
}

/// Applies pending migrations on a connection of its own, then opens the pool. Migrating
/// first means the pool's connections never race the migration for SQLite's write lock (or
/// its switch to WAL) on a first start, which r2d2 would log as errors.
pub fn open_database(url: &str, pool_size: u32) -> Result<DbPool, String> {
    // An in-memory SQLite database exists once per connection: migrate the pool's own.
    if url.contains(":memory:") {
        let pool = build_pool(url, pool_size)?;
        let mut conn = pool
            .get()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        migrate(&mut conn)?;
        return Ok(pool);
    }
    let mut conn =
        AnyConnection::open(url).map_err(|e| format!("cannot connect to the database: {e}"))?;
    ConnectionOptions
        .on_acquire(&mut conn)
        .map_err(|e| format!("cannot set up the database connection: {e}"))?;
    migrate(&mut conn)?;
    drop(conn);
    build_pool(url, pool_size)
}

fn migrate(conn: &mut AnyConnection) -> Result<(), String> {
    let applied = run_migrations(conn)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied database migrations");
    }
    Ok(())
}

/// Creates the `admin` user on first start and prints its one-time password.
fn bootstrap_admin(pool: &DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if count_users(&mut conn)? > 0 {
        return Ok(());
    }
    let password = random_secret(20);
    add_user(&mut conn, "admin", &password, Role::Admin)?;
    println!(
        "First start: created user 'admin' with password {password}\n\
         It is shown only now. Change it with: medbill users set-password admin"
    );
    Ok(())
}

/// Loads the bundled code tables plus every imported overlay. They live for the whole
/// process, so they are leaked once here rather than reference-counted on every request.
fn load_code_tables(pool: &DbPool) -> Result<&'static CodeTables, String> {
    let started = std::time::Instant::now();
    let mut tables =
        CodeTables::load_embedded().map_err(|e| format!("cannot load the code tables: {e}"))?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let (overlays, mue) = crate::codeset_api::imports::load_overlays(&mut conn)?;
    for overlay in overlays {
        tables.add_overlay(overlay);
    }
    for table in mue {
        tables.add_mue(table);
    }
    tracing::info!(
        millis = started.elapsed().as_millis() as u64,
        "code tables loaded"
    );
    Ok(Box::leak(Box::new(tables)))
}

/// Builds everything the server needs from `settings`.
pub fn prepare(settings: &Settings) -> Result<Services, String> {
    let pool = open_database(&settings.database_url, settings.pool_size)?;
    bootstrap_admin(&pool)?;
    let keys = TokenKeys::new(
        &settings.jwt_secret,
        settings.token_ttl_secs,
        settings.external_key.as_ref(),
    )?;
    let audit = AuditSink::start(pool.clone()).map_err(|e| e.to_string())?;
    let sealer =
        spawn_sealer(pool.clone(), Duration::from_millis(500)).map_err(|e| e.to_string())?;
    let codes = load_code_tables(&pool)?;
    let state = web::Data::new(AppState {
        backend: Backend::from_url(&settings.database_url),
        pool,
        keys,
        audit,
        codes,
        x12_line_breaks: settings.x12_line_breaks,
    });
    Ok(Services { state, sealer })
}

/// A submission worker to run beside the HTTP server.
pub type InProcessWorker = (WorkerConfig, std::sync::Arc<dyn Clearinghouse>);

/// Runs the HTTP server (and, when given, a submission worker on its own thread) until it is
/// stopped (Ctrl-C or SIGTERM).
pub async fn serve(settings: Settings, worker: Option<InProcessWorker>) -> Result<(), String> {
    let services = prepare(&settings)?;
    let worker = match worker {
        Some((cfg, adapter)) => Some(
            worker::spawn(services.state.pool.clone(), cfg, adapter)
                .map_err(|e| format!("cannot start the submission worker: {e}"))?,
        ),
        None => None,
    };
    let state = services.state.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(assign_request_id))
            .configure(|cfg| crate::configure_app(cfg, state.clone()))
    });
    if settings.http_workers > 0 {
        server = server.workers(settings.http_workers);
    }
    let server = server
        .bind(&settings.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    tracing::info!(listen = %settings.listen, backend = ?services.state.backend, "medbill is serving");
    server.run().await.map_err(|e| e.to_string())?;
    drop(worker);
    drop(services);
    Ok(())
}
