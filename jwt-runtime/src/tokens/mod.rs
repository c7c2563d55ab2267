//! Layer 4, tokens: encoding a token with Flask-JWT-Extended's claims, decoding one in PyJWT's
//! order of checks with its messages, and the verified-token cache. Decoding needs the config
//! and the keys (and the app's decode-key loader and cache, when it has them), not a manager.

pub(crate) mod cache;
pub(crate) mod decode;
pub(crate) mod encode;
