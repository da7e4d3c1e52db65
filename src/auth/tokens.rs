//! Issuing and verifying JWT access tokens: HS256 tokens we sign ourselves, plus RS256/EdDSA
//! tokens from an external identity provider when its public key is configured.

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};

use super::roles::Role;
use super::token_cache::TokenCache;
use crate::config::ExternalKey;

/// The issuer we put in (and require of) our own tokens.
pub const ISSUER: &str = "medbill";

/// Seconds of clock skew allowed on `exp` (our tokens and external ones).
const LEEWAY_SECS: i64 = 5;

/// Claims carried in an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the user's or service account's id (or the external provider's subject).
    pub sub: String,
    /// The role the subject acts in.
    pub role: String,
    /// `user` or `service` for our tokens; absent in external ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// For users: the account's version at login; a later change ends the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen: Option<i32>,
}

/// Who is calling, as proven by a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable actor name for the audit log: `user:<id>`, `service:<id>` or `external:<sub>`.
    pub actor: String,
    /// The caller's role.
    pub role: Role,
    /// The token generation the token was issued under (users only).
    pub generation: Option<i32>,
}

/// Why a token was refused (always answered with 401; the reason goes to the problem detail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRejected(pub &'static str);

/// Signs and verifies access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
    external: Option<(DecodingKey, Validation)>,
    verified: TokenCache,
}

impl TokenKeys {
    /// Builds the keys from the HS256 secret and the optional external provider key.
    pub fn new(
        secret: &[u8],
        ttl_secs: i64,
        external: Option<&ExternalKey>,
    ) -> Result<Self, String> {
        let external = match external {
            None => None,
            Some(ext) => Some(external_validation(ext)?),
        };
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_secs,
            external,
            verified: TokenCache::default(),
        })
    }

    /// Lifetime of issued tokens in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues a token for `sub` of `kind` (`user` or `service`) in `role`.
    pub fn issue(&self, sub: &str, kind: &str, role: Role) -> Result<String, String> {
        self.issue_session(sub, kind, role, None)
    }

    /// Issues a token that stays valid only while the account's version is `generation`.
    pub fn issue_session(
        &self,
        sub: &str,
        kind: &str,
        role: Role,
        generation: Option<i32>,
    ) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_string(),
            role: role.as_str().to_string(),
            kind: Some(kind.to_string()),
            iat: now,
            exp: now + self.ttl_secs,
            iss: Some(ISSUER.to_string()),
            gen: generation,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("cannot sign the token: {e}"))
    }

    /// Verifies a token's algorithm, signature, expiry and role. A token verified before is
    /// answered from memory until its expiry (see `token_cache`).
    pub fn verify(&self, token: &str) -> Result<Caller, TokenRejected> {
        let now = chrono::Utc::now().timestamp();
        if let Some(caller) = self.verified.get(token, now) {
            return Ok(caller);
        }
        let (caller, exp) = self.verify_signed(token)?;
        self.verified
            .put(token, &caller, exp.saturating_add(LEEWAY_SECS), now);
        Ok(caller)
    }

    /// Full verification, and the token's expiry.
    fn verify_signed(&self, token: &str) -> Result<(Caller, i64), TokenRejected> {
        let header = decode_header(token).map_err(|_| TokenRejected("the token is malformed"))?;
        let claims = match header.alg {
            Algorithm::HS256 => {
                let mut v = Validation::new(Algorithm::HS256);
                v.set_issuer(&[ISSUER]);
                v.leeway = LEEWAY_SECS as u64;
                v.set_required_spec_claims(&["exp", "sub", "iss"]);
                decode::<Claims>(token, &self.decoding, &v)
            }
            Algorithm::RS256 | Algorithm::EdDSA => match &self.external {
                Some((key, v)) if v.algorithms.contains(&header.alg) => {
                    decode::<Claims>(token, key, v)
                }
                _ => return Err(TokenRejected("tokens of this algorithm are not accepted")),
            },
            _ => return Err(TokenRejected("tokens of this algorithm are not accepted")),
        }
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                TokenRejected("the token has expired")
            }
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                TokenRejected("the token signature is invalid")
            }
            _ => TokenRejected("the token is invalid"),
        })?
        .claims;
        let role =
            Role::parse(&claims.role).ok_or(TokenRejected("the token names an unknown role"))?;
        let actor = match (header.alg, claims.kind.as_deref()) {
            (Algorithm::HS256, Some("user")) => format!("user:{}", claims.sub),
            (Algorithm::HS256, Some("service")) => format!("service:{}", claims.sub),
            (Algorithm::HS256, _) => return Err(TokenRejected("the token is invalid")),
            _ => format!("external:{}", claims.sub),
        };
        Ok((
            Caller {
                actor,
                role,
                generation: claims.gen,
            },
            claims.exp,
        ))
    }
}

