//! Starting the servers under test as a user would: ours with `--port 0 --quiet` and default
//! flags otherwise, Node's programs from `benches/peers/`, nginx with a hello `location`.
//!
//! A peer that is not installed is not an error: it is left out, and named in the output
//! and the charts' captions.

use crate::common::port_in;
use crate::procfs::Group;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Who a server is, for tables and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Ours,
    Node,
    Nginx,
    /// Our servers from an earlier build (`NETNOTES_BEFORE=DIR`), to measure a change.
    Before,
    /// The plainest std server of the same design (`baseline.rs`): the floor of ours.
    Baseline,
    /// The HTTP baseline with work in few cache lines of code (`calibrate`).
    Tight,
    /// The HTTP baseline with work spread over many cache lines of code (`calibrate`).
    Spread,
    /// The HTTP baseline doing what http-server must check and decide, in as little code
    /// as we could write it (`strict.rs`, `calibrate`).
    Strict,
}

impl Who {
    pub fn name(self) -> &'static str {
        match self {
            Who::Ours => "netnotes",
            Who::Node => "Node",
            Who::Nginx => "nginx",
            Who::Before => "before",
            Who::Baseline => "baseline",
            Who::Tight => "baseline + tight work",
            Who::Spread => "baseline + spread work",
            Who::Strict => "baseline made strict",
        }
    }

    /// The colour of its series in the charts.
    pub fn colour(self) -> &'static str {
        match self {
            Who::Ours => "#c0392b",
            Who::Node => "#2e7d32",
            Who::Nginx => "#1f5fa8",
            Who::Before => "#888888",
            Who::Baseline => "#7d3c98",
            Who::Tight => "#b07cc6",
            Who::Spread => "#d2b4de",
            Who::Strict => "#5b2c6f",
        }
    }
}

/// A running server.
pub struct Server {
    pub who: Who,
    pub addr: SocketAddr,
    child: Child,
    group: Group,
    /// nginx's prefix directory (its config, pid file and logs), removed on drop.
    dir: Option<PathBuf>,
    /// Ours: the binary's name and the flags beyond `--port 0 --quiet`.
    pub binary: String,
    pub extra: Vec<String>,
}

/// The path of one of the crate's binaries, built by `cargo bench` in the bench profile.
pub fn our_binary(name: &str) -> &'static str {
    match name {
        "http-server" => env!("CARGO_BIN_EXE_http-server"),
        "tcp-server" => env!("CARGO_BIN_EXE_tcp-server"),
        "ws-server" => env!("CARGO_BIN_EXE_ws-server"),
        "nagle" => env!("CARGO_BIN_EXE_nagle"),
        other => panic!("no binary {other} in the bench"),
    }
}

/// `benches/peers/`.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers")
}

impl Server {
    /// One of our servers: `NAME --port 0 --quiet EXTRA...`.
    pub fn ours(name: &str, extra: &[&str]) -> Result<Server, String> {
        let mut command = Command::new(our_binary(name));
        command.args(["--port", "0", "--quiet"]).args(extra);
        let mut server = Server::start(Who::Ours, command, None)?;
        server.binary = name.to_string();
        server.extra = extra.iter().map(|a| a.to_string()).collect();
        Ok(server)
    }

    /// The same server from an earlier build, if `NETNOTES_BEFORE` names the directory of
    /// its binaries (`cp target/release/*-server DIR` before a change, then measure after).
    pub fn before(name: &str, extra: &[&str]) -> Option<Result<Server, String>> {
        let dir = std::env::var_os("NETNOTES_BEFORE")?;
        let mut command = Command::new(Path::new(&dir).join(name));
        command.args(["--port", "0", "--quiet"]).args(extra);
        Some(Server::start(Who::Before, command, None))
    }

    /// The baseline server for `kind` (`http`, `http-tight`, `http-spread`, `http-strict`, `tcp`,
    /// `websocket`): this bench binary again, with `--baseline KIND`.
    pub fn baseline(kind: &str) -> Result<Server, String> {
        let who = match kind {
            "http-tight" => Who::Tight,
            "http-spread" => Who::Spread,
            "http-strict" => Who::Strict,
            _ => Who::Baseline,
        };
        let exe = std::env::current_exe().map_err(|e| format!("the bench binary: {e}"))?;
        let mut command = Command::new(exe);
        command.args(["--baseline", kind]);
        Server::start(who, command, None)
    }

