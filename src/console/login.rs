//! Sign-in and sign-out. Credentials are checked like the API's password grant (same
//! accounts, hashes, login throttle and audit rows); a session cookie replaces the token.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{html, see_other, ConsoleError};
use super::session::{
    constant_eq, cookie, random_token, removal, SessionData, LOGIN_COOKIE, SESSION_COOKIE,
};
use crate::audit::AuditEntry;
use crate::auth::accounts::user_credentials;
use crate::auth::password::verify_secret;
use crate::auth::roles::Role;
use crate::error::{DomainError, DomainResult};
use crate::http::context::request_id_of;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    message: Option<&'static str>,
    username: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    reason: Option<String>,
}

fn reason_text(reason: Option<&str>) -> Option<&'static str> {
    match reason? {
        "idle" => Some("You were signed out after a period of inactivity."),
        "ended" => Some("Your session has ended (account changed); sign in again."),
        "out" => Some("You have signed out."),
        "invalid" => Some("Your session is not valid; sign in again."),
        _ => None,
    }
}

fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    message: Option<&'static str>,
    username: String,
) -> Result<HttpResponse, ConsoleError> {
    let csrf = random_token();
    let body = LoginPage {
        csrf: csrf.clone(),
        message,
        username,
    }
    .render()
    .map_err(|_| DomainError::internal())?;
    let mut res = html(status, body);
    res.add_cookie(&cookie(req, LOGIN_COOKIE, csrf))
        .map_err(|_| DomainError::internal())?;
    Ok(res)
}

#[get("/login")]
async fn login_form(
    req: HttpRequest,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, ConsoleError> {
    login_page(
        &req,
        StatusCode::OK,
        reason_text(q.reason.as_deref()),
        String::new(),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// A user who may sign in: id, role, account version.
type SignedIn = (uuid::Uuid, Role, i32);

fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> DomainResult<Option<SignedIn>> {
    let mut conn = state.pool.get()?;
    let found = user_credentials(&mut conn, username)?;
    drop(conn);
    let hash = found
        .as_ref()
        .map_or(crate::auth::routes::dummy_hash(), |f| f.1.as_str());
    // Verify even for an unknown user so timing does not reveal which names exist.
    let ok = verify_secret(password, hash) && found.is_some();
    match found {
        Some((id, _, role, version)) if ok => Ok(Role::parse(&role).map(|r| (id.0, r, version))),
        _ => Ok(None),
    }
}

#[post("/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = form.into_inner();
    let cookie_token = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_string());
    if !cookie_token.is_some_and(|t| !t.is_empty() && constant_eq(&t, &form.csrf)) {
        return Err(ConsoleError::Csrf);
    }
    let account = form.username.trim().to_lowercase();
    let address = req
        .peer_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.ip().to_string());
    let mut entry = AuditEntry::system("login", "session", None);
    entry.request_id = Some(request_id_of(&req)).filter(|r| !r.is_empty());
    entry.actor = "anonymous".into();
    entry.actor_role = "none".into();
    if state.login_throttle.locked(&account, &address).is_some() {
        entry.action = "login-throttled".into();
        entry.outcome = "failure".into();
        state.audit.record(vec![entry]).await?;
        return login_page(
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed sign-ins; wait a few minutes and try again."),
            form.username,
        );
    }
    let st = state.clone();
    let (user, pw) = (form.username.trim().to_string(), form.password);
    let outcome = web::block(move || check_password(&st, &user, &pw))
        .await
        .map_err(DomainError::from)??;
    let Some((id, role, generation)) = outcome else {
        state.login_throttle.failed(&account, &address);
        entry.outcome = "failure".into();
        state.audit.record(vec![entry]).await?;
        return login_page(
            &req,
            StatusCode::UNAUTHORIZED,
            Some("The username or password is not valid."),
            form.username,
        );
    };
    state.login_throttle.succeeded(&account, &address);
    entry.actor = format!("user:{id}");
    entry.actor_role = role.as_str().into();
    state.audit.record(vec![entry]).await?;
    let data = SessionData {
        user: id,
        role,
        generation,
        seen: chrono::Utc::now().timestamp(),
        csrf: random_token(),
    };
    let mut res = see_other("/app/");
    res.add_cookie(&cookie(
        &req,
        SESSION_COOKIE,
        data.encode(&state.console.key),
    ))
    .map_err(|_| DomainError::internal())?;
    res.add_removal_cookie(&removal(&req, LOGIN_COOKIE))
        .map_err(|_| DomainError::internal())?;
    Ok(res)
}

#[derive(Deserialize)]
struct Csrf {
    #[serde(default)]
    csrf: String,
}

/// Sign-out: the cookie is removed (a copied cookie still ends at the idle timeout).
#[post("/logout")]
async fn logout(form: super::session::CsrfForm<Csrf>) -> Result<HttpResponse, ConsoleError> {
    let _ = form.form.csrf;
    let mut res = see_other("/app/login?reason=out");
    let mut gone = actix_web::cookie::Cookie::new(SESSION_COOKIE, "");
    gone.set_path("/app");
    gone.make_removal();
    res.add_cookie(&gone).map_err(|_| DomainError::internal())?;
    Ok(res)
}

/// Mounts sign-in and sign-out.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form).service(login).service(logout);
}
