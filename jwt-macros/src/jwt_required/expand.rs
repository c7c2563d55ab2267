//! Stage 3: writes the handler back with the guard argument and the scoped body. No checks here.
//!
//! ```text
//! #outer_attrs
//! pub async fn handler<T: X>(__jwt_guard: #krate::__private::JwtGuard<FLAGS, LOCATIONS>, #inputs) -> R
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

use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::options::{Handler, Location, Options};

// The runtime's `__private` encoding of the options, as `JwtGuard<FLAGS, LOCATIONS>` const generics.
const FLAG_OPTIONAL: u8 = 1;
const FLAG_FRESH: u8 = 2;
const FLAG_REFRESH: u8 = 4;
const FLAG_NO_VERIFY_TYPE: u8 = 8;
const FLAG_SKIP_REVOCATION: u8 = 16;
/// Bits per location in `LOCATIONS`, the first location in the lowest bits; 0 ends the list.
const LOCATION_BITS: u32 = 3;

pub(crate) fn flags(options: &Options) -> u8 {
    [
        (options.optional, FLAG_OPTIONAL),
        (options.fresh, FLAG_FRESH),
        (options.refresh, FLAG_REFRESH),
        (!options.verify_type, FLAG_NO_VERIFY_TYPE),
        (options.skip_revocation_check, FLAG_SKIP_REVOCATION),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .fold(0, |flags, (_, bit)| flags | bit)
}

/// 0 when the route uses the configured `JWT_TOKEN_LOCATION`. Four distinct locations fit in 12 bits.
pub(crate) fn locations(options: &Options) -> u16 {
    options.locations.iter().rev().fold(0, |packed, location| {
        packed << LOCATION_BITS | location_code(*location)
    })
}

fn location_code(location: Location) -> u16 {
    match location {
        Location::Headers => 1,
        Location::Cookies => 2,
        Location::QueryString => 3,
        Location::Json => 4,
    }
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
    let flags = Literal::u8_suffixed(flags(options));
    let locations = Literal::u16_suffixed(locations(options));
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
        quote!(#guard: #krate::__private::JwtGuard<#flags, #locations>, #inputs),
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
