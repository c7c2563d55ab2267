//! Stage 2: the options checked and typed, and the handler checked and taken apart.
//! No `syn` type leaves this module: expansion sees only plain values and token streams.

use proc_macro2::extra::DelimSpan;
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, FnArg, Ident, ItemFn, Lit, LitStr, ReturnType};

use super::args::{RawOption, RawValue};
use crate::errors::Errors;
use crate::syntax::{crate_path, mentions_impl, ungroup};

/// An option of `#[jwt_required]`, named as Flask-JWT-Extended's `@jwt_required` keyword arguments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Optional,
    Fresh,
    Refresh,
    Locations,
    VerifyType,
    SkipRevocationCheck,
    Crate,
}

/// Every option by name, in the order the docs list them: used both to match and to list the choices.
const OPTIONS: [(&str, Key); 7] = [
    ("optional", Key::Optional),
    ("fresh", Key::Fresh),
    ("refresh", Key::Refresh),
    ("locations", Key::Locations),
    ("verify_type", Key::VerifyType),
    ("skip_revocation_check", Key::SkipRevocationCheck),
    ("crate", Key::Crate),
];

/// Where a route looks for its token, as Flask-JWT-Extended's `JWT_TOKEN_LOCATION` names it.
/// The variants are named as the runtime's `TokenLocation`'s, which expansion writes them as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Location {
    Headers,
    Cookies,
    QueryString,
    Json,
}

/// Every location by name: used both to match and to list the choices.
const LOCATIONS: [(&str, Location); 4] = [
    ("headers", Location::Headers),
    ("cookies", Location::Cookies),
    ("query_string", Location::QueryString),
    ("json", Location::Json),
];

/// "`a`, `b`, `c`" for a "expected one of: ..." message.
fn one_of<T>(table: &[(&str, T)]) -> String {
    let names: Vec<String> = table.iter().map(|(name, _)| format!("`{name}`")).collect();
    names.join(", ")
}

/// The option names, for messages written before an option is even read.
pub(crate) fn expected_options() -> String {
    one_of(&OPTIONS)
}

/// The options of one `#[jwt_required(...)]`, checked.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) optional: bool,
    pub(crate) fresh: bool,
    pub(crate) refresh: bool,
    pub(crate) verify_type: bool,
    pub(crate) skip_revocation_check: bool,
    /// The route's own token locations in the order given; empty means the configured `JWT_TOKEN_LOCATION`.
    pub(crate) locations: Vec<Location>,
    /// The path generated code reaches the facade crate through.
    pub(crate) krate: TokenStream,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            optional: false,
            fresh: false,
            refresh: false,
            verify_type: true,
            skip_revocation_check: false,
            locations: Vec::new(),
            krate: quote!(::actix_jwt_extended),
        }
    }
}

impl Options {
    /// Checks every option and reports all problems at once.
    pub(crate) fn check(raw: Vec<RawOption>) -> syn::Result<Self> {
        let mut options = Self::default();
        let mut errors = Errors::default();
        let mut seen: Vec<(Key, Span)> = Vec::new();

        for RawOption { key: ident, value } in raw {
            let name = ident.unraw().to_string();
            let Some(&(_, key)) = OPTIONS.iter().find(|(known, _)| *known == name) else {
                errors.at(
                    ident.span(),
                    format_args!(
                        "unknown option `{name}`, expected one of: {}",
                        one_of(&OPTIONS)
                    ),
                );
                continue;
            };
            if seen.iter().any(|(earlier, _)| *earlier == key) {
                errors.at(
                    ident.span(),
                    format_args!("duplicate option `{name}`, remove this one"),
                );
                continue;
            }
            seen.push((key, ident.span()));

            match key {
                Key::Optional => options.optional = flag(&mut errors, &ident, value),
                Key::Fresh => options.fresh = flag(&mut errors, &ident, value),
                Key::Refresh => options.refresh = flag(&mut errors, &ident, value),
                Key::SkipRevocationCheck => {
                    options.skip_revocation_check = flag(&mut errors, &ident, value);
                }
                Key::VerifyType => {
                    if let Some(verify_type) = valued(&mut errors, &ident, key, value, bool_value) {
                        options.verify_type = verify_type;
                    }
                }
                Key::Locations => {
                    if let Some(locations) = valued(&mut errors, &ident, key, value, locations) {
                        options.locations = locations;
                    }
                }
                Key::Crate => {
                    if let Some(krate) = valued(&mut errors, &ident, key, value, crate_path) {
                        options.krate = krate;
                    }
                }
            }
        }

        if options.fresh && options.refresh {
            for (key, span) in &seen {
                if matches!(key, Key::Fresh | Key::Refresh) {
                    errors.at(
                        *span,
                        "`fresh` and `refresh` cannot be combined: a refresh token is never fresh, \
                         remove one of them",
                    );
                }
            }
        }
        errors.finish(options)
    }
}

