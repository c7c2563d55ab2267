//! Layer 6, the request: the options of a protected route, the lazily read body, the token
//! locations (headers, cookies with CSRF, query string, JSON body), the one verification
//! pipeline, and the task-local context the handler reads the verified token from.

pub(crate) mod body;
pub(crate) mod context;
pub(crate) mod locations;
pub(crate) mod options;
pub(crate) mod pipeline;
pub(crate) mod shared;
