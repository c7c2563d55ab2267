//! The docs examples the tests replay, each included once for the whole test binary. None of
//! them registers a loader by attribute: `loaders` and `automatic_user_loading` do, so the
//! tests of those run in test binaries of their own.

// Each example includes the shared `examples/support/` modules it uses, so they are loaded
// more than once here, which is harmless.
#![allow(clippy::duplicate_mod, dead_code)]

#[path = "../../../examples/additional_data_in_access_token.rs"]
pub mod additional_data_in_access_token;

#[path = "../../../examples/asymmetric.rs"]
pub mod asymmetric;

#[path = "../../../examples/blocklist_database.rs"]
pub mod blocklist_database;

#[path = "../../../examples/blocklist_redis.rs"]
pub mod blocklist_redis;

#[path = "../../../examples/implicit_refresh.rs"]
pub mod implicit_refresh;

#[path = "../../../examples/jwt_locations.rs"]
pub mod jwt_locations;

#[path = "../../../examples/oidc.rs"]
pub mod oidc;

#[cfg(feature = "utoipa")]
#[path = "../../../examples/openapi.rs"]
pub mod openapi;

#[path = "../../../examples/optional_protected_endpoints.rs"]
pub mod optional_protected_endpoints;

#[path = "../../../examples/refresh_tokens.rs"]
pub mod refresh_tokens;

#[path = "../../../examples/simple.rs"]
pub mod simple;

#[path = "../../../examples/token_freshness.rs"]
pub mod token_freshness;

#[path = "../../../examples/typed_claims.rs"]
pub mod typed_claims;
