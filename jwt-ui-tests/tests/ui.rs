//! Compile-time behaviour of `#[jwt_required]`: the handler shapes that must compile
//! (`ui/pass`) and the misuses that must fail with our message (`ui/fail`).
//! Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p actix-jwt-extended-ui-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
