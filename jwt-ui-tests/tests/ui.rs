//! Compile-time behaviour of `#[jwt_required]`: the handler shapes that must compile
//! (`ui/pass`) and the misuses that must fail with our message (`ui/fail`).
//! Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p actix-jwt-extended-ui-tests --test ui`.

#[test]
fn ui() {
    // trybuild's project takes no profile from this workspace: the line tables of its
    // `[profile.dev]` are set here, or every pass case links a binary with full debug info.
    if std::env::var_os("CARGO_PROFILE_DEV_DEBUG").is_none() {
        std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
