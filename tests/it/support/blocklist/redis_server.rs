//! A private `redis-server` per test: its own free port and temporary directory, killed on
//! drop, so tests are independent. Without `redis-server` the test is skipped, except under
//! `CI=true`, where that is a failure (`.ci/run` installs it). And a [`Switch`] in front of
//! servers, to play a failover.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running `redis-server`, stopped and its directory removed on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
}

impl RedisServer {
    /// A server without persistence (`--save '' --appendonly no`); `None` (test skipped)
    /// when `redis-server` is missing outside CI.
    pub fn start() -> Option<Self> {
        Self::start_with(&["--save", "", "--appendonly", "no"])
    }

    /// A server with `args` added; `None` as for [`start`](Self::start).
    pub fn start_with(args: &[&str]) -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("redis-server not found, and CI=true: install it (see .ci/run)");
            }
            eprintln!("skipped: redis-server not found (apt-get install -y redis-server)");
            return None;
        }
        // A port free now may be taken before redis binds it: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let dir = std::env::temp_dir()
                .join(format!("jwt-blocklist-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temporary directory");
            let mut server = Self {
                child: None,
                port,
                dir,
                args: args.iter().map(|a| a.to_string()).collect(),
            };
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("could not start redis-server");
    }

    /// Starts the process on `self.port`; whether it answers PING.
    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self
                .try_command(&["PING"])
                .is_ok_and(|r| r.as_deref() == Some("PONG"))
            {
                return true;
            }
            if let Some(child) = &mut self.child {
                if child.try_wait().ok().flatten().is_some() {
                    self.child = None;
                    return false;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (as a crash would) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (`SIGSTOP`): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a [`pause`](Self::pause)d server run again (`SIGCONT`).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("a running server").id();
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Starts the server again on the same port, with the same directory (and data, when
    /// persistence is on).
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..50 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not restart on port {}", self.port);
    }

    /// Runs one command over RESP and returns the reply as text (`None` for a nil reply, an
    /// array's strings one a line); panics when the server cannot be reached or answers an
    /// error.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        self.try_command(args)
            .unwrap_or_else(|e| panic!("redis {args:?}: {e}"))
    }

    /// [`command`](Self::command), with an error reply (or no connection) as `Err`.
    pub fn try_command(&self, args: &[&str]) -> Result<Option<String>, String> {
        let io = |e: std::io::Error| e.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(io)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(io)?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).map_err(io)?;
        let mut reader = BufReader::new(stream);
        read_reply(&mut reader, true)
    }

    /// The ids of the clients connected now, but the one asking, with `CLIENT TRACKING` on
    /// (`tracking`) or off.
    pub fn clients(&self, tracking: bool) -> Vec<String> {
        let list = self.command(&["CLIENT", "LIST"]).unwrap();
        list.lines()
            .filter(|line| !line.contains(" cmd=client|list "))
            .filter(|line| {
                let flags = line.split(' ').find_map(|f| f.strip_prefix("flags="));
                flags.is_some_and(|flags| flags.contains('t')) == tracking
            })
            .filter_map(|line| line.split(' ').find_map(|f| f.strip_prefix("id=")))
            .map(str::to_owned)
            .collect()
    }
}

/// One reply from `reader`: a string, an integer, nil, or (at the top, `array`) an array of
/// those, one a line.
fn read_reply(reader: &mut impl BufRead, array: bool) -> Result<Option<String>, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut line = String::new();
    reader.read_line(&mut line).map_err(io)?;
    let line = line.trim_end();
    match line.split_at(1.min(line.len())) {
        ("+" | ":", rest) => Ok(Some(rest.to_owned())),
        ("$", "-1") => Ok(None),
        ("$", len) => {
            let len: usize = len.parse().map_err(|_| format!("bad reply {line}"))?;
            let mut data = vec![0; len + 2];
            reader.read_exact(&mut data).map_err(io)?;
            data.truncate(len);
            Ok(Some(String::from_utf8_lossy(&data).into_owned()))
        }
        ("*", len) if array => {
            let len: usize = len.parse().map_err(|_| format!("bad reply {line}"))?;
            let mut items = Vec::with_capacity(len);
            for _ in 0..len {
                items.push(read_reply(reader, false)?.unwrap_or_default());
            }
            Ok(Some(items.join("\n")))
        }
        _ => Err(format!("reply {line}")),
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP proxy in front of Redis servers, as a DNS name or a proxy that follows the primary
/// is: connections open stay with their server, new ones go to the server it points to now.
/// Stops accepting on drop.
pub struct Switch {
    port: u16,
    /// The port new connections go to; 0: they are closed at once.
    target: Arc<AtomicU16>,
    stopped: Arc<AtomicBool>,
}

impl Switch {
    /// A switch pointing to `server`.
    pub fn to(server: &RedisServer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let target = Arc::new(AtomicU16::new(server.port()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (to, stop) = (Arc::clone(&target), Arc::clone(&stopped));
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                let Ok(inbound) = inbound else { continue };
                let port = to.load(Ordering::Acquire);
                let outbound = (port != 0)
                    .then(|| TcpStream::connect(("127.0.0.1", port)).ok())
                    .flatten();
                match outbound {
                    Some(outbound) => forward(inbound, outbound),
                    None => drop(inbound),
                }
            }
        });
        Self {
            port,
            target,
            stopped,
        }
    }

    /// `redis://127.0.0.1:<port of the switch>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// New connections go to `server` from now on.
    pub fn point_to(&self, server: &RedisServer) {
        self.target.store(server.port(), Ordering::Release);
    }

    /// New connections are closed at once from now on, as if no server answered.
    pub fn cut(&self) {
        self.target.store(0, Ordering::Release);
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Release);
        // Wakes the accepting thread up, so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies bytes both ways between `a` and `b`; when either side closes, closes both.
fn forward(a: TcpStream, b: TcpStream) {
    for (mut from, mut to) in [(&a, &b), (&b, &a)].map(|(from, to)| {
        (
            from.try_clone().expect("a socket"),
            to.try_clone().expect("a socket"),
        )
    }) {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
}
