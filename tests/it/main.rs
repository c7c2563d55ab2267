//! The integration tests, one test binary: a module per topic (each was a test binary of its
//! own), and `support`, what they share. Linking the dependency tree once is most of what this
//! saves. The tests that change what is global to a program (loaders registered by attribute,
//! the crypto provider) are binaries of their own, listed next to this one in Cargo.toml.

mod support;

mod additional_claims_and_headers;
mod asymmetric;
mod asymmetric_examples;
mod asymmetric_interop;
mod attacks;
mod blocklist_memory;
mod blocklist_postgres;
mod blocklist_redis;
mod blocklist_scale_out;
mod blocklist_sqlite;
mod claims_verification;
mod concurrency;
mod config;
mod context_helpers;
mod cookies;
mod decode_tokens;
mod examples;
mod extractors_and_middleware;
mod faults;
mod headers;
mod identity_provider;
mod interop;
mod isolation_under_load;
mod json_body;
mod jwks;
mod key_rotation;
mod location_examples;
mod multiple_locations;
mod nested_managers;
#[cfg(feature = "utoipa")]
mod openapi;
mod properties;
mod query_string;
mod registration;
mod revocation_scale_out;
mod secrets;
mod shared_verification;
mod test_helpers;
#[cfg(feature = "tracing")]
mod tracing_events;
mod typed_claims;
mod verified_token_cache;
mod view_decorators;
