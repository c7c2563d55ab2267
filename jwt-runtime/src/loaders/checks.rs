//! What the loader attributes (`#[user_lookup_loader]`, ...) generate calls to: adapters from
//! the user's loader function to the [`Loader`](crate::loaders::registry::Loader) signatures,
//! and the traits that check its argument and return types at compile time.
//!
//! Each loader has a module of its own (e.g. [`user_lookup_loader`]) whose traits carry that
//! loader's messages, so that a type error says which attribute expects what:
//! "`#[user_lookup_loader]` must return `Option<User>` ..., note: `#[user_lookup_loader]`
//! expects `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`". The conversions
//! themselves are the shared traits below. Reached only through `__private::loader`; not
//! public API.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use actix_web::FromRequest;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::foundation::claims::to_object;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::loaders::callbacks::{AnyUser, CheckOutcome};
use crate::loaders::for_each_loader;
use crate::loaders::registry::Loader;

// What generated code names (through `__private::loader`).
pub use crate::foundation::claims::{Claims, JwtHeader};
pub use actix_web::HttpRequest;
pub use serde_json::Value as Json;

// What the checks below use.
pub(crate) use crate::loaders::callbacks::LocalBoxFuture;
pub(crate) use actix_web::HttpResponse;
pub(crate) use jsonwebtoken::{DecodingKey, EncodingKey};

/// The extractors that are doors of the verification (`Jwt`, `OptionalJwt`, `CurrentUser`):
/// a loader runs inside the verification such an extractor waits for, so a loader that took
/// one would wait for itself. Implemented by the doors; loader arguments are checked against
/// it at compile time ([`not_a_door`]).
pub trait Door {}

impl<T: Door> Door for Option<T> {}
impl<T: Door, E> Door for Result<T, E> {}

/// The type of a loader's extractor argument, for [`not_a_door`]: `(&Probe::<T>::new())
/// .verdict()` is [`DoorProbe::verdict`] for a [`Door`] and [`AnyProbe::verdict`] for any other
/// type (a method of `Probe<T>` is found before one of `&Probe<T>`).
#[derive(Debug)]
pub struct Probe<T>(std::marker::PhantomData<T>);

impl<T> Probe<T> {
    /// The probe of `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

/// The verdict on a door: refused.
#[derive(Debug)]
pub struct DoorExtractor;
/// The verdict on any other extractor: allowed.
#[derive(Debug)]
pub struct OtherExtractor;

/// The verdict on a [`Door`].
pub trait DoorProbe {
    /// Refused.
    fn verdict(&self) -> DoorExtractor;
}

impl<T: Door> DoorProbe for Probe<T> {
    fn verdict(&self) -> DoorExtractor {
        DoorExtractor
    }
}

/// The verdict on any other type.
pub trait AnyProbe {
    /// Allowed.
    fn verdict(&self) -> OtherExtractor;
}

impl<T> AnyProbe for &Probe<T> {
    fn verdict(&self) -> OtherExtractor {
        OtherExtractor
    }
}

/// What an extractor argument of a loader must be: anything but a door.
#[diagnostic::on_unimplemented(
    message = "a loader cannot take `Jwt`, `OptionalJwt` or `CurrentUser`: it runs inside the verification they wait for",
    label = "a door of the verification this loader is part of",
    note = "take `&Claims` (and `&JwtHeader`), which the loader is given, or `HttpRequest`"
)]
pub trait NotADoor {}

impl NotADoor for OtherExtractor {}

/// Compiles only for an extractor that is not a door.
pub fn not_a_door<V: NotADoor>(_verdict: V) {}

/// A loader's result as the registry stores it.
pub(crate) type Fallible<T> = Result<T, JwtError>;
/// What an adapted blocklist or verification loader returns.
pub(crate) type CheckFuture = LocalBoxFuture<Fallible<bool>>;
/// What an adapted user lookup loader returns.
pub(crate) type UserFuture = LocalBoxFuture<Fallible<Option<AnyUser>>>;
/// A JSON object, as the claims and headers loaders return it.
pub(crate) type JsonObject = Map<String, Value>;

/// Boxes an adapted async loader's future.
pub fn boxed<F: Future + 'static>(future: F) -> LocalBoxFuture<F::Output> {
    Box::pin(future)
}

// ---------------------------------------------------------------------------------------------
// The conversions, shared by every loader.

/// A type a loader may take the token's header as: `&JwtHeader`, or `JwtHeader`.
pub trait HeaderArg<'a> {
    /// The argument from the header.
    fn from_header(header: &'a JwtHeader) -> Self;
}

impl<'a> HeaderArg<'a> for &'a JwtHeader {
    fn from_header(header: &'a JwtHeader) -> Self {
        header
    }
}

