//! The `tracing` span and events (feature `tracing`): each refusal is one `refused` event at
//! its level, with the reason, the route, the locations and the token's ids, inside the
//! `verify_jwt` span; revocations and store failures stand out; no event or span carries the
//! token. A capturing subscriber is the default on the test's own thread, where actix's test
//! service runs the requests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use actix_jwt_extended::blocklist::MemoryStore;
use actix_web::test;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::Attributes;
use tracing::{Event, Id, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::support::blocklist::{app, call, delete, get, manager, post, Down};
use crate::support::{now, sign_raw, SECRET};

/// The fields of an event or span, by name, as text.
type FieldMap = BTreeMap<&'static str, String>;

/// What one event said.
#[derive(Debug, Clone)]
struct Captured {
    name: &'static str,
    level: Level,
    target: String,
    /// The name of the span the event happened in.
    span: Option<&'static str>,
    fields: FieldMap,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// The events, and the fields of every span, recorded on this thread.
#[derive(Clone, Default)]
struct Capture {
    events: Arc<Mutex<Vec<Captured>>>,
    spans: Arc<Mutex<Vec<(&'static str, FieldMap)>>>,
}

impl Capture {
    /// The events of this crate's target.
    fn ours(&self) -> Vec<Captured> {
        let events = self.events.lock().unwrap();
        let ours = events.iter().filter(|e| e.target == "actix_jwt_extended");
        ours.cloned().collect()
    }

    /// Everything recorded, as text, to look for what must never be there.
    fn everything(&self) -> String {
        format!(
            "{:?} {:?}",
            self.events.lock().unwrap(),
            self.spans.lock().unwrap()
        )
    }
}

#[derive(Default)]
struct Fields(FieldMap);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let name = attrs.metadata().name();
        self.spans.lock().unwrap().push((name, fields.0));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        self.events.lock().unwrap().push(Captured {
            name: meta.name(),
            level: *meta.level(),
            target: meta.target().to_owned(),
            span: ctx.event_span(event).map(|span| span.name()),
            fields: fields.0,
        });
    }
}

/// A capture, the default subscriber of this thread until the guard drops.
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    (capture, tracing::subscriber::set_default(subscriber))
}

/// The only `refused` event captured.
fn refused(capture: &Capture) -> Captured {
    let refusals: Vec<_> = capture
        .ours()
        .into_iter()
        .filter(|e| e.name == "refused")
        .collect();
    assert_eq!(refusals.len(), 1, "one refusal event: {refusals:?}");
    refusals.into_iter().next().unwrap()
}

#[actix_web::test]
async fn a_missing_token_is_refused_at_debug_in_the_verification_span() {
    let (capture, _guard) = capture();
    let app = test::init_service(app(manager(MemoryStore::new()))).await;
    let (status, _) = call!(app, test::TestRequest::get().uri("/protected")).await;
    assert_eq!(status, 401);

    let event = refused(&capture);
    assert_eq!(event.level, Level::DEBUG);
    assert_eq!(event.span, Some("verify_jwt"));
    assert_eq!(event.field("kind"), Some("NoAuthorization"));
    assert_eq!(event.field("status"), Some("401"));
    assert_eq!(event.field("route"), Some("/protected"));
    assert_eq!(event.field("locations"), Some("headers"));
    assert_eq!(event.field("message"), Some("Missing Authorization Header"));
    assert_eq!(event.field("jti"), None);
    let spans = capture.spans.lock().unwrap().clone();
    let (name, fields) = &spans[0];
    assert_eq!(*name, "verify_jwt");
    assert_eq!(fields["route"], "/protected");
    assert_eq!(fields["method"], "GET");
}

#[actix_web::test]
async fn an_expired_token_is_refused_at_debug_with_its_ids() {
    let (capture, _guard) = capture();
    let app = test::init_service(app(manager(MemoryStore::new()))).await;
    let payload = json!({
        "sub": "ann", "jti": "expired-jti", "type": "access", "fresh": false,
        "iat": now() - 200, "nbf": now() - 200, "exp": now() - 100,
    });
    let token = sign_raw(&payload, SECRET);
    let (status, _) = call!(app, get("/protected", &token)).await;
    assert_eq!(status, 401);

    let event = refused(&capture);
    assert_eq!(event.level, Level::DEBUG);
    assert_eq!(event.field("kind"), Some("Expired"));
    assert_eq!(event.field("message"), Some("Token has expired"));
    assert_eq!(event.field("jti"), Some("expired-jti"));
    assert_eq!(event.field("sub"), Some("ann"));
    assert!(!capture.everything().contains(&token));
}

