//! An app that reads the crate's reports through the `log` crate, with no `tracing`
//! subscriber: tracing hands each event to the `log` logger, so the start-up warnings reach it,
//! with or without the crate's `tracing` feature. Its own test binary: a logger is
//! process-wide, and once any thread has set a tracing subscriber tracing stops forwarding.

use std::sync::Mutex;

use actix_jwt_extended::{JwtConfig, JwtManager, TokenLocation};

static WARNINGS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record) {
        if record.level() == log::Level::Warn {
            let warning = (record.target().to_owned(), record.args().to_string());
            WARNINGS.lock().unwrap().push(warning);
        }
    }

    fn flush(&self) {}
}

#[test]
fn start_up_warnings_reach_the_log_logger_without_a_tracing_subscriber() {
    log::set_logger(&Logger).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let config = JwtConfig {
        secret_key: Some("super-secret".into()),
        token_location: vec![TokenLocation::Cookies],
        ..JwtConfig::default()
    };
    let jwt = JwtManager::builder(config).build().unwrap();
    let token = jwt.create_access_token("ann").finish().unwrap();
    assert!(jwt.decode_token(&token, false).is_ok());

    let warnings = WARNINGS.lock().unwrap().clone();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|(target, _)| target == "actix_jwt_extended"));
    let said = |option: &str| warnings.iter().any(|(_, message)| message.contains(option));
    assert!(
        said("JWT_SECRET_KEY") && said("JWT_COOKIE_SECURE"),
        "{warnings:?}"
    );
    assert!(!warnings
        .iter()
        .any(|(_, message)| message.contains("super-secret")));
}
