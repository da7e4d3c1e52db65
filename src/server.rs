//! Start-up: open the database, apply migrations, bootstrap the first admin, start the audit
//! writer and sealer, and run the HTTP server.

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use std::time::Duration;

use crate::audit::anchor::Anchor;
use crate::audit::sealer::{spawn_anchored_sealer, SealerHandle};
use crate::audit::AuditSink;
use crate::auth::accounts::{add_user, count_users};
use crate::auth::password::random_secret;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::claims::clearinghouse::Clearinghouse;
use crate::claims::worker::{self, WorkerConfig};
use crate::config::Settings;
use crate::config::AUDIT_CHECKPOINT_FILE;
use crate::db::{
    build_pool_with, run_migrations, AnyConnection, Backend, ConnectionOptions, DbPool,
};
use crate::http::request_id::assign_request_id;
use crate::ops::code_reload::{self, LiveCodes, ReloadHandle};
use crate::state::AppState;
use diesel::r2d2::CustomizeConnection;

/// The running parts behind the HTTP server.
pub struct Services {
    /// State shared by handlers.
    pub state: web::Data<AppState>,
    /// Keeps the audit sealer running while held.
    pub sealer: SealerHandle,
    /// Keeps the code-table reload poller running while held (none when polling is off).
    pub reload: Option<ReloadHandle>,
}

/// Opens the pool (durable default options) and applies pending migrations.
pub fn open_database(url: &str, pool_size: u32) -> Result<DbPool, String> {
    open_database_with(url, pool_size, ConnectionOptions::default())
}

/// [`open_database`] with explicit per-connection options. Migrations run on a connection of
/// their own before the pool opens, so the pool's connections never race the migration for
/// SQLite's write lock (or its switch to WAL) on a first start, which r2d2 would log as errors.
pub fn open_database_with(
    url: &str,
    pool_size: u32,
    options: ConnectionOptions,
) -> Result<DbPool, String> {
    // An in-memory SQLite database exists once per connection: migrate the pool's own.
    if url.contains(":memory:") {
        let pool = build_pool_with(url, pool_size, options)?;
        let mut conn = pool
            .get()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        migrate(&mut conn)?;
        return Ok(pool);
    }
    let mut conn =
        AnyConnection::open(url).map_err(|e| format!("cannot connect to the database: {e}"))?;
    options
        .on_acquire(&mut conn)
        .map_err(|e| format!("cannot set up the database connection: {e}"))?;
    migrate(&mut conn)?;
    drop(conn);
    build_pool_with(url, pool_size, options)
}