impl HeaderArg<'_> for JwtHeader {
    fn from_header(header: &JwtHeader) -> Self {
        header.clone()
    }
}

/// A type a loader may take the token's claims as: `&Claims`, or `Claims`.
pub trait ClaimsArg<'a> {
    /// The argument from the claims.
    fn from_claims(claims: &'a Claims) -> Self;
}

impl<'a> ClaimsArg<'a> for &'a Claims {
    fn from_claims(claims: &'a Claims) -> Self {
        claims
    }
}

impl ClaimsArg<'_> for Claims {
    fn from_claims(claims: &Claims) -> Self {
        claims.clone()
    }
}

/// A type a response loader may take the error message as: `&str`, or `String`.
pub trait MessageArg<'a> {
    /// The argument from the message.
    fn from_message(message: &'a str) -> Self;
}

impl<'a> MessageArg<'a> for &'a str {
    fn from_message(message: &'a str) -> Self {
        message
    }
}

impl MessageArg<'_> for String {
    fn from_message(message: &str) -> Self {
        message.to_owned()
    }
}

fn to_identity(value: impl Serialize) -> Fallible<Value> {
    serde_json::to_value(value).map_err(|e| {
        JwtError::new(
            JwtErrorKind::Encode,
            format!("identity cannot be serialised: {e}"),
        )
    })
}

fn to_json_object(value: impl Serialize, what: &str) -> Fallible<JsonObject> {
    to_object(value, what).map_err(|e| JwtError::new(JwtErrorKind::Encode, e))
}

fn failed(kind: JwtErrorKind, error: impl Display) -> JwtError {
    JwtError::new(kind, error.to_string())
}

fn deserialize_identity<T: DeserializeOwned>(loader: &str, identity: &Value) -> Fallible<T> {
    T::deserialize(identity).map_err(|e| {
        JwtError::new(
            JwtErrorKind::Encode,
            format!(
                "`{loader}` cannot read the identity `{identity}` as `{}`: {e}",
                std::any::type_name::<T>()
            ),
        )
    })
}

fn extraction_failed(loader: &str, function: &str, ty: &str, error: actix_web::Error) -> JwtError {
    JwtError::new(
        JwtErrorKind::Internal,
        format!("`{function}` (`#[{loader}]`) cannot extract its argument `{ty}`: {error}"),
    )
}

// ---------------------------------------------------------------------------------------------
// One module per loader, from the rows of `for_each_loader!`. rustc's `on_unimplemented` wants
// literal strings, hence a macro per argument kind, each given the loader's expected signature
// for its note.

/// The header argument: `header::<T>(&header)`.
macro_rules! header_arg {
    ($note:literal) => {
        /// The loader's header argument type.
        #[diagnostic::on_unimplemented(
                            message = "expected the token's header, `&JwtHeader`, found `{Self}`",
                            label = "expected `&JwtHeader`",
                            note = $note
                        )]
        pub trait Header<'a> {
            /// The argument from the header.
            fn from_header(header: &'a JwtHeader) -> Self;
        }

        impl<'a, T: HeaderArg<'a>> Header<'a> for T {
            fn from_header(header: &'a JwtHeader) -> Self {
                <T as HeaderArg<'a>>::from_header(header)
            }
        }

        /// The header argument of the loader.
        pub fn header<'a, T: Header<'a>>(header: &'a JwtHeader) -> T {
            <T as Header<'a>>::from_header(header)
        }
    };
}

/// The claims argument: `claims::<T>(&claims)`.
macro_rules! claims_arg {
    ($note:literal) => {
        /// The loader's claims argument type.
        #[diagnostic::on_unimplemented(
                            message = "expected the token's claims, `&Claims`, found `{Self}`",
                            label = "expected `&Claims`",
                            note = $note
                        )]
        pub trait Claims<'a> {
            /// The argument from the claims.
            fn from_claims(claims: &'a super::Claims) -> Self;
        }

        impl<'a, T: ClaimsArg<'a>> Claims<'a> for T {
            fn from_claims(claims: &'a super::Claims) -> Self {
                <T as ClaimsArg<'a>>::from_claims(claims)
            }
        }

        /// The claims argument of the loader.
        pub fn claims<'a, T: Claims<'a>>(claims: &'a super::Claims) -> T {
            <T as Claims<'a>>::from_claims(claims)
        }
    };
}

