//! Stage 1: the options as written, `key` or `key = value`, each keeping its span.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

use super::options::expected_options;

/// One option as written inside `#[user_lookup_loader(...)]`.
pub(crate) struct RawOption {
    /// The option name; parsed with `parse_any` so that the keyword `crate` is a name too.
    pub(crate) key: Ident,
    /// The `= value` part, when written.
    pub(crate) value: Option<(Token![=], Expr)>,
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
            Some((input.parse()?, input.parse()?))
        } else {
            None
        };
        Ok(Self { key, value })
    }
}

/// Splits the attribute's arguments into options; `#[x_loader]` and `#[x_loader()]` give none.
pub(crate) fn parse(args: TokenStream) -> syn::Result<Vec<RawOption>> {
    let options = Punctuated::<RawOption, Token![,]>::parse_terminated.parse2(args)?;
    Ok(options.into_iter().collect())
}
