//! Stage 2: the options checked, and the loader function checked against its [`Kind`] and
//! taken apart. No `syn` type leaves this module: expansion sees only plain values, spans
//! and token streams.

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType, Type};

use super::args::RawOption;
use super::kinds::{Input, Kind};
use crate::errors::Errors;
use crate::syntax::{crate_path, mentions_impl};

/// An option of the loader attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Crate,
}

/// Every option by name: used both to match and to list the choices.
const OPTIONS: [(&str, Key); 1] = [("crate", Key::Crate)];

/// The option names, for messages written before an option is even read.
pub(crate) fn expected_options() -> String {
    let names: Vec<String> = OPTIONS
        .iter()
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    names.join(", ")
}

/// The options of one loader attribute, checked.
pub(crate) struct Options {
    /// The path generated code reaches the facade crate through.
    pub(crate) krate: TokenStream,
}

impl Options {
    /// Checks every option and reports all problems at once.
    pub(crate) fn check(raw: Vec<RawOption>) -> syn::Result<Self> {
        let mut options = Self {
            krate: quote!(::actix_jwt_extended),
        };
        let mut errors = Errors::default();
        let mut seen: Vec<Key> = Vec::new();
        for RawOption { key: ident, value } in raw {
            let name = ident.unraw().to_string();
            let Some(&(_, key)) = OPTIONS.iter().find(|(known, _)| *known == name) else {
                errors.at(
                    ident.span(),
                    format_args!(
                        "unknown option `{name}`, expected one of: {}",
                        expected_options()
                    ),
                );
                continue;
            };
            if seen.contains(&key) {
                errors.at(
                    ident.span(),
                    format_args!("duplicate option `{name}`, remove this one"),
                );
                continue;
            }
            seen.push(key);
            match (key, value) {
                (Key::Crate, Some((_, expr))) => {
                    if let Some(krate) = errors.take(crate_path(&expr)) {
                        options.krate = krate;
                    }
                }
                (Key::Crate, None) => errors.at(
                    ident.span(),
                    "`crate` takes a value, write `crate = path::to::actix_jwt_extended`",
                ),
            }
        }
        errors.finish(options)
    }
}

/// One fixed argument of the loader, as the function declares it.
pub(crate) struct FixedArg {
    pub(crate) input: Input,
    /// The declared type: where a wrong type is reported.
    pub(crate) span: Span,
    /// Declared as a reference: the identity is then passed as `&Value`, else deserialized.
    pub(crate) by_ref: bool,
}

/// One actix extractor argument after the fixed ones of an async loader.
pub(crate) struct ExtractorArg {
    /// The declared type.
    pub(crate) ty: TokenStream,
    /// The declared type as written, for the message when extraction fails.
    pub(crate) written: String,
    /// Where a type that is no extractor is reported.
    pub(crate) span: Span,
}

/// The decorated function, checked against its loader's shape.
pub(crate) struct LoaderFn {
    /// The function's name, to call it.
    pub(crate) ident: Ident,
    /// `#[cfg(..)]` and `#[cfg_attr(..)]` of the function: its registration exists exactly when it does.
    pub(crate) cfg_attrs: TokenStream,
    pub(crate) fixed: Vec<FixedArg>,
    pub(crate) extractors: Vec<ExtractorArg>,
    /// The declared return type: where a wrong return type is reported.
    pub(crate) return_span: Span,
}