    /// A Node program from `benches/peers/`, given port 0.
    pub fn node(script: &str) -> Result<Server, String> {
        let version = Command::new("node").arg("--version").output();
        if !version.is_ok_and(|o| o.status.success()) {
            return Err("node is not installed".into());
        }
        if script == "ws-echo.js" && !peers_dir().join("node_modules/ws").exists() {
            install_ws()?;
        }
        let mut command = Command::new("node");
        command.arg(peers_dir().join(script)).arg("0");
        Server::start(Who::Node, command, None)
    }

    /// nginx answering `return 200 "Hello World\n"`, with `worker_processes auto` (one
    /// worker per core), on a free loopback port.
    pub fn nginx() -> Result<Server, String> {
        let version = Command::new("nginx").arg("-v").output();
        if !version.is_ok_and(|o| o.status.success()) {
            return Err("nginx is not installed".into());
        }
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let dir = std::env::temp_dir().join(format!(
            "netnotes-bench-nginx-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("nginx.conf"), nginx_conf(&dir, port))
            .map_err(|e| e.to_string())?;
        let mut command = Command::new("nginx");
        command
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"));
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("nginx: {e}"))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut server = Server {
            who: Who::Nginx,
            addr,
            group: Group::of(child.id()),
            child,
            dir: Some(dir),
            binary: String::new(),
            extra: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline || server.child.try_wait().ok().flatten().is_some() {
                return Err("nginx did not start (see its error.log)".into());
            }
            thread::sleep(Duration::from_millis(20));
        }
        // The master forks its workers: wait for them, so that the group counts them all.
        let workers = thread::available_parallelism().map_or(1, |n| n.get());
        while Group::of(server.child.id()).len() < workers + 1 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        server.group = Group::of(server.child.id());
        Ok(server)
    }

    fn start(who: Who, mut command: Command, dir: Option<PathBuf>) -> Result<Server, String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{command:?}: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = match lines.next() {
            Some(Ok(line)) => line,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{command:?} printed no listening line"));
            }
        };
        // The rest of stdout (tcp-server prints a line per closed client) must be read, or
        // the server would block on a full pipe.
        thread::spawn(move || lines.for_each(drop));
        let Some(port) = port_in(&line) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no port in {line:?}"));
        };
        Ok(Server {
            who,
            addr: ([127, 0, 0, 1], port).into(),
            group: Group::of(child.id()),
            child,
            dir,
            binary: String::new(),
            extra: Vec::new(),
        })
    }

    /// The server's processes, for CPU time and memory.
    pub fn group(&self) -> &Group {
        &self.group
    }

    /// The main process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.who == Who::Nginx {
            // SIGTERM lets the master stop its workers; SIGKILL would orphan them.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// nginx's hello server. `keepalive_requests` is raised from its default (1,000 requests,
/// then nginx closes the connection) because neither Node nor ours has such a limit, and
/// the generator would count each of those closes as a failed exchange.
fn nginx_conf(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "daemon off;\n\
         worker_processes auto;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log;\n\
         events {{ worker_connections 16384; }}\n\
         http {{\n\
         \x20 access_log off;\n\
         \x20 keepalive_requests 100000000;\n\
         \x20 client_body_temp_path {d}/body;\n\
         \x20 proxy_temp_path {d}/proxy;\n\
         \x20 fastcgi_temp_path {d}/fastcgi;\n\
         \x20 uwsgi_temp_path {d}/uwsgi;\n\
         \x20 scgi_temp_path {d}/scgi;\n\
         \x20 server {{\n\
         \x20   listen 127.0.0.1:{port};\n\
         \x20   location / {{\n\
         \x20     default_type text/plain;\n\
         \x20     return 200 \"Hello World\\n\";\n\
         \x20   }}\n\
         \x20 }}\n\
         }}\n"
    )
}

/// `npm ci` in `benches/peers/`, for the `ws` package (package-lock.json pins it).
fn install_ws() -> Result<(), String> {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(peers_dir())
        .stdout(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        _ => Err("the ws package is not installed (npm ci in benches/peers failed)".into()),
    }
}

/// A peer program's version, for the report (`None` if it is not installed).
pub fn version(program: &str) -> Option<String> {
    let flag = match program {
        "nginx" | "wrk" => "-v",
        _ => "--version",
    };
    let out = Command::new(program).arg(flag).output().ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let first = text.lines().next()?.trim().to_string();
    (!first.is_empty()).then_some(first)
}
