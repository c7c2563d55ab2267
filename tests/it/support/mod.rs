//! What the tests share: upstream's fixture config and manager, tokens, requests and replies
//! (`common.rs`, re-exported here; the loader test binaries include that file alone), a cookie
//! jar, the revocation-store suite, the docs examples the tests drive (each compiled once),
//! the test keys, and the binary's one logger.

pub mod blocklist;
mod common;
pub mod cookies;
pub mod examples;
pub mod identity_provider;
pub mod keys;
pub mod logs;

pub use common::*;
