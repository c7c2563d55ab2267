//! Compile-time behaviour of `#[jwt_required]`: the handler shapes that must compile
//! (`ui/pass`) and the misuses that must fail with our message (`ui/fail`).
//! Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p actix-jwt-extended-ui-tests --test ui`.

/// The toolchain the `.stderr` snapshots were written with: rustc's messages and notes change
/// between releases, so another one would fail every case for reasons of its own.
const SNAPSHOT_TOOLCHAIN: &str = "rustc 1.95.";

#[test]
fn ui() {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !rustc.starts_with(SNAPSHOT_TOOLCHAIN) {
        let message = format!(
            "the UI snapshots are of {SNAPSHOT_TOOLCHAIN}x, this is {}: regenerate them with \
             TRYBUILD=overwrite and update SNAPSHOT_TOOLCHAIN",
            rustc.trim()
        );
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("{message}");
        }
        eprintln!("skipped: {message}");
        return;
    }
    // trybuild's project takes no profile from this workspace: the line tables of its
    // `[profile.dev]` are set here, or every pass case links a binary with full debug info.
    if std::env::var_os("CARGO_PROFILE_DEV_DEBUG").is_none() {
        std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
