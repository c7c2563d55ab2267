//! Stage 1: the options as written, `key` or `key = value`, each keeping its span.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

use super::options::expected_options;

/// One option as written inside `#[jwt_required(...)]`.
pub(crate) struct RawOption {
    /// The option name; parsed with `parse_any` so that the keyword `crate` is a name too.
    pub(crate) key: Ident,
    pub(crate) value: Option<RawValue>,
}

/// The `= value` part of an option.
pub(crate) struct RawValue {
    pub(crate) eq: Token![=],
    pub(crate) expr: Expr,
}

impl Parse for RawOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format_args!(
                "expected an option, one of: {}",
                expected_options()
            )));
        }
        let key = Ident::parse_any(input)?;
        let value = if input.peek(Token![=]) {
            Some(RawValue {
                eq: input.parse()?,
                expr: input.parse()?,
            })
        } else {
            None
        };
        Ok(Self { key, value })
    }
}

/// Splits the attribute's arguments into options; both `#[jwt_required]` and `#[jwt_required()]` give none.
pub(crate) fn parse(args: TokenStream) -> syn::Result<Vec<RawOption>> {
    let options = Punctuated::<RawOption, Token![,]>::parse_terminated.parse2(args)?;
    Ok(options.into_iter().collect())
}

impl ToTokens for RawValue {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.eq.to_tokens(tokens);
        self.expr.to_tokens(tokens);
    }
}