fn migrate(conn: &mut AnyConnection) -> Result<(), String> {
    let applied = run_migrations(conn)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied database migrations");
    }
    let seeded = crate::frequency::seed::ensure(conn)?;
    if seeded > 0 {
        tracing::info!(count = seeded, "added bundled frequency limits");
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

/// Builds everything the server needs from `settings`.
pub fn prepare(settings: &Settings) -> Result<Services, String> {
    // Every audit row this process writes carries the service's MAC, from the first one (the
    // bootstrap admin's) on: the sealer flags rows without it.
    crate::audit::row_mac::install(&settings.audit_key)?;
    let options = ConnectionOptions {
        sqlite_sync: settings.sqlite_sync,
    };
    let pool = open_database_with(&settings.database_url, settings.pool_size, options)?;
    crate::ops::durability::check_commit_durability(
        &mut *pool.get().map_err(|e| e.to_string())?,
        settings.allow_async_commit,
    )?;
    bootstrap_admin(&pool)?;
    // Claims created before `claim_services` existed get their history rows (issue 20), so
    // the duplicate-service and frequency rules see them; a no-op once done.
    let filled =
        crate::claims::service_history::backfill(&mut *pool.get().map_err(|e| e.to_string())?)
            .map_err(|e| format!("cannot backfill the claim service history: {e}"))?;
    if filled > 0 {
        tracing::info!(claims = filled, "claim service history backfilled");
    }
    let keys = TokenKeys::new(
        &settings.jwt_secret,
        settings.token_ttl_secs,
        settings.external_key.as_ref(),
    )?;
    let audit_anchor = std::sync::Arc::new(Anchor {
        key: Some(settings.audit_key.clone()),
        checkpoints: Some(settings.data_dir.join(AUDIT_CHECKPOINT_FILE)),
    });
    let audit = AuditSink::start_sealing_with(
        pool.clone(),
        audit_anchor.clone(),
        crate::config::audit_pg_writers_from_env()?,
    )
    .map_err(|e| e.to_string())?;
    let sealer = spawn_anchored_sealer(
        pool.clone(),
        Duration::from_millis(500),
        audit_anchor.clone(),
        crate::config::audit_checkpoint_policy_from_env()?,
    )
    .map_err(|e| e.to_string())?;
    let (codes, version) = code_reload::load(&mut *pool.get().map_err(|e| e.to_string())?)?;
    let backend = Backend::from_url(&settings.database_url);
    let http_ca_file = crate::config::http_ca_file_from_env();
    let state = web::Data::new(AppState {
        audit_anchor,
        x12_line_breaks: settings.x12_line_breaks,
        webhooks: crate::config::webhook_settings_from_env(),
        eligibility: Some(crate::config::eligibility_from_env(
            &settings.data_dir,
            http_ca_file.clone(),
        )?),
        http_ca_file,
        remit_max_bytes: crate::config::remit_max_bytes_from_env(),
        search_cache: crate::codeset_api::search_cache::SearchCache::new(
            crate::config::search_cache_entries_from_env(),
        ),
        console: crate::config::console_from_env(&settings.jwt_secret)?,
        lab_billing: crate::config::lab_billing_from_env(),
        submitter: crate::config::submitter_from_env(),
        ..AppState::new(pool, backend, keys, audit, LiveCodes::new(codes, version))
    });
    let reload = match settings.codeset_poll_secs {
        0 => None,
        secs => Some(
            code_reload::spawn_poller(state.clone(), Duration::from_secs(secs))
                .map_err(|e| e.to_string())?,
        ),
    };
    Ok(Services {
        state,
        sealer,
        reload,
    })
}

/// A submission worker to run beside the HTTP server.
pub type InProcessWorker = (WorkerConfig, std::sync::Arc<dyn Clearinghouse>);

/// Runs the HTTP server (and, when given, a submission worker on its own thread) until it is
/// stopped (Ctrl-C or SIGTERM).
pub async fn serve(settings: Settings, worker: Option<InProcessWorker>) -> Result<(), String> {
    let services = prepare(&settings)?;
    // Webhook deliveries run beside the submission worker, with its lease and poll (and not
    // at all with --no-worker: then `medbill worker` delivers).
    let delivery = worker
        .as_ref()
        .map(|(cfg, _)| crate::webhooks::deliver::DeliveryConfig {
            owner: format!("{}-webhooks", cfg.owner),
            lease: cfg.lease,
            poll: cfg.poll,
            settings: services.state.webhooks,
            ca_file: services.state.http_ca_file.clone(),
            ..Default::default()
        });
    let worker = match worker {
        Some((cfg, adapter)) => Some(
            worker::spawn(services.state.pool.clone(), cfg, adapter)
                .map_err(|e| format!("cannot start the submission worker: {e}"))?,
        ),
        None => None,
    };
    let deliverer = match delivery {
        Some(cfg) => Some(crate::webhooks::deliver::spawn(
            services.state.pool.clone(),
            cfg,
        )?),
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
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?
        // Our own signal handling (below) also stops the worker at once; actix then stops
        // accepting and gives requests in flight up to the timeout to finish.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .run();
    let signal = crate::ops::stop::StopSignal::register()
        .map_err(|e| format!("cannot catch stop signals: {e}"))?;
    let handle = server.handle();
    let worker_stop = worker.as_ref().map(worker::WorkerHandle::stop_flag);
    actix_web::rt::spawn(async move {
        signal.wait().await;
        tracing::info!("stopping: no new connections, finishing the requests in flight");
        if let Some(flag) = worker_stop {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        handle.stop(true).await;
    });
    tracing::info!(listen = %settings.listen, backend = ?services.state.backend, "medbill is serving");
    server.await.map_err(|e| e.to_string())?;
    // Joins the worker: it finishes its hand-off and releases the leases it did not use.
    drop(worker);
    drop(deliverer);
    // Seals what the last requests wrote and writes a final checkpoint: a graceful stop
    // leaves no unanchored tail.
    let Services {
        state,
        sealer,
        reload,
    } = services;
    drop(reload);
    sealer.finish();
    drop(state);
    tracing::info!("medbill stopped");
    Ok(())
}