/// A bare flag is on; a flag given a value is an error.
fn flag(errors: &mut Errors, ident: &Ident, value: Option<RawValue>) -> bool {
    let Some(value) = value else {
        return true;
    };
    let name = ident.unraw();
    let turned_off = matches!(
        ungroup(&value.expr),
        Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) if !b.value
    );
    let fix = if turned_off {
        format!("write `{name}` to turn it on, or leave it out")
    } else {
        format!("write `{name}`")
    };
    errors.push(syn::Error::new_spanned(
        quote!(#ident #value),
        format_args!("`{name}` is a flag and takes no value, {fix}"),
    ));
    false
}

/// The value of a valued option, read by `read`; `None` after reporting a problem.
fn valued<T>(
    errors: &mut Errors,
    ident: &Ident,
    key: Key,
    value: Option<RawValue>,
    read: fn(&Expr) -> syn::Result<T>,
) -> Option<T> {
    match value {
        Some(RawValue { expr, .. }) => errors.take(read(&expr)),
        None => {
            let name = ident.unraw();
            let example = match key {
                Key::Locations => {
                    r#"`locations = "headers"` or `locations = ["headers", "cookies"]`"#
                }
                Key::VerifyType => "`verify_type = false`",
                _ => "`crate = path::to::actix_jwt_extended`",
            };
            errors.at(
                ident.span(),
                format_args!("`{name}` takes a value, write {example}"),
            );
            None
        }
    }
}

fn bool_value(expr: &Expr) -> syn::Result<bool> {
    match ungroup(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            "`verify_type` takes `true` or `false`, e.g. `verify_type = false`",
        )),
    }
}

fn locations(expr: &Expr) -> syn::Result<Vec<Location>> {
    let names: Vec<&LitStr> = match ungroup(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) => vec![name],
        Expr::Array(ExprArray {
            elems,
            bracket_token,
            ..
        }) => {
            if elems.is_empty() {
                return Err(syn::Error::new(
                    bracket_token.span.join(),
                    "`locations` needs at least one location, \
                     or leave it out to use the configured `JWT_TOKEN_LOCATION`",
                ));
            }
            let mut errors = Errors::default();
            let names = elems
                .iter()
                .filter_map(|elem| match ungroup(elem) {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(name),
                        ..
                    }) => Some(name),
                    other => {
                        errors.push(syn::Error::new_spanned(
                            other,
                            format_args!(
                                "expected a location as a string literal, one of: {}",
                                one_of(&LOCATIONS)
                            ),
                        ));
                        None
                    }
                })
                .collect();
            errors.finish(names)?
        }
        other => {
            return Err(syn::Error::new_spanned(
                other,
                r#"`locations` takes a location or a list of them, e.g. `locations = "cookies"` or `locations = ["headers", "json"]`"#,
            ))
        }
    };

    let mut errors = Errors::default();
    let mut found = Vec::with_capacity(names.len());
    for lit in names {
        let name = lit.value();
        match LOCATIONS.iter().find(|(known, _)| *known == name) {
            None => errors.at(
                lit.span(),
                format_args!(
                    "unknown location `{name}`, expected one of: {}",
                    one_of(&LOCATIONS)
                ),
            ),
            Some((_, location)) if found.contains(location) => {
                errors.at(
                    lit.span(),
                    format_args!("duplicate location `{name}`, remove this one"),
                );
            }
            Some((_, location)) => found.push(*location),
        }
    }
    errors.finish(found)
}

