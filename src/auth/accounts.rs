//! Users (people, who log in with a password) and service accounts (integrations, which use
//! the client-credentials grant).

use diesel::prelude::*;
use serde::Serialize;

use super::password::{hash_secret, random_secret, MIN_PASSWORD_LEN};
use super::roles::Role;
use crate::audit::{store as audit_store, AuditEntry};
use crate::db::schema::{service_accounts as sa, users};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

crate::typed_id!(
    /// Id of a user.
    UserId
);
crate::typed_id!(
    /// Id of a service account.
    ServiceAccountId
);

/// A user as listed (never with the hash).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    /// User id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: String,
    /// Whether the user may log in.
    pub active: bool,
    /// When created.
    pub created_at: Timestamp,
}

/// Errors of account administration, shown to the operator.
pub type AccountResult<T> = Result<T, String>;

fn db(e: diesel::result::Error) -> String {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => "that name is already taken".into(),
        other => format!("database error: {other}"),
    }
}

/// Creates a user; the password must be at least 12 characters.
pub fn add_user(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
    role: Role,
) -> AccountResult<UserId> {
    let username = username.trim();
    if username.is_empty() || username.len() > 64 {
        return Err("the username must be 1 to 64 characters".into());
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    let hash = hash_secret(password)?;
    let id = UserId::new();
    let now = Timestamp::now();
    conn.write_transaction(|c| {
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id),
                users::username.eq(username),
                users::password_hash.eq(&hash),
                users::role.eq(role.as_str()),
                users::active.eq(true),
                users::version.eq(1),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(c)?;
        audit_store::insert(
            c,
            &[AuditEntry::system("create", "user", Some(id.to_string()))],
        )?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(db)?;
    Ok(id)
}

/// Lists every user.
pub fn list_users(conn: &mut AnyConnection) -> AccountResult<Vec<User>> {
    users::table
        .select(User::as_select())
        .order(users::username.asc())
        .load(conn)
        .map_err(db)
}

/// Counts users (zero means first start: bootstrap an admin).
pub fn count_users(conn: &mut AnyConnection) -> AccountResult<i64> {
    users::table.count().get_result(conn).map_err(db)
}

fn update_user(
    conn: &mut AnyConnection,
    username: &str,
    action: &str,
    change: impl FnOnce(&mut AnyConnection, UserId) -> QueryResult<usize>,
) -> AccountResult<()> {
    conn.write_transaction(|c| {
        let id: UserId = users::table
            .filter(users::username.eq(username))
            .select(users::id)
            .first(c)?;
        change(c, id)?;
        audit_store::insert(
            c,
            &[AuditEntry::system(action, "user", Some(id.to_string()))],
        )?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| match e {
        diesel::result::Error::NotFound => format!("no user named {username}"),
        other => db(other),
    })
}

/// Disables a user: their password stops working and, because the version changes, their
/// tokens stop within seconds (see `auth::sessions`).
pub fn disable_user(conn: &mut AnyConnection, username: &str) -> AccountResult<()> {
    update_user(conn, username, "disable", |c, id| {
        diesel::update(users::table.find(id))
            .set((
                users::active.eq(false),
                users::version.eq(users::version + 1),
                users::updated_at.eq(Timestamp::now()),
            ))
            .execute(c)
    })
}

/// Sets a new password for a user.
pub fn set_password(conn: &mut AnyConnection, username: &str, password: &str) -> AccountResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    let hash = hash_secret(password)?;
    update_user(conn, username, "set_password", |c, id| {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(&hash),
                users::version.eq(users::version + 1),
                users::updated_at.eq(Timestamp::now()),
            ))
            .execute(c)
    })
}

/// The stored credentials of an active user: (id, password hash, role, version).
pub fn user_credentials(
    conn: &mut AnyConnection,
    username: &str,
) -> QueryResult<Option<(UserId, String, String, i32)>> {
    users::table
        .filter(users::username.eq(username))
        .filter(users::active.eq(true))
        .select((users::id, users::password_hash, users::role, users::version))
        .first(conn)
        .optional()
}

/// A new service account's credentials, shown once.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    /// Its id.
    pub id: ServiceAccountId,
    /// The client id to present.
    pub client_id: String,
    /// The client secret (stored only as a hash).
    pub client_secret: String,
}

/// Creates a service account with a generated client id and secret.
pub fn add_service_account(
    conn: &mut AnyConnection,
    name: &str,
    role: Role,
) -> AccountResult<NewServiceAccount> {
    let name = name.trim();
    if name.is_empty() || name.len() > 128 {
        return Err("the name must be 1 to 128 characters".into());
    }
    let id = ServiceAccountId::new();
    let client_id = format!("svc-{}", random_secret(16).to_lowercase());
    let client_secret = random_secret(40);
    let hash = hash_secret(&client_secret)?;
    let now = Timestamp::now();
    conn.write_transaction(|c| {
        diesel::insert_into(sa::table)
            .values((
                sa::id.eq(id),
                sa::client_id.eq(&client_id),
                sa::secret_hash.eq(&hash),
                sa::name.eq(name),
                sa::role.eq(role.as_str()),
                sa::active.eq(true),
                sa::version.eq(1),
                sa::created_at.eq(now),
                sa::updated_at.eq(now),
            ))
            .execute(c)?;
        audit_store::insert(
            c,
            &[AuditEntry::system(
                "create",
                "service_account",
                Some(id.to_string()),
            )],
        )?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(db)?;
    Ok(NewServiceAccount {
        id,
        client_id,
        client_secret,
    })
}

/// The stored credentials of an active service account: (id, secret hash, role).
pub fn service_credentials(
    conn: &mut AnyConnection,
    client_id: &str,
) -> QueryResult<Option<(ServiceAccountId, String, String)>> {
    sa::table
        .filter(sa::client_id.eq(client_id))
        .filter(sa::active.eq(true))
        .select((sa::id, sa::secret_hash, sa::role))
        .first(conn)
        .optional()
}