/// The message argument: `message::<T>(message)`.
macro_rules! message_arg {
    ($note:literal) => {
        /// The loader's message argument type.
        #[diagnostic::on_unimplemented(
                                    message = "expected the error message, `&str`, found `{Self}`",
                                    label = "expected `&str`",
                                    note = $note
                                )]
        pub trait Message<'a> {
            /// The argument from the message.
            fn from_message(message: &'a str) -> Self;
        }

        impl<'a, T: MessageArg<'a>> Message<'a> for T {
            fn from_message(message: &'a str) -> Self {
                <T as MessageArg<'a>>::from_message(message)
            }
        }

        /// The message argument of the loader.
        pub fn message<'a, T: Message<'a>>(message: &'a str) -> T {
            <T as Message<'a>>::from_message(message)
        }
    };
}

/// The identity argument: `identity_ref::<T>(identity)` for a reference (it must be
/// `&serde_json::Value`), `identity_value::<T>(identity)?` for a type to deserialize.
macro_rules! identity_arg {
    ($note:literal) => {
        /// The loader's identity argument type, when it is a reference.
        #[diagnostic::on_unimplemented(
            message = "expected the identity as `&serde_json::Value`, or by value as a type to deserialize it into; found `{Self}`",
            label = "expected `&serde_json::Value`",
            note = $note
        )]
        pub trait IdentityRef<'a> {
            /// The argument from the identity.
            fn from_identity(identity: &'a Json) -> Self;
        }

        impl<'a> IdentityRef<'a> for &'a Json {
            fn from_identity(identity: &'a Json) -> Self {
                identity
            }
        }

        /// The loader's identity argument type, when it is taken by value.
        #[diagnostic::on_unimplemented(
            message = "expected the identity as `&serde_json::Value`, or by value as a type to deserialize it into; `{Self}` does not implement `serde::de::DeserializeOwned`",
            label = "expected a type that implements `DeserializeOwned`",
            note = $note
        )]
        pub trait IdentityValue: Sized {
            /// The argument from the identity.
            fn from_identity(identity: &Json) -> Fallible<Self>;
        }

        impl<T: DeserializeOwned> IdentityValue for T {
            fn from_identity(identity: &Json) -> Fallible<Self> {
                deserialize_identity(NAME, identity)
            }
        }

        /// The identity argument of the loader, by reference.
        pub fn identity_ref<'a, T: IdentityRef<'a>>(identity: &'a Json) -> T {
            <T as IdentityRef<'a>>::from_identity(identity)
        }

        /// The identity argument of the loader, deserialized.
        pub fn identity_value<T: IdentityValue>(identity: &Json) -> Fallible<T> {
            <T as IdentityValue>::from_identity(identity)
        }
    };
}

/// The extractor arguments of an async loader: `extract::<T>(&req, function, "T").await?`.
macro_rules! extractor_arg {
    ($note:literal) => {
        /// An extractor argument type of the loader.
        #[diagnostic::on_unimplemented(
            message = "`{Self}` is not an actix extractor, expected an extractor (`FromRequest`) after the fixed arguments",
            label = "expected an extractor such as `web::Data<Pool>` or `HttpRequest`",
            note = $note
        )]
        pub trait Extractor: Sized {
            /// As [`FromRequest::Error`].
            type Error: Into<actix_web::Error>;
            /// As [`FromRequest::Future`].
            type Future: Future<Output = Result<Self, Self::Error>>;
            /// Extracts the argument from the request, without its body (the handler's).
            fn extract(req: &HttpRequest) -> Self::Future;
        }

        impl<T: FromRequest + 'static> Extractor for T {
            type Error = <T as FromRequest>::Error;
            type Future = <T as FromRequest>::Future;
            fn extract(req: &HttpRequest) -> Self::Future {
                <T as FromRequest>::extract(req)
            }
        }

        /// The extractor argument of `function` whose type is written `ty`; a failure is a 500.
        pub async fn extract<T: Extractor>(
            req: &HttpRequest,
            function: &'static str,
            ty: &'static str,
        ) -> Fallible<T> {
            <T as Extractor>::extract(req)
                .await
                .map_err(|e| extraction_failed(NAME, function, ty, e.into()))
        }
    };
}

/// The return value: `returned(value)`, accepting the types of the loader's category.
macro_rules! return_value {
    ($category:ident, $message:literal, $label:literal, $note:literal) => {
        /// What the loader may return.
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait Return {
            /// The conversion to what the registry stores.
            fn convert(self) -> output!($category);
        }

        returns!($category);

        /// The loader's return value, as the registry stores it.
        pub fn returned<T: Return>(value: T) -> output!($category) {
            value.convert()
        }
    };
}

