//! Unit checks of option parsing and encoding; the user-facing behaviour is in `tests/ui`.

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

#[test]
fn encodes_flags_and_locations() {
    let none = check(quote!()).unwrap();
    assert_eq!((expand::flags(&none), expand::locations(&none)), (0, 0));

    let all = check(quote!(
        optional,
        refresh,
        verify_type = false,
        skip_revocation_check,
        locations = ["headers", "json", "cookies", "query_string"],
        crate = "my::jwt"
    ))
    .unwrap();
    assert_eq!(expand::flags(&all), 1 | 4 | 8 | 16);
    assert_eq!(expand::locations(&all), 1 | 4 << 3 | 2 << 6 | 3 << 9);
    assert_eq!(all.krate.to_string(), quote!(my::jwt).to_string());

    let one = check(quote!(fresh, locations = "cookies", verify_type = true)).unwrap();
    assert_eq!((expand::flags(&one), expand::locations(&one)), (2, 2));
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
