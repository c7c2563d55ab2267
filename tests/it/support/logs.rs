//! One logger for the whole test binary (a program has at most one), which captures the
//! warnings a closure logs on its own thread: tests run on parallel threads, and a manager
//! warns on the thread that builds it.

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// The warnings of this thread, while [`warnings_of`] runs on it.
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

struct WarningLogger;

impl log::Log for WarningLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record) {
        if record.level() == log::Level::Warn {
            CAPTURED.with_borrow_mut(|captured| {
                if let Some(lines) = captured {
                    lines.push(record.args().to_string());
                }
            });
        }
    }

    fn flush(&self) {}
}

/// The warnings `f` logs on this thread.
pub fn warnings_of(f: impl FnOnce()) -> Vec<String> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&WarningLogger).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
    CAPTURED.set(Some(Vec::new()));
    f();
    CAPTURED.take().unwrap_or_default()
}
