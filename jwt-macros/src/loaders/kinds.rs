//! The shape of the function a loader attribute accepts, as the table of loader attributes in
//! `lib.rs` writes it: read both by the checks and by the messages that describe the shape.

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
    /// Flask's name, also the attribute's and its runtime checks module's: `user_lookup_loader`.
    pub(crate) name: &'static str,
    /// The fixed arguments, in order.
    pub(crate) inputs: &'static [Input],
    pub(crate) output: Output,
}

impl Kind {
    /// Whether the loader is an `async fn`, which may take actix extractors after its fixed
    /// arguments: the loaders that may do I/O, yes/no checks and user lookup.
    pub(crate) fn is_async(&self) -> bool {
        matches!(self.output, Output::Check | Output::User)
    }

    /// The accepted shape, e.g. `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`.
    pub(crate) fn signature(&self) -> String {
        let mut inputs: Vec<&str> = self.inputs.iter().map(|input| input.written()).collect();
        if self.is_async() {
            inputs.push("<extractors>...");
        }
        format!(
            "{}fn({}) -> {}",
            if self.is_async() { "async " } else { "" },
            inputs.join(", "),
            self.output.written()
        )
    }
}