/// The decorated `async fn`, checked and taken apart into the pieces expansion puts back together.
pub(crate) struct Handler {
    /// Outer attributes and doc comments, in their order (other macros such as `#[get]` included).
    pub(crate) outer_attrs: TokenStream,
    /// Visibility up to the generic parameters: `pub async fn name<T: X>`.
    pub(crate) head: TokenStream,
    /// The parentheses around the arguments.
    pub(crate) paren: DelimSpan,
    /// The arguments as written, each with its pattern and type.
    pub(crate) inputs: TokenStream,
    /// `-> Type`, or nothing.
    pub(crate) output: TokenStream,
    pub(crate) where_clause: TokenStream,
    /// The braces of the body.
    pub(crate) brace: DelimSpan,
    /// `#![...]` attributes of the body; they must stay first in it.
    pub(crate) inner_attrs: TokenStream,
    /// The body's statements.
    pub(crate) stmts: TokenStream,
    /// The declared return type (`()` when none is written) when it can be written as a `let`
    /// type, i.e. has no `impl Trait` in it: it tells inference what the body returns, so `?`
    /// converts errors as in a plain `async fn`.
    pub(crate) return_type: Option<TokenStream>,
    /// The declared return type, or the name when there is none: where "return type inferred to
    /// be ... here" points.
    pub(crate) return_span: Span,
}

impl Handler {
    /// Checks that the item is an `async fn` that actix can call.
    pub(crate) fn check(item: ItemFn) -> syn::Result<Self> {
        let ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = item;
        let mut errors = Errors::default();
        if sig.asyncness.is_none() {
            errors.at(
                sig.fn_token.span,
                "`#[jwt_required]` requires an `async fn`, add `async` before `fn`",
            );
        }
        if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
            errors.push(syn::Error::new_spanned(
                receiver,
                "`#[jwt_required]` cannot be used on a method taking `self`, \
                 an actix handler takes only extractors",
            ));
        }

        let (outer, inner): (Vec<_>, Vec<_>) = attrs
            .into_iter()
            .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer));
        let syn::Signature {
            constness,
            asyncness,
            unsafety,
            abi,
            fn_token,
            ident,
            generics,
            paren_token,
            inputs,
            variadic,
            output,
            ..
        } = sig;
        let (lt, params, gt) = (generics.lt_token, generics.params, generics.gt_token);
        let (return_type, return_span) = match &output {
            ReturnType::Default => (Some(quote!(())), ident.span()),
            ReturnType::Type(_, ty) => {
                let tokens = ty.to_token_stream();
                (
                    Some(tokens.clone()).filter(|_| !mentions_impl(tokens)),
                    ty.span(),
                )
            }
        };
        errors.finish(Self {
            outer_attrs: quote!(#(#outer)*),
            head: quote!(#vis #constness #asyncness #unsafety #abi #fn_token #ident #lt #params #gt),
            paren: paren_token.span,
            inputs: quote!(#inputs #variadic),
            output: output.to_token_stream(),
            where_clause: generics.where_clause.to_token_stream(),
            brace: block.brace_token.span,
            inner_attrs: quote!(#(#inner)*),
            stmts: block.stmts.iter().map(ToTokens::to_token_stream).collect(),
            return_type,
            return_span,
        })
    }
}
