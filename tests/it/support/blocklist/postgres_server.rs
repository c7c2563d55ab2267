//! Private PostgreSQL clusters: the server on a free port of 127.0.0.1 (its Unix socket in
//! its temporary directory), trust authentication, no fsync (the operating system does not
//! crash; the server may, and keeps every committed transaction). [`PgServer::shared`] is one
//! cluster per test binary, with a fresh database per test ([`PgServer::database`]);
//! [`PgServer::start`] is a cluster of the test's own, to stop and restart. `initdb` runs once
//! per binary and clusters start from a copy of its result. A watchdog stops each cluster and
//! removes its directory when the test binary exits, however it exits.
//!
//! Without PostgreSQL's server programs (`initdb`, `pg_ctl`: in `/usr/lib/postgresql/*/bin`
//! on Debian, else on `PATH`) the test is skipped, except under `CI=true`, where that is a
//! failure (`.ci/run` installs them). As root, the clusters run as the `postgres` user, since
//! PostgreSQL refuses to run as root.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use sqlx::Connection;

/// The user clusters run as when the tests run as root.
const UNPRIVILEGED_USER: &str = "postgres";

/// A running PostgreSQL cluster; a private one is stopped and its directory removed on drop.
pub struct PgServer {
    programs: Programs,
    dir: TempDir,
    port: u16,
}

/// Where PostgreSQL's programs are, and as whom they run.
struct Programs {
    bin: PathBuf,
    run_as: Option<&'static str>,
}

/// A temporary directory the clusters' user owns, removed (after stopping the cluster in it)
/// by a watchdog once `_watchdog` is closed: on drop, or when the test binary exits.
struct TempDir {
    path: PathBuf,
    // Never written: the watchdog reads until end of input.
    _watchdog: ChildStdin,
}

static SHARED: OnceLock<Option<PgServer>> = OnceLock::new();
/// A data directory fresh from `initdb`, copied by every cluster.
static TEMPLATE: OnceLock<TempDir> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl PgServer {
    /// The cluster shared by the tests of this binary, started by the first caller; `None`
    /// (test skipped) when PostgreSQL is missing outside CI.
    pub fn shared() -> Option<&'static PgServer> {
        SHARED.get_or_init(Self::start).as_ref()
    }

    /// A cluster of its own; `None` as for [`shared`](Self::shared).
    pub fn start() -> Option<Self> {
        let programs = Programs::find()?;
        let template = TEMPLATE.get_or_init(|| {
            let template = TempDir::new(&programs);
            let mut initdb = programs.command("initdb");
            initdb
                .arg("-D")
                .arg(template.path.join("data"))
                .args(["--auth=trust", "--username=postgres", "--encoding=UTF8"])
                .args(["--no-sync", "--no-instructions"]);
            run(&mut initdb);
            template
        });
        let mut server = Self {
            dir: TempDir::new(&programs),
            programs,
            port: 0,
        };
        // `-a` keeps the owner and the modes PostgreSQL insists on.
        run(Command::new("cp")
            .arg("-a")
            .arg(template.path.join("data"))
            .arg(server.data()));
        // A port free now may be taken before the server binds it: try a few.
        for _ in 0..5 {
            server.port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("could not start PostgreSQL:\n{}", server.log());
    }

    /// A new, empty database on this cluster; its URL.
    pub async fn database(&self) -> String {
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connects to the cluster");
        // `name` is ours (`test_<n>`), nothing to escape.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
        admin.close().await.expect("closes");
        self.url(&name)
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop(&self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w"]);
        run(&mut stop);
    }

    /// Starts the server again on the same port, with the same data.
    pub fn restart(&self) {
        if !self.spawn() {
            panic!("PostgreSQL did not restart:\n{}", self.log());
        }
    }

    /// Stops the server cleanly and starts it again as a standby (`standby.signal`, no primary
    /// to follow): in recovery for good, read-only, with the data it had.
    pub fn restart_as_standby(&self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w"]);
        run(&mut stop);
        std::fs::write(self.data().join("standby.signal"), "").expect("standby.signal");
        self.restart();
    }

    /// `pg_ctl start` on `self.port`, waiting until connections are accepted; whether it did.
    fn spawn(&self) -> bool {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' \
             -c fsync=off -c full_page_writes=off -c max_connections=200",
            self.port,
            self.dir.path.display()
        );
        let mut start = self.command("pg_ctl");
        start
            .arg("start")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path.join("log"))
            .args(["-w", "-t", "30", "-o", &options]);
        // No output pipes: the server started by `pg_ctl` would inherit them.
        start
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("pg_ctl runs")
            .success()
    }

    fn data(&self) -> PathBuf {
        self.dir.path.join("data")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path.join("log")).unwrap_or_default()
    }

    fn command(&self, program: &str) -> Command {
        self.programs.command(program)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // Stopped here rather than by the watchdog, so that the port is free on return.
        let mut stop = self.command("pg_ctl");
        stop.arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w"]);
        let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

impl Programs {
    /// The directory of `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/<version>/bin`,
    /// else the one of `initdb` on `PATH`. `None` (skip) when there is none, outside CI.
    fn find() -> Option<Self> {
        let debian = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let version: Vec<u32> = path
                    .file_name()?
                    .to_str()?
                    .split('.')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .ok()?;
                Some((version, path.join("bin")))
            })
            .filter(|(_, bin)| has_server(bin))
            .max();
        let on_path =
            || std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| has_server(dir));
        if let Some(bin) = debian.map(|(_, bin)| bin).or_else(on_path) {
            let run_as = running_as_root().then_some(UNPRIVILEGED_USER);
            return Some(Self { bin, run_as });
        }
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("PostgreSQL's initdb not found, and CI=true: install it (see .ci/run)");
        }
        eprintln!("skipped: PostgreSQL's initdb not found (apt-get install -y postgresql)");
        None
    }

    /// `program` of PostgreSQL's, run as the clusters' user.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

impl TempDir {
    fn new(programs: &Programs) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("jwt-blocklist-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temporary directory");
        if let Some(user) = programs.run_as {
            run(Command::new("chown").arg(format!("{user}:")).arg(&path));
        }
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts")
            .stdin
            .take()
            .expect("piped stdin");
        Self {
            path,
            _watchdog: watchdog,
        }
    }
}

/// Waits for end of input, then stops the cluster in `$1`, if one runs there (`SIGQUIT`:
/// immediate shutdown), and removes the directory.
const WATCHDOG: &str = r#"cat >/dev/null
pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; then
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
fi
rm -rf "$1""#;

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs `command`, panicking with its output when it fails.
fn run(command: &mut Command) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