#[actix_web::test]
async fn a_revoked_token_is_refused_at_info() {
    let (capture, _guard) = capture();
    let jwt = manager(MemoryStore::new());
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let jti = jwt
        .decode_token(&token, false)
        .unwrap()
        .jti()
        .unwrap()
        .to_owned();
    assert_eq!(call!(app, delete("/logout", &token)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &token)).await.0, 401);

    let event = refused(&capture);
    assert_eq!(event.level, Level::INFO);
    assert_eq!(event.field("kind"), Some("Revoked"));
    assert_eq!(event.field("route"), Some("/protected"));
    assert_eq!(event.field("jti"), Some(jti.as_str()));
    assert_eq!(event.field("sub"), Some("ann"));
    assert!(!capture.everything().contains(&token));
}

#[actix_web::test]
async fn refresh_token_reuse_is_reported_at_info() {
    let (capture, _guard) = capture();
    let app = test::init_service(app(manager(MemoryStore::new()))).await;
    let (_, tokens) = call!(app, test::TestRequest::post().uri("/login")).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(call!(app, post("/refresh", &refresh)).await.0, 200);
    assert_eq!(call!(app, post("/refresh", &refresh)).await.0, 401);

    let reuse: Vec<_> = capture
        .ours()
        .into_iter()
        .filter(|e| e.name == "refresh_refused")
        .collect();
    assert_eq!(reuse.len(), 1, "{reuse:?}");
    assert_eq!(reuse[0].level, Level::INFO);
    assert_eq!(reuse[0].field("reused"), Some("true"));
    assert_eq!(reuse[0].field("sub"), Some("username"));
    assert!(reuse[0].field("family").is_some());
    assert!(!capture.everything().contains(&refresh));
    let access = tokens["access_token"].as_str().unwrap();
    assert!(!capture.everything().contains(access));
}

#[actix_web::test]
async fn a_store_failure_is_an_error_with_its_cause() {
    let (capture, _guard) = capture();
    let jwt = manager(Down);
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    assert_eq!(call!(app, get("/protected", &token)).await.0, 503);

    let event = refused(&capture);
    assert_eq!(event.level, Level::ERROR);
    assert_eq!(event.field("kind"), Some("RevocationUnavailable"));
    assert!(event.field("cause").unwrap().contains("connection refused"));

    // A revocation helper's failure (here the rotation's check) is reported too.
    let (_, tokens) = call!(app, test::TestRequest::post().uri("/login")).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(call!(app, post("/refresh", refresh)).await.0, 503);
    let failures: Vec<_> = capture
        .ours()
        .into_iter()
        .filter(|e| e.name == "revocation_store_failed")
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].level, Level::ERROR);
    assert!(failures[0]
        .field("cause")
        .unwrap()
        .contains("connection refused"));
    // Each 503 is reported once more by the response, with the detail the client does not see.
    let server_errors: Vec<_> = capture
        .ours()
        .into_iter()
        .filter(|e| e.name == "server_error")
        .collect();
    assert_eq!(server_errors.len(), 2, "{server_errors:?}");
    for event in &server_errors {
        assert_eq!(event.level, Level::ERROR);
        assert_eq!(event.field("status"), Some("503"));
        assert!(event.field("cause").unwrap().contains("connection refused"));
    }
    let everything = capture.everything();
    assert!(!everything.contains(&token) && !everything.contains(refresh));
}

#[actix_web::test]
async fn a_jwks_failure_is_a_warning_without_the_url_password() {
    let (capture, _guard) = capture();
    let source = actix_jwt_extended::JwksSource::builder("https://user:s3cr3t-pw@127.0.0.1:1/jwks")
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(source.refresh().await.is_err());

    let failures: Vec<_> = capture
        .ours()
        .into_iter()
        .filter(|e| e.name == "jwks_refresh_failed")
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].level, Level::WARN);
    assert_eq!(
        failures[0].field("url"),
        Some("https://***@127.0.0.1:1/jwks")
    );
    assert_eq!(failures[0].field("failures"), Some("1"));
    assert!(failures[0].field("cause").is_some());
    assert!(!capture.everything().contains("s3cr3t-pw"));
}
