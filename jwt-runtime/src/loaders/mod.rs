//! Layer 3, loaders: Flask-JWT-Extended's fifteen loader callbacks, each slot empty until the
//! app fills it (Flask's default applies then), their registration by attribute, the
//! compile-time checks of the attribute-registered functions, and the error responses the
//! response loaders replace.

pub(crate) mod callbacks;
pub(crate) mod checks;
pub(crate) mod registry;
pub(crate) mod responses;
