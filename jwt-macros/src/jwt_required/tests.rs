//! Unit checks of option parsing and of the options argument; the user-facing behaviour is in
//! `tests/ui`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{args, expand, options::Options};

fn check(args: TokenStream) -> syn::Result<Options> {
    args::parse(args).and_then(Options::check)
}

fn messages(args: TokenStream) -> Vec<String> {
    match check(args) {
        Ok(options) => panic!("expected errors, got {options:?}"),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The options as the runtime's builder calls, whose names are the options' own.
fn argument(args: TokenStream) -> String {
    expand::options_argument(&check(args).unwrap(), &quote!(p)).to_string()
}

// The expectations are brace-delimited `quote!`s, which rustfmt leaves as written.
#[test]
fn writes_options_as_builder_calls() {
    assert_eq!(
        argument(quote!()),
        quote! { { p::options_to_bits(p::VerifyOptions::new()) } }.to_string()
    );
    let all = quote!(
        optional,
        refresh,
        verify_type = false,
        skip_revocation_check,
        locations = ["headers", "json", "cookies", "query_string"],
        crate = "my::jwt"
    );
    let expected = quote! {
        {
            p::options_to_bits(
                p::VerifyOptions::new()
                    .optional()
                    .refresh()
                    .skip_revocation_check()
                    .verify_type(false)
                    .locations(&[
                        p::TokenLocation::Headers,
                        p::TokenLocation::Json,
                        p::TokenLocation::Cookies,
                        p::TokenLocation::QueryString
                    ])
            )
        }
    };
    assert_eq!(argument(all), expected.to_string());
    let expected = quote! {
        { p::options_to_bits(p::VerifyOptions::new().fresh().locations(&[p::TokenLocation::Cookies])) }
    };
    assert_eq!(
        argument(quote!(fresh, locations = "cookies", verify_type = true)),
        expected.to_string()
    );
    let krate = check(quote!(crate = "my::jwt")).unwrap().krate;
    assert_eq!(krate.to_string(), quote!(my::jwt).to_string());
}

#[test]
fn reports_every_problem() {
    assert_eq!(
        messages(quote!(fresher, fresh = true, refresh, locations = ["cookie", "json", "json"])),
        [
            "unknown option `fresher`, expected one of: `optional`, `fresh`, `refresh`, \
             `locations`, `verify_type`, `skip_revocation_check`, `crate`",
            "`fresh` is a flag and takes no value, write `fresh`",
            "unknown location `cookie`, expected one of: `headers`, `cookies`, `query_string`, `json`",
            "duplicate location `json`, remove this one",
        ]
    );
    assert_eq!(
        messages(quote!(fresh, refresh, fresh, optional = false)),
        [
            "duplicate option `fresh`, remove this one",
            "`optional` is a flag and takes no value, write `optional` to turn it on, or leave it out",
            "`fresh` and `refresh` cannot be combined: a refresh token is never fresh, remove one of them",
            "`fresh` and `refresh` cannot be combined: a refresh token is never fresh, remove one of them",
        ]
    );
    assert_eq!(
        messages(quote!(
            locations,
            verify_type = "no",
            locations = 3,
            crate = 1,
            verify_type
        )),
        [
            r#"`locations` takes a value, write `locations = "headers"` or `locations = ["headers", "cookies"]`"#,
            "`verify_type` takes `true` or `false`, e.g. `verify_type = false`",
            "duplicate option `locations`, remove this one",
            "`crate` takes a path, e.g. `crate = ::actix_jwt_extended`",
            "duplicate option `verify_type`, remove this one",
        ]
    );
    assert_eq!(
        messages(quote!(locations = [])),
        ["`locations` needs at least one location, or leave it out to use the configured `JWT_TOKEN_LOCATION`"]
    );
}
