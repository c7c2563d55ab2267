//! Layer 1, foundations: the error types, the decoded parts of a token, the configuration,
//! time and redaction helpers, and the `tracing` span and events (`trace`). Every other layer
//! builds on these; they name nothing above.

pub(crate) mod claims;
pub(crate) mod compact;
pub(crate) mod config;
pub(crate) mod error;
#[cfg_attr(
    not(any(feature = "redis", feature = "jwks", feature = "sqlx-postgres")),
    allow(dead_code)
)]
pub(crate) mod redact;
pub(crate) mod time;
pub(crate) mod trace;