fn external_validation(ext: &ExternalKey) -> Result<(DecodingKey, Validation), String> {
    let (key, alg) = match ext.algorithm.as_str() {
        "RS256" => (DecodingKey::from_rsa_pem(&ext.pem), Algorithm::RS256),
        "EdDSA" => (DecodingKey::from_ed_pem(&ext.pem), Algorithm::EdDSA),
        other => return Err(format!("unsupported external token algorithm {other}")),
    };
    let key = key.map_err(|e| format!("cannot read the external public key: {e}"))?;
    let mut v = Validation::new(alg);
    v.leeway = LEEWAY_SECS as u64;
    match &ext.issuer {
        Some(iss) => v.set_issuer(&[iss]),
        None => v.iss = None,
    }
    match &ext.audience {
        Some(aud) => v.set_audience(&[aud]),
        None => v.validate_aud = false,
    }
    Ok((key, v))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900, None).unwrap()
    }

    #[test]
    fn issued_token_verifies_with_actor_and_role() {
        let k = keys();
        let t = k.issue("42", "user", Role::Billing).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!(c.actor, "user:42");
        assert_eq!(c.role, Role::Billing);
    }

    #[test]
    fn alg_none_bad_signature_expiry_and_unknown_role_are_rejected() {
        let k = keys();
        // alg none: header {"alg":"none"} with an empty signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwia2luZCI6InVzZXIiLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OSwiaXNzIjoibWVkYmlsbCJ9.";
        assert!(k.verify(none).is_err());
        let other = TokenKeys::new(b"another-secret-another-secret-xx", 900, None).unwrap();
        let forged = other.issue("1", "user", Role::Admin).unwrap();
        assert_eq!(
            k.verify(&forged).unwrap_err().0,
            "the token signature is invalid"
        );
        let expired = TokenKeys::new(b"0123456789abcdef0123456789abcdef", -3600, None).unwrap();
        let old = expired.issue("1", "user", Role::Admin).unwrap();
        assert_eq!(k.verify(&old).unwrap_err().0, "the token has expired");
        let claims = Claims {
            sub: "1".into(),
            role: "root".into(),
            kind: Some("user".into()),
            iat: 0,
            exp: chrono::Utc::now().timestamp() + 60,
            iss: Some(ISSUER.into()),
            gen: None,
        };
        let t = encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert_eq!(
            k.verify(&t).unwrap_err().0,
            "the token names an unknown role"
        );
    }

    #[test]
    fn external_eddsa_tokens_need_the_configured_key_issuer_and_role() {
        let ext = ExternalKey {
            algorithm: "EdDSA".into(),
            pem: include_bytes!("../../tests/fixtures/idp-ed25519-public.pem").to_vec(),
            issuer: Some("https://idp.example".into()),
            audience: None,
        };
        let k = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900, Some(&ext)).unwrap();
        let sign = |pem: &[u8], iss: &str, role: &str| {
            let claims = serde_json::json!({
                "sub": "alice", "role": role, "iss": iss,
                "iat": chrono::Utc::now().timestamp(), "exp": chrono::Utc::now().timestamp() + 60
            });
            encode(
                &Header::new(Algorithm::EdDSA),
                &claims,
                &EncodingKey::from_ed_pem(pem).unwrap(),
            )
            .unwrap()
        };
        let idp = include_bytes!("../../tests/fixtures/idp-ed25519-private.pem");
        let other = include_bytes!("../../tests/fixtures/other-ed25519-private.pem");
        let c = k.verify(&sign(idp, "https://idp.example", "lab")).unwrap();
        assert_eq!(c.actor, "external:alice");
        assert_eq!(c.role, Role::Lab);
        assert!(k
            .verify(&sign(other, "https://idp.example", "lab"))
            .is_err());
        assert!(k.verify(&sign(idp, "https://evil.example", "lab")).is_err());
        assert!(k
            .verify(&sign(idp, "https://idp.example", "superuser"))
            .is_err());
        // Without an external key configured, EdDSA tokens are refused outright.
        assert!(keys()
            .verify(&sign(idp, "https://idp.example", "lab"))
            .is_err());
    }
}
