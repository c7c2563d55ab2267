//! Loaders registered by attribute (`#[user_lookup_loader]`, ...), collected at link time as
//! Flask's `@jwt.user_lookup_loader` decorator registers on the manager. A callback set on the
//! [`JwtManagerBuilder`](crate::JwtManagerBuilder) wins over a registered one.

use std::sync::Arc;

use crate::foundation::error::ConfigError;
use crate::loaders::callbacks::Callbacks;
use crate::loaders::for_each_loader;

/// What the function a loader of a category is registered as returns.
macro_rules! adapted {
    (Identity) => { $crate::loaders::checks::Fallible<::serde_json::Value> };
    (AdditionalClaims) => { $crate::loaders::checks::Fallible<$crate::loaders::checks::JsonObject> };
    (AdditionalHeaders) => { $crate::loaders::checks::Fallible<$crate::loaders::checks::JsonObject> };
    (EncodeKey) => { $crate::loaders::checks::Fallible<::jsonwebtoken::EncodingKey> };
    (DecodeKey) => { $crate::loaders::checks::Fallible<::jsonwebtoken::DecodingKey> };
    (Check) => { $crate::loaders::checks::CheckFuture };
    (User) => { $crate::loaders::checks::UserFuture };
    (MessageResponse) => { ::actix_web::HttpResponse };
    (TokenResponse) => { ::actix_web::HttpResponse };
}
pub(crate) use adapted;

/// The function type a loader of a category is registered as: what its attribute generates.
macro_rules! adapter {
    (MessageResponse) => { fn(&str) -> $crate::loaders::registry::adapted!(MessageResponse) };
    (DecodeKey) => { fn(&$crate::foundation::claims::JwtHeader, &$crate::foundation::claims::Claims)
        -> $crate::loaders::registry::adapted!(DecodeKey) };
    (TokenResponse) => { fn(&$crate::foundation::claims::JwtHeader, &$crate::foundation::claims::Claims)
        -> $crate::loaders::registry::adapted!(TokenResponse) };
    (Check) => { fn(&::actix_web::HttpRequest, &$crate::foundation::claims::JwtHeader, &$crate::foundation::claims::Claims)
        -> $crate::loaders::registry::adapted!(Check) };
    (User) => { fn(&::actix_web::HttpRequest, &$crate::foundation::claims::JwtHeader, &$crate::foundation::claims::Claims)
        -> $crate::loaders::registry::adapted!(User) };
    // The others are given the identity.
    ($category:ident) => { fn(&::serde_json::Value) -> $crate::loaders::registry::adapted!($category) };
}
pub(crate) use adapter;

macro_rules! loader_enum {
    ($($(#[$doc:meta])* $name:ident $variant:ident: $category:ident { $($messages:tt)* })*) => {
        /// One loader function, in the form the attribute macros generate.
        #[derive(Debug, Clone, Copy)]
        pub enum Loader {
            $($(#[$doc])* $variant(adapter!($category)),)*
        }

        impl Loader {
            /// Flask's name of the loader, e.g. `user_lookup_loader`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Loader::$variant(_) => stringify!($name),)*
                }
            }
        }

        /// Fills the loader's slot unless the builder filled it already.
        fn fill(c: &mut Callbacks, loader: Loader) {
            match loader {
                $(Loader::$variant(f) => {
                    c.$name.get_or_insert_with(|| Arc::new(f));
                })*
            }
        }
    };
}

for_each_loader!(loader_enum);

/// A loader function registered by attribute, with the path of the function for messages.
#[derive(Debug)]
pub struct RegisteredLoader {
    /// `module::path::function_name` of the registered function.
    pub function: &'static str,
    /// The loader.
    pub loader: Loader,
}

inventory::collect!(RegisteredLoader);

/// Every registered loader, with a `ConfigError` naming both functions when one loader is
/// registered twice.
fn registered() -> Result<Vec<&'static RegisteredLoader>, ConfigError> {
    let mut seen: Vec<&'static RegisteredLoader> = Vec::new();
    for registration in inventory::iter::<RegisteredLoader> {
        let name = registration.loader.name();
        if let Some(first) = seen.iter().find(|r| r.loader.name() == name) {
            let (a, b) = if first.function <= registration.function {
                (first.function, registration.function)
            } else {
                (registration.function, first.function)
            };
            return Err(ConfigError::new(
                name,
                format!("registered twice, by `{a}` and by `{b}`; keep one of them"),
            ));
        }
        seen.push(registration);
    }
    Ok(seen)
}

/// Fills every loader slot the builder left empty with the registered loader, if any.
pub(crate) fn apply(callbacks: &mut Callbacks) -> Result<(), ConfigError> {
    for registration in registered()? {
        fill(callbacks, registration.loader);
    }
    Ok(())
}
