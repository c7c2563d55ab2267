//! Stage 3: writes the handler back with the guard argument and the scoped body. No checks here.
//!
//! ```text
//! #outer_attrs
//! pub async fn handler<T: X>(
//!     __jwt_guard: #krate::__private::JwtGuard<{ options_to_bits(VerifyOptions::new().fresh()) }>,
//!     #inputs
//! ) -> R
//! #where_clause
//! {
//!     #inner_attrs
//!     __jwt_guard.scope(async move {
//!         let __jwt_value: R = {
//!             if false { let __jwt_returned: R = loop {}; return __jwt_returned; }
//!             #stmts
//!         };
//!         return __jwt_value;
//!     })
//!     .await
//! }
//! ```
//!
//! `: R` is left out when `R` has an `impl Trait` in it; `R` is `()` when none is declared.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::options::{Handler, Options};

/// The route's options as the type's const argument: `VerifyOptions` builder calls (named as
/// the options are), turned into the number a const parameter can hold by the runtime, which
/// alone knows that encoding.
pub(crate) fn options_argument(options: &Options, private: &TokenStream) -> TokenStream {
    let mut calls = TokenStream::new();
    let flags = [
        (options.optional, "optional"),
        (options.fresh, "fresh"),
        (options.refresh, "refresh"),
        (options.skip_revocation_check, "skip_revocation_check"),
    ];
    for (_, method) in flags.iter().filter(|(on, _)| *on) {
        let method = Ident::new(method, Span::call_site());
        calls.extend(quote!(.#method()));
    }
    if !options.verify_type {
        calls.extend(quote!(.verify_type(false)));
    }
    if !options.locations.is_empty() {
        let locations = options.locations.iter().map(|location| {
            // `Location`'s variants are named as the runtime's `TokenLocation`'s.
            let variant = format_ident!("{location:?}");
            quote!(#private::TokenLocation::#variant)
        });
        calls.extend(quote!(.locations(&[#(#locations),*])));
    }
    quote!({ #private::options_to_bits(#private::VerifyOptions::new() #calls) })
}

fn group(delimiter: Delimiter, span: Span, stream: TokenStream) -> Group {
    let mut group = Group::new(delimiter, stream);
    group.set_span(span);
    group
}

pub(crate) fn expand(options: &Options, handler: &Handler) -> TokenStream {
    let Handler {
        outer_attrs,
        head,
        paren,
        inputs,
        output,
        where_clause,
        brace,
        inner_attrs,
        stmts,
        return_type,
        return_span,
    } = handler;
    let krate = &options.krate;
    let private = quote!(#krate::__private);
    let options_argument = options_argument(options, &private);
    // Mixed-site: the user's body can neither see nor shadow our names.
    let guard = Ident::new("__jwt_guard", Span::mixed_site());
    // At the declared return type, where "return type inferred to be .. here" then points.
    let returned = Ident::new(
        "__jwt_returned",
        return_span.resolved_at(Span::mixed_site()),
    );
    let value = Ident::new("__jwt_value", Span::mixed_site());

    let params = group(
        Delimiter::Parenthesis,
        paren.join(),
        quote!(#guard: #private::JwtGuard<#options_argument>, #inputs),
    );
    let annotation = return_type.as_ref().map(|ty| quote!(: #ty));
    // Never runs. As the async block's first `return`, it fixes the block's output to the
    // declared type before the body is type-checked, so `?` and `return` convert (and coerce,
    // e.g. to `Box<dyn Error>`) exactly as in the user's own `async fn`. Being a statement, it
    // also keeps clippy's `diverging_sub_expression` from flagging a body that is only `panic!()`.
    let fake_return = quote_spanned! {return_span.resolved_at(Span::call_site())=>
        #[allow(unreachable_code)]
        if false {
            let #returned #annotation = loop {};
            return #returned;
        }
    };
    // The user's statements keep a block of their own, located at the user's braces (so errors
    // point there) but owned by this expansion (so `unused_braces` stays quiet about it).
    let user_block = group(
        Delimiter::Brace,
        brace.join().resolved_at(Span::call_site()),
        quote!(#fake_return #stmts),
    );
    // The async block ends in a `return` statement, not a tail expression: clippy's
    // `async_yields_async` would flag a tail such as `HttpResponse::Ok()` (a builder that is
    // also a future) returned as `impl Responder`. The allow is for bodies that always return
    // early, and covers only this generated statement.
    let body = group(
        Delimiter::Brace,
        brace.join(),
        quote! {
            #inner_attrs
            #guard.scope(async move {
                let #value #annotation = #user_block;
                #[allow(unreachable_code)]
                return #value;
            })
            .await
        },
    );
    quote!(#outer_attrs #head #params #output #where_clause #body)
}
