//! `POST /v1/auth/token`: the OAuth2 token endpoint (RFC 6749), taking form-encoded bodies as
//! the standard says, and JSON. Password grant for people, client credentials for integrations.

use actix_web::http::header;
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use super::accounts::{service_credentials, user_credentials};
use super::password::{hash_secret, verify_secret};
use super::roles::Role;
use crate::audit::AuditEntry;
use crate::error::{Category, DomainError, DomainResult};
use crate::http::context::request_id_of;
use crate::http::json::parse_json;
use crate::state::AppState;

/// A token request (form fields or JSON members of the same names).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `password` or `client_credentials`.
    #[schema(pattern = r"^(password|client_credentials)$", example = "password")]
    pub grant_type: String,
    /// For the password grant.
    pub username: Option<String>,
    /// For the password grant.
    pub password: Option<String>,
    /// For client credentials (or HTTP Basic).
    pub client_id: Option<String>,
    /// For client credentials (or HTTP Basic).
    pub client_secret: Option<String>,
    /// Accepted and ignored: the role decides what a token may do.
    pub scope: Option<String>,
}

/// A successful token response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

fn oauth_error(category: Category, code: &'static str, detail: &str) -> DomainError {
    DomainError::new(category, "oauth-error", detail)
        .with_extension("error", serde_json::json!(code))
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// A hash to verify against when the account does not exist, so timing does not reveal it.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret("medbill-dummy-password").unwrap_or_default())
}

fn parse_request(req: &HttpRequest, body: &[u8]) -> DomainResult<TokenRequest> {
    if req.content_type() == "application/json" {
        parse_json(body)
    } else {
        serde_urlencoded::from_bytes(body).map_err(|e| {
            oauth_error(
                Category::BadRequest,
                "invalid_request",
                &format!("the form is not valid: {e}"),
            )
        })
    }
}

/// Who logged in: actor kind, id, role and (for users) the token generation.
type LoggedIn = (&'static str, String, Role, Option<i32>);

/// The account a token request names (username or client id), for throttling.
fn account_of(r: &TokenRequest, basic: &Option<(String, String)>) -> String {
    let name = match r.grant_type.as_str() {
        "password" => r.username.clone(),
        _ => r
            .client_id
            .clone()
            .or_else(|| basic.as_ref().map(|b| b.0.clone())),
    };
    name.unwrap_or_default().trim().to_lowercase()
}

/// Check credentials; returns who logged in.
fn authenticate(
    state: &AppState,
    r: TokenRequest,
    basic: Option<(String, String)>,
) -> DomainResult<LoggedIn> {
    let mut conn = state.pool.get()?;
    let (kind, stored, secret) = match r.grant_type.as_str() {
        "password" => {
            let (Some(user), Some(pw)) = (r.username, r.password) else {
                return Err(oauth_error(
                    Category::BadRequest,
                    "invalid_request",
                    "username and password are required",
                ));
            };
            // No stored name holds a NUL (PostgreSQL cannot): such a name is simply unknown.
            let found = match user.trim() {
                name if name.contains('\0') => None,
                name => user_credentials(&mut conn, name)?,
            };
            (
                "user",
                found.map(|(id, h, r, v)| (id.to_string(), h, r, Some(v))),
                pw,
            )
        }
        "client_credentials" => {
            let (id, secret) = match (r.client_id, r.client_secret, basic) {
                (Some(id), Some(s), _) => (id, s),
                (_, _, Some((id, s))) => (id, s),
                _ => {
                    return Err(oauth_error(
                        Category::Unauthenticated,
                        "invalid_client",
                        "client_id and client_secret are required",
                    ));
                }
            };
            let found = match id.trim() {
                id if id.contains('\0') => None,
                id => service_credentials(&mut conn, id)?,
            };
            (
                "service",
                found.map(|(id, h, r)| (id.to_string(), h, r, None)),
                secret,
            )
        }
        _ => {
            return Err(oauth_error(
                Category::BadRequest,
                "unsupported_grant_type",
                "grant_type must be password or client_credentials",
            ));
        }
    };
    drop(conn);
    let hash = stored.as_ref().map_or(dummy_hash(), |s| s.1.as_str());
    let verified = verify_secret(&secret, hash);
    match stored {
        Some((id, _, role, generation)) if verified => {
            let role = Role::parse(&role).ok_or_else(DomainError::internal)?;
            Ok((kind, id, role, generation))
        }
        _ if kind == "service" => Err(oauth_error(
            Category::Unauthenticated,
            "invalid_client",
            "the client credentials are not valid",
        )),
        _ => Err(oauth_error(
            Category::BadRequest,
            "invalid_grant",
            "the username or password is not valid",
        )),
    }
}

/// Exchange credentials for an access token.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = crate::http::problem::Problem),
        (status = 401, body = crate::http::problem::Problem),
        (status = 429, description = "too many failed logins; see Retry-After",
            body = crate::http::problem::Problem)))]
#[post("/v1/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> DomainResult<HttpResponse> {
    let parsed = parse_request(&req, &body)?;
    let basic = basic_credentials(&req);
    let account = account_of(&parsed, &basic);
    // The peer address, not X-Forwarded-For, which any client can set.
    let address = req
        .peer_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.ip().to_string());
    let request_id = request_id_of(&req);
    let mut entry = AuditEntry::system("login", "session", None);
    entry.request_id = Some(request_id).filter(|r| !r.is_empty());
    entry.actor = "anonymous".into();
    entry.actor_role = "none".into();
    if let Some(wait) = state.login_throttle.locked(&account, &address) {
        entry.action = "login-throttled".into();
        entry.outcome = "failure".into();
        state.audit.record(vec![entry]).await?;
        return Err(oauth_error(
            Category::Throttled,
            "slow_down",
            "too many failed logins; wait before trying again",
        )
        .retry_after(wait));
    }
    let st = state.clone();
    let outcome = web::block(move || authenticate(&st, parsed, basic)).await?;
    match &outcome {
        Ok((kind, id, role, _)) => {
            state.login_throttle.succeeded(&account, &address);
            entry.actor = format!("{kind}:{id}");
            entry.actor_role = role.as_str().to_string();
        }
        Err(e) => {
            // Only wrong credentials count, not malformed requests or database outages.
            if matches!(e.category, Category::BadRequest | Category::Unauthenticated) {
                state.login_throttle.failed(&account, &address);
            }
            entry.outcome = "failure".into();
        }
    }
    state.audit.record(vec![entry]).await?;
    let (kind, id, role, generation) = outcome?;
    let token = state
        .keys
        .issue_session(&id, kind, role, generation)
        .map_err(|_| DomainError::internal())?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: state.keys.ttl_secs(),
        }))
}