impl LoaderFn {
    /// Checks that the item is a function of the shape `kind` expects, reporting every problem.
    pub(crate) fn check(kind: &Kind, item: ItemFn) -> syn::Result<Self> {
        let ItemFn { attrs, sig, .. } = item;
        let mut errors = Errors::default();
        let attribute = kind.name;
        let signature = kind.signature();

        if let Some(unsafety) = sig.unsafety {
            errors.at(
                unsafety.span,
                format_args!("`#[{attribute}]` cannot be `unsafe`, remove `unsafe`"),
            );
        }
        match (kind.is_async(), sig.asyncness) {
            (true, None) => errors.at(
                sig.fn_token.span,
                format_args!("`#[{attribute}]` expects `{signature}`, add `async` before `fn`"),
            ),
            (false, Some(asyncness)) => errors.at(
                asyncness.span,
                format_args!("`#[{attribute}]` expects `{signature}`, remove `async`"),
            ),
            _ => {}
        }
        let generics = &sig.generics;
        if !generics.params.is_empty() || generics.where_clause.is_some() {
            errors.push(syn::Error::new_spanned(
                generics,
                format_args!(
                    "`#[{attribute}]` cannot be generic: it registers one function, `{signature}`"
                ),
            ));
        }

        let mut fixed = Vec::new();
        let mut extractors = Vec::new();
        if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
            // The arguments after `self` are not worth checking against the loader's.
            errors.push(syn::Error::new_spanned(
                receiver,
                format_args!(
                    "`#[{attribute}]` expects a free function `{signature}`, not a method taking `self`"
                ),
            ));
        } else {
            for (index, arg) in sig.inputs.iter().enumerate() {
                let FnArg::Typed(typed) = arg else { continue };
                let ty = &*typed.ty;
                if mentions_impl(ty.to_token_stream()) {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        format_args!(
                            "`#[{attribute}]` cannot be generic, write a concrete type instead of `impl Trait`"
                        ),
                    ));
                    continue;
                }
                match kind.inputs.get(index) {
                    Some(&input) => fixed.push(FixedArg {
                        input,
                        span: ty.span(),
                        by_ref: matches!(ungroup_type(ty), Type::Reference(_)),
                    }),
                    None if kind.is_async() => extractors.push(ExtractorArg {
                        ty: ty.to_token_stream(),
                        written: written(ty),
                        span: ty.span(),
                    }),
                    None => errors.push(syn::Error::new_spanned(
                        arg,
                        format_args!(
                            "`#[{attribute}]` expects `{signature}`, remove this argument"
                        ),
                    )),
                }
            }
            if sig.inputs.len() < kind.inputs.len() {
                let missing: Vec<String> = kind.inputs[sig.inputs.len()..]
                    .iter()
                    .map(|input| format!("`{}`", input.written()))
                    .collect();
                errors.at(
                    sig.paren_token.span.join(),
                    format_args!(
                        "`#[{attribute}]` expects `{signature}`, add the missing {} {}",
                        if missing.len() == 1 {
                            "argument"
                        } else {
                            "arguments"
                        },
                        missing.join(", ")
                    ),
                );
            }
        }
        let return_span = match &sig.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => {
                errors.at(
                    sig.paren_token.span.close(),
                    format_args!(
                        "`#[{attribute}]` expects `{signature}`, add `-> {}`",
                        kind.output.written()
                    ),
                );
                sig.ident.span()
            }
        };

        let cfg_attrs = attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
            .map(ToTokens::to_token_stream)
            .collect();
        errors.finish(Self {
            ident: sig.ident,
            cfg_attrs,
            fixed,
            extractors,
            return_span,
        })
    }
}

fn ungroup_type(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup_type(&group.elem),
        Type::Paren(paren) => ungroup_type(&paren.elem),
        other => other,
    }
}

/// A type as a person writes it: `web::Data<Pool>`, not `web :: Data < Pool >`.
fn written(ty: &Type) -> String {
    written_tokens(ty.to_token_stream())
}

fn written_tokens(tokens: TokenStream) -> String {
    let mut out = String::new();
    let mut previous_word = false;
    for token in tokens {
        let is_word = matches!(token, TokenTree::Ident(_) | TokenTree::Literal(_));
        match &token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&written_tokens(group.stream()));
                out.push_str(close);
            }
            TokenTree::Punct(punct) if punct.as_char() == ',' => out.push_str(", "),
            other => {
                if is_word && previous_word {
                    out.push(' ');
                }
                out.push_str(&other.to_string());
            }
        }
        previous_word = is_word;
    }
    out
}
