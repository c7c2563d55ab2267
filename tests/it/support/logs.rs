//! The warnings a closure makes the crate report on its own thread, seen through a `tracing`
//! subscriber that is the default of that thread while the closure runs: tests run on
//! parallel threads, and a manager warns on the thread that builds it. A scoped subscriber,
//! not a process-wide logger: once any thread has set a `tracing` subscriber, tracing stops
//! handing events to the `log` logger, so a logger would see the warnings or not depending on
//! which tests ran first.

use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The crate's warning events: their name and message.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<(&'static str, String)>>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

fn wanted(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "actix_jwt_extended" && *metadata.level() == Level::WARN
}

impl Subscriber for Warnings {
    // `sometimes`, not `always`: the interest of a callsite is shared by every thread's
    // subscriber, and this one is asked again at each event, so the others' answers do not
    // hide a warning from it.
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        wanted(metadata)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if wanted(event.metadata()) {
            let mut message = Message(String::new());
            event.record(&mut message);
            let name = event.metadata().name();
            self.0.lock().unwrap().push((name, message.0));
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The messages of the warnings `f` makes the crate report on this thread.
pub fn warnings_of(f: impl FnOnce()) -> Vec<String> {
    named_warnings_of(f)
        .into_iter()
        .map(|(_, message)| message)
        .collect()
}

/// The warnings `f` makes the crate report on this thread: each event's name and message.
pub fn named_warnings_of(f: impl FnOnce()) -> Vec<(&'static str, String)> {
    let warnings = Warnings::default();
    tracing::subscriber::with_default(warnings.clone(), f);
    let captured = warnings.0.lock().unwrap().clone();
    captured
}
