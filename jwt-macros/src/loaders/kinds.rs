//! Every loader of Flask-JWT-Extended, with the shape of the function its attribute accepts:
//! one table, read both by the checks and by the messages that describe the expected shape.

/// A fixed argument of a loader, in Flask's order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Input {
    /// The identity given to `create_*_token`: `&serde_json::Value`, or a type deserialized from it.
    Identity,
    /// The token's header: `&JwtHeader`.
    Header,
    /// The token's claims: `&Claims`.
    Claims,
    /// The error message: `&str`.
    Message,
}

impl Input {
    pub(crate) fn written(self) -> &'static str {
        match self {
            Input::Identity => "&serde_json::Value",
            Input::Header => "&JwtHeader",
            Input::Claims => "&Claims",
            Input::Message => "&str",
        }
    }
}

/// What a loader returns, as the runtime's `__private::loader` checks and converts it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Output {
    /// `impl Serialize`, the identity claim.
    Identity,
    /// `impl Serialize` that serializes to a JSON object: claims or headers.
    Object,
    /// `HttpResponse`.
    Response,
    /// `bool`, or `Result<bool, E>`.
    Check,
    /// `Option<User>`, or `Result<Option<User>, E>`.
    User,
    /// `EncodingKey`.
    EncodeKey,
    /// `DecodingKey`.
    DecodeKey,
}

impl Output {
    /// The return type as the messages write it.
    pub(crate) fn written(self) -> &'static str {
        match self {
            Output::Identity | Output::Object => "impl Serialize",
            Output::Response => "HttpResponse",
            Output::Check => "bool",
            Output::User => "Option<User>",
            Output::EncodeKey => "EncodingKey",
            Output::DecodeKey => "DecodingKey",
        }
    }
}

/// One loader attribute.
#[derive(Debug)]
pub(crate) struct Kind {
    /// Flask's name, also the attribute's and the runtime marker type's: `user_lookup_loader`.
    pub(crate) name: &'static str,
    /// The runtime's `Loader` variant: `UserLookup`.
    pub(crate) variant: &'static str,
    /// An `async fn`, which may take actix extractors after its fixed arguments.
    pub(crate) is_async: bool,
    pub(crate) inputs: &'static [Input],
    pub(crate) output: Output,
}

impl Kind {
    /// The accepted shape, e.g. `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`.
    pub(crate) fn signature(&self) -> String {
        let mut inputs: Vec<&str> = self.inputs.iter().map(|input| input.written()).collect();
        if self.is_async {
            inputs.push("<extractors>...");
        }
        format!(
            "{}fn({}) -> {}",
            if self.is_async { "async " } else { "" },
            inputs.join(", "),
            self.output.written()
        )
    }
}

const IDENTITY: &[Input] = &[Input::Identity];
const TOKEN: &[Input] = &[Input::Header, Input::Claims];
const MESSAGE: &[Input] = &[Input::Message];

macro_rules! kinds {
    ($($constant:ident = $name:literal $variant:literal $is_async:literal $inputs:ident $output:ident;)*) => {
        $(
            #[doc = concat!("`#[", $name, "]`.")]
            pub(crate) const $constant: Kind = Kind {
                name: $name,
                variant: $variant,
                is_async: $is_async,
                inputs: $inputs,
                output: Output::$output,
            };
        )*

        /// Every loader, in the order of Flask's `JWTManager` docs.
        #[cfg(test)]
        pub(crate) const ALL: &[&Kind] = &[$(&$constant),*];
    };
}

kinds! {
    USER_IDENTITY = "user_identity_loader" "UserIdentity" false IDENTITY Identity;
    USER_LOOKUP = "user_lookup_loader" "UserLookup" true TOKEN User;
    USER_LOOKUP_ERROR = "user_lookup_error_loader" "UserLookupError" false TOKEN Response;
    ADDITIONAL_CLAIMS = "additional_claims_loader" "AdditionalClaims" false IDENTITY Object;
    ADDITIONAL_HEADERS = "additional_headers_loader" "AdditionalHeaders" false IDENTITY Object;
    TOKEN_IN_BLOCKLIST = "token_in_blocklist_loader" "TokenInBlocklist" true TOKEN Check;
    REVOKED_TOKEN = "revoked_token_loader" "RevokedToken" false TOKEN Response;
    EXPIRED_TOKEN = "expired_token_loader" "ExpiredToken" false TOKEN Response;
    INVALID_TOKEN = "invalid_token_loader" "InvalidToken" false MESSAGE Response;
    UNAUTHORIZED = "unauthorized_loader" "Unauthorized" false MESSAGE Response;
    NEEDS_FRESH_TOKEN = "needs_fresh_token_loader" "NeedsFreshToken" false TOKEN Response;
    TOKEN_VERIFICATION = "token_verification_loader" "TokenVerification" true TOKEN Check;
    TOKEN_VERIFICATION_FAILED = "token_verification_failed_loader" "TokenVerificationFailed" false TOKEN Response;
    ENCODE_KEY = "encode_key_loader" "EncodeKey" false IDENTITY EncodeKey;
    DECODE_KEY = "decode_key_loader" "DecodeKey" false TOKEN DecodeKey;
}
