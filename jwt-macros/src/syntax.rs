//! Syntax helpers shared by `#[jwt_required]` and the loader attributes.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Expr, ExprLit, Lit};

/// Looks through the invisible group a `macro_rules!` `$value:expr` arrives in.
pub(crate) fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => ungroup(&group.expr),
        other => other,
    }
}

pub(crate) fn crate_path(expr: &Expr) -> syn::Result<TokenStream> {
    let wrong = |culprit: &dyn ToTokens| {
        syn::Error::new_spanned(
            culprit,
            "`crate` takes a path, e.g. `crate = ::actix_jwt_extended`",
        )
    };
    match ungroup(expr) {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            Ok(path.path.to_token_stream())
        }
        // tokio's macros accept the path as a string too.
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => lit
            .parse::<syn::Path>()
            .map(|path| path.to_token_stream())
            .map_err(|_| wrong(lit)),
        other => Err(wrong(other)),
    }
}

/// Whether a type has an `impl Trait` anywhere in it, which a `let` annotation cannot name.
pub(crate) fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(group.stream()),
        _ => false,
    })
}

/// Where to point when the attribute sits on something other than a function: its first token
/// after the attributes (`struct`, `pub`, ...).
pub(crate) fn item_start(item: &TokenStream) -> Span {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // Skip the `[...]` (or `![...]`) that follows.
                if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    tokens.next();
                }
                tokens.next();
            }
            other => return other.span(),
        }
    }
    Span::call_site()
}
