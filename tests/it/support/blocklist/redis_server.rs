//! A private `redis-server` per test: its own free port and temporary directory, killed on
//! drop, so tests are independent. Without `redis-server` the test is skipped, except under
//! `CI=true`, where that is a failure (`.ci/run` installs it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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

    /// Runs one command over RESP and returns the reply as text (`None` for a nil reply);
    /// panics when the server cannot be reached or answers an error.
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
            _ => Err(format!("reply {line}")),
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
