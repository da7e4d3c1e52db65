//! The caller of a service: who (actor and role) under which request id. The HTTP layer
//! extracts it from the bearer token (`http::context`); a worker, a command or a test builds
//! one directly. Services, the audit log and the console take it without depending on HTTP.

use super::roles::{allows, Permission, Role};
use super::tokens::Caller;
use crate::error::{DomainError, DomainResult};

/// Who is calling and under which request id; every protected handler takes one.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The verified caller.
    pub caller: Caller,
    /// The request id (also in the `X-Request-Id` response header).
    pub request_id: String,
}

impl RequestCtx {
    /// The service itself acting as `actor` (an inbox import, a worker step) with the admin
    /// role and no request id, for work that no HTTP request started.
    pub fn system(actor: &str) -> Self {
        RequestCtx {
            caller: Caller {
                actor: actor.to_string(),
                role: Role::Admin,
                generation: None,
            },
            request_id: String::new(),
        }
    }

    /// Fails with 403 unless the caller's role allows `permission`.
    pub fn require(&self, permission: Permission) -> DomainResult<()> {
        if allows(self.caller.role, permission) {
            Ok(())
        } else {
            tracing::info!(request_id = %self.request_id, role = self.caller.role.as_str(), ?permission, "permission denied");
            Err(DomainError::forbidden(format!(
                "the {} role may not do this",
                self.caller.role.as_str()
            )))
        }
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.caller.role
    }
}
