//! Extracting the caller of a request ([`RequestCtx`], defined in `auth::context` so services
//! can take it without HTTP) from its bearer token.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Either, LocalBoxFuture, Ready};

use super::request_id::RequestId;
pub use crate::auth::context::RequestCtx;
use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

/// The request id of `req` (empty when the middleware did not run, as in some unit tests).
pub fn request_id_of(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

fn extract(req: &HttpRequest) -> DomainResult<RequestCtx> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(DomainError::internal)?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        DomainError::unauthorized("send an access token: Authorization: Bearer <token>")
    })?;
    let text = value
        .to_str()
        .map_err(|_| DomainError::unauthorized("the Authorization header is not valid text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| {
            DomainError::unauthorized("the Authorization header must be: Bearer <token>")
        })?;
    let caller = state
        .keys
        .verify(token.trim())
        .map_err(|r| DomainError::unauthorized(r.0))?;
    Ok(RequestCtx {
        caller,
        request_id: request_id_of(req),
    })
}

impl FromRequest for RequestCtx {
    type Error = DomainError;
    type Future = Either<
        Ready<Result<Self, Self::Error>>,
        LocalBoxFuture<'static, Result<Self, Self::Error>>,
    >;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = extract(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // Most requests are decided here, without a future to box: a bad token, or a caller
        // whose session state is cached (or needs none).
        let decided = match (&ctx, &state) {
            (Err(_), _) | (_, None) => true,
            (Ok(c), Some(st)) => match crate::auth::sessions::check_cached(st, &c.caller) {
                Some(Err(e)) => return Either::Left(ready(Err(e))),
                Some(Ok(())) => true,
                None => false,
            },
        };
        if decided {
            return Either::Left(ready(
                ctx.and_then(|c| state.map(|_| c).ok_or_else(DomainError::internal)),
            ));
        }
        Either::Right(Box::pin(async move {
            let ctx = ctx?;
            let state = state.ok_or_else(DomainError::internal)?;
            // A disabled user or an old password's token stops here (checked via a cache).
            crate::auth::sessions::ensure_current(&state, &ctx.caller).await?;
            Ok(ctx)
        }))
    }
}
