//! Console sessions: a signed cookie (HMAC-SHA256 over user, role, token generation, last
//! activity and the CSRF token), HttpOnly, SameSite=Strict, Secure over TLS. Every request
//! checks the signature, the idle timeout and, like API tokens, that the user is still active
//! with the same account version (`auth::sessions::ensure_current`); the cookie is then
//! re-issued with the new activity time. Posted forms carry the CSRF token ([`CsrfForm`]).

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use super::page::ConsoleError;
use super::settings::{ConsoleSettings, SecureCookie};
use crate::auth::roles::{allows, Permission, Role};
use crate::auth::tokens::Caller;
use crate::http::context::request_id_of;
use crate::http::RequestCtx;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "medbill_session";
/// Name of the cookie holding the sign-in form's CSRF token (before there is a session).
pub const LOGIN_COOKIE: &str = "medbill_login";

/// The signed-in user of a console request.
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller as the API would see it (actor `user:<id>`, role, token generation).
    pub ctx: RequestCtx,
    /// The session's CSRF token, to put in every form.
    pub csrf: String,
}

/// What a session cookie holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionData {
    /// The user's id.
    pub user: uuid::Uuid,
    /// The role signed in with.
    pub role: Role,
    /// The account's version at sign-in.
    pub generation: i32,
    /// Unix seconds of the last request.
    pub seen: i64,
    /// The CSRF token.
    pub csrf: String,
}

fn mac(key: &[u8; 32], payload: &str) -> String {
    let mut m = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

impl SessionData {
    /// The signed cookie value.
    pub fn encode(&self, key: &[u8; 32]) -> String {
        let payload = format!(
            "{}.{}.{}.{}.{}",
            self.user.simple(),
            self.role.as_str(),
            self.generation,
            self.seen,
            self.csrf
        );
        let sig = mac(key, &payload);
        format!("{payload}.{sig}")
    }

    /// Parses and checks a cookie value; `None` when malformed or the signature is wrong.
    pub fn decode(value: &str, key: &[u8; 32]) -> Option<SessionData> {
        let (payload, sig) = value.rsplit_once('.')?;
        // Constant-time comparison through the HMAC verifier.
        let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
        m.update(payload.as_bytes());
        m.verify_slice(&hex::decode(sig).ok()?).ok()?;
        let mut parts = payload.split('.');
        let user = uuid::Uuid::parse_str(parts.next()?).ok()?;
        let role = Role::parse(parts.next()?)?;
        let generation = parts.next()?.parse().ok()?;
        let seen = parts.next()?.parse().ok()?;
        let csrf = parts.next()?.to_string();
        if parts.next().is_some() || csrf.is_empty() {
            return None;
        }
        Some(SessionData {
            user,
            role,
            generation,
            seen,
            csrf,
        })
    }
}

/// A random token for CSRF fields.
pub fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    hex::encode(b)
}

fn secure(req: &HttpRequest, settings: &ConsoleSettings) -> bool {
    settings.secure == SecureCookie::Always || req.connection_info().scheme() == "https"
}

/// A console cookie with the console's attributes.
pub fn cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    let settings = console_settings(req);
    Cookie::build(name, value)
        .path("/app")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.is_some_and(|s| secure(req, s)))
        .finish()
}

/// A cookie that removes `name`.
pub fn removal(req: &HttpRequest, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(req, name, String::new());
    c.make_removal();
    c
}

fn console_settings(req: &HttpRequest) -> Option<&ConsoleSettings> {
    req.app_data::<web::Data<AppState>>().map(|s| &s.console)
}

/// The re-issued session cookie of this request, set on its response.
#[derive(Clone)]
struct Refreshed(Cookie<'static>);

async fn extract(req: HttpRequest) -> Result<Session, ConsoleError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(ConsoleError::SignIn(""))?;
    let raw = req.cookie(SESSION_COOKIE).ok_or(ConsoleError::SignIn(""))?;
    let mut data = SessionData::decode(raw.value(), &state.console.key)
        .ok_or(ConsoleError::SignIn("invalid"))?;
    let now = chrono::Utc::now().timestamp();
    if now - data.seen > state.console.idle_secs {
        return Err(ConsoleError::SignIn("idle"));
    }
    let ctx = RequestCtx {
        caller: Caller {
            actor: format!("user:{}", data.user),
            role: data.role,
            generation: Some(data.generation),
        },
        request_id: request_id_of(&req),
    };
    crate::auth::sessions::ensure_current(&state, &ctx.caller)
        .await
        .map_err(|_| ConsoleError::SignIn("ended"))?;
    data.seen = now;
    let fresh = cookie(&req, SESSION_COOKIE, data.encode(&state.console.key));
    req.extensions_mut().insert(Refreshed(fresh));
    Ok(Session {
        ctx,
        csrf: data.csrf,
    })
}

impl FromRequest for Session {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(extract(req.clone()))
    }
}

impl Session {
    /// Fails with a 403 page unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ConsoleError> {
        self.ctx.require(permission).map_err(ConsoleError::from)
    }

    /// Whether the role allows `permission` (to show or hide a control).
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.ctx.caller.role, permission)
    }
}

/// Sets the re-issued session cookie on the response (unless the handler set its own, as
/// sign-in and sign-out do).
pub async fn refresh_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let refreshed = res.request().extensions().get::<Refreshed>().cloned();
    let handler_set = res.response().cookies().any(|c| c.name() == SESSION_COOKIE);
    if let Some(Refreshed(c)) = refreshed {
        if !handler_set {
            if let Ok(v) = header::HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    Ok(res)
}

/// A posted form whose `csrf` field must equal the session's token; the other fields are
/// parsed into `T` (which must not deny unknown fields: `csrf` is one).
pub struct CsrfForm<T> {
    /// The signed-in user.
    pub session: Session,
    /// The form's fields.
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let session = extract(req.clone()).await?;
            let bytes = body.await.map_err(|_| ConsoleError::BadForm)?;
            let token: CsrfOnly =
                serde_urlencoded::from_bytes(&bytes).map_err(|_| ConsoleError::BadForm)?;
            if !constant_eq(&token.csrf, &session.csrf) {
                return Err(ConsoleError::Csrf);
            }
            let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| ConsoleError::BadForm)?;
            Ok(CsrfForm { session, form })
        })
    }
}

/// Compares two tokens without an early exit.
pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> SessionData {
        SessionData {
            user: uuid::Uuid::new_v4(),
            role: Role::Lab,
            generation: 3,
            seen: 1_700_000_000,
            csrf: random_token(),
        }
    }

    #[test]
    fn cookie_round_trips_and_tampering_is_refused() {
        let key = [7u8; 32];
        let s = sample();
        let v = s.encode(&key);
        assert_eq!(SessionData::decode(&v, &key), Some(s.clone()));
        assert_eq!(SessionData::decode(&v, &[8u8; 32]), None);
        let forged = v.replacen(".lab.", ".admin.", 1);
        assert_eq!(SessionData::decode(&forged, &key), None);
        assert_eq!(SessionData::decode("garbage", &key), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }
}