/// What the registry stores for each category of loaders. A fixed type, not an associated
/// one: projecting `<T as Return>::Output` would report a wrong type a second time.
macro_rules! output {
    (Identity) => { Fallible<Json> };
    (AdditionalClaims) => { Fallible<JsonObject> };
    (AdditionalHeaders) => { Fallible<JsonObject> };
    (MessageResponse) => { HttpResponse };
    (TokenResponse) => { HttpResponse };
    (Check) => { Fallible<bool> };
    (User) => { Fallible<Option<AnyUser>> };
    (EncodeKey) => { Fallible<EncodingKey> };
    (DecodeKey) => { Fallible<DecodingKey> };
}

/// The implementations of `Return` for each category of loaders.
macro_rules! returns {
    (Identity) => {
        impl<T: Serialize> Return for T {
            fn convert(self) -> Fallible<Json> {
                to_identity(self)
            }
        }
    };
    (AdditionalClaims) => {
        impl<T: Serialize> Return for T {
            fn convert(self) -> Fallible<JsonObject> {
                to_json_object(self, "additional claims")
            }
        }
    };
    (AdditionalHeaders) => {
        impl<T: Serialize> Return for T {
            fn convert(self) -> Fallible<JsonObject> {
                to_json_object(self, "additional headers")
            }
        }
    };
    (MessageResponse) => {
        returns!(TokenResponse);
    };
    (TokenResponse) => {
        impl Return for HttpResponse {
            fn convert(self) -> HttpResponse {
                self
            }
        }
    };
    (Check) => {
        impl Return for bool {
            fn convert(self) -> Fallible<bool> {
                Ok(self)
            }
        }

        /// An `Err` refuses the request (fail closed), as `CheckOutcome` does for the
        /// builder's loaders.
        impl<E: Display> Return for Result<bool, E> {
            fn convert(self) -> Fallible<bool> {
                self.into_outcome()
            }
        }
    };
    (User) => {
        impl<U: Send + Sync + 'static> Return for Option<U> {
            fn convert(self) -> Fallible<Option<AnyUser>> {
                Ok(self.map(|user| Arc::new(user) as AnyUser))
            }
        }

        /// An `Err` refuses the request with a 500.
        impl<U: Send + Sync + 'static, E: Display> Return for Result<Option<U>, E> {
            fn convert(self) -> Fallible<Option<AnyUser>> {
                self.map_err(|e| failed(JwtErrorKind::Internal, e))?
                    .convert()
            }
        }
    };
    (EncodeKey) => {
        impl Return for EncodingKey {
            fn convert(self) -> Fallible<EncodingKey> {
                Ok(self)
            }
        }

        /// An `Err` makes token creation fail.
        impl<E: Display> Return for Result<EncodingKey, E> {
            fn convert(self) -> Fallible<EncodingKey> {
                self.map_err(|e| failed(JwtErrorKind::Encode, e))
            }
        }
    };
    (DecodeKey) => {
        impl Return for DecodingKey {
            fn convert(self) -> Fallible<DecodingKey> {
                Ok(self)
            }
        }

        /// An `Err` refuses the request with a 500.
        impl<E: Display> Return for Result<DecodingKey, E> {
            fn convert(self) -> Fallible<DecodingKey> {
                self.map_err(|e| failed(JwtErrorKind::Internal, e))
            }
        }
    };
}

/// The argument checks of a category of loaders.
macro_rules! arguments {
    (MessageResponse, $note:literal) => {
        message_arg!($note);
    };
    (DecodeKey, $note:literal) => {
        header_arg!($note);
        claims_arg!($note);
    };
    (TokenResponse, $note:literal) => {
        header_arg!($note);
        claims_arg!($note);
    };
    (Check, $note:literal) => {
        header_arg!($note);
        claims_arg!($note);
        extractor_arg!($note);
    };
    (User, $note:literal) => {
        header_arg!($note);
        claims_arg!($note);
        extractor_arg!($note);
    };
    // The others are given the identity.
    ($category:ident, $note:literal) => {
        identity_arg!($note);
    };
}

/// One module per loader, named after it.
macro_rules! check_modules {
    ($(
        $(#[$doc:meta])*
        $name:ident $variant:ident: $category:ident {
            message: $message:literal,
            label: $label:literal,
            note: $note:literal $(,)?
        }
    )*) => {$(
        #[doc = concat!("Checks and conversions of `#[", stringify!($name), "]`.")]
        pub mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// The loader's Flask name.
            pub const NAME: &str = stringify!($name);

            /// What the function the attribute registers returns.
            pub type Adapted = crate::loaders::registry::adapted!($category);

            /// The loader as the registry collects it, from the function the attribute registers.
            pub const fn register(adapter: crate::loaders::registry::adapter!($category)) -> Loader {
                Loader::$variant(adapter)
            }

            arguments!($category, $note);
            return_value!($category, $message, $label, $note);
        }
    )*};
}

for_each_loader!(check_modules);
