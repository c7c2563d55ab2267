//! Unit checks of option parsing and signature checks; the user-facing behaviour is in
//! `tests/ui` and the loader test binaries.

use proc_macro2::TokenStream;
use quote::quote;

use super::kinds::Kind;
use super::options::{LoaderFn, Options};
use super::{args, loader};

/// The loader attribute named `name`.
fn kind(name: &str) -> &'static Kind {
    crate::LOADERS
        .iter()
        .find(|kind| kind.name == name)
        .expect("a loader attribute")
}

fn option_messages(args: TokenStream) -> Vec<String> {
    match args::parse(args).and_then(Options::check) {
        Ok(options) => panic!("expected errors, got crate = {}", options.krate),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

fn fn_messages(kind: &Kind, item: TokenStream) -> Vec<String> {
    match LoaderFn::check(kind, syn::parse2(item).unwrap()) {
        Ok(_) => panic!("expected errors"),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn signatures_are_written_as_rust() {
    let written: Vec<(&str, String)> = crate::LOADERS
        .iter()
        .map(|kind| (kind.name, kind.signature()))
        .collect();
    let expected = [
        (
            "user_identity_loader",
            "fn(&serde_json::Value) -> impl Serialize",
        ),
        (
            "user_lookup_loader",
            "async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>",
        ),
        (
            "user_lookup_error_loader",
            "fn(&JwtHeader, &Claims) -> HttpResponse",
        ),
        (
            "additional_claims_loader",
            "fn(&serde_json::Value) -> impl Serialize",
        ),
        (
            "additional_headers_loader",
            "fn(&serde_json::Value) -> impl Serialize",
        ),
        (
            "token_in_blocklist_loader",
            "async fn(&JwtHeader, &Claims, <extractors>...) -> bool",
        ),
        (
            "revoked_token_loader",
            "fn(&JwtHeader, &Claims) -> HttpResponse",
        ),
        (
            "expired_token_loader",
            "fn(&JwtHeader, &Claims) -> HttpResponse",
        ),
        ("invalid_token_loader", "fn(&str) -> HttpResponse"),
        ("unauthorized_loader", "fn(&str) -> HttpResponse"),
        (
            "needs_fresh_token_loader",
            "fn(&JwtHeader, &Claims) -> HttpResponse",
        ),
        (
            "token_verification_loader",
            "async fn(&JwtHeader, &Claims, <extractors>...) -> bool",
        ),
        (
            "token_verification_failed_loader",
            "fn(&JwtHeader, &Claims) -> HttpResponse",
        ),
        ("encode_key_loader", "fn(&serde_json::Value) -> EncodingKey"),
        (
            "decode_key_loader",
            "fn(&JwtHeader, &Claims) -> DecodingKey",
        ),
    ];
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(name, signature)| (*name, signature.to_string()))
        .collect();
    assert_eq!(written, expected);
}

#[test]
fn reports_every_option_problem() {
    assert_eq!(
        option_messages(quote!(krate = x, crate = 1, crate = y, crate)),
        [
            "unknown option `krate`, expected one of: `crate`",
            "`crate` takes a path, e.g. `crate = ::actix_jwt_extended`",
            "duplicate option `crate`, remove this one",
            "duplicate option `crate`, remove this one",
        ]
    );
    assert_eq!(
        option_messages(quote!(crate)),
        ["`crate` takes a value, write `crate = path::to::actix_jwt_extended`"]
    );
}

#[test]
fn reports_every_signature_problem() {
    assert_eq!(
        fn_messages(
            kind("user_lookup_loader"),
            quote!(unsafe fn load<T>(header: &JwtHeader) {})
        ),
        [
            "`#[user_lookup_loader]` cannot be `unsafe`, remove `unsafe`",
            "`#[user_lookup_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`, add `async` before `fn`",
            "`#[user_lookup_loader]` cannot be generic: it registers one function, `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`",
            "`#[user_lookup_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`, add the missing argument `&Claims`",
            "`#[user_lookup_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`, add `-> Option<User>`",
        ]
    );
    assert_eq!(
        fn_messages(
            kind("expired_token_loader"),
            quote!(async fn expired(h: &JwtHeader, c: &Claims, extra: u8, more: impl Sized) -> HttpResponse { todo!() })
        ),
        [
            "`#[expired_token_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`, remove `async`",
            "`#[expired_token_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`, remove this argument",
            "`#[expired_token_loader]` cannot be generic, write a concrete type instead of `impl Trait`",
        ]
    );
    assert_eq!(
        fn_messages(kind("unauthorized_loader"), quote!(fn unauthorized(&self) -> HttpResponse { todo!() })),
        ["`#[unauthorized_loader]` expects a free function `fn(&str) -> HttpResponse`, not a method taking `self`"]
    );
}

#[test]
fn keeps_the_function_and_registers_it() {
    let item = quote!(
        #[cfg(feature = "x")]
        async fn load(h: &JwtHeader, c: Claims, db: web::Data<Pool<Sqlite>>) -> Option<User> {
            None
        }
    );
    let out = loader(
        kind("user_lookup_loader"),
        quote!(crate = my::jwt),
        item.clone(),
    )
    .to_string();
    assert!(out.starts_with(&item.to_string()), "{out}");
    for expected in [
        "# [cfg (feature = \"x\")] const _ : () =",
        "my :: jwt :: __private :: loader :: user_lookup_loader :: register (__jwt_loader)",
        ": web :: Data < Pool < Sqlite > > = my :: jwt :: __private :: loader :: user_lookup_loader :: extract :: < _ >",
        "\"web::Data<Pool<Sqlite>>\"",
        "\"load\"",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in {out}");
    }
}

#[test]
fn on_error_keeps_the_item_untouched() {
    let item = quote!(
        fn expired() -> HttpResponse {
            todo!()
        }
    );
    let out = loader(kind("expired_token_loader"), quote!(), item.clone()).to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.ends_with(&item.to_string()), "{out}");
    assert!(!out.contains("__private"), "{out}");
    let on_struct = loader(
        kind("expired_token_loader"),
        quote!(),
        quote!(
            struct S;
        ),
    )
    .to_string();
    assert!(
        on_struct.contains("`#[expired_token_loader]` applies only to a function, `fn(&JwtHeader, &Claims) -> HttpResponse`"),
        "{on_struct}"
    );
}
