//! The interop suite: our binaries against implementations nobody here wrote.
//!
//! Run with `cargo test --test interop` (`.ci/run` installs the peers first). A test whose peer
//! is missing fails, naming it: it never skips.

#[path = "../common/mod.rs"]
mod common;

mod http;
mod http_client;
mod tcp;
mod udp;
mod ws;

use common::Running;
use std::path::PathBuf;
use std::process::Command;

/// A command for an outside peer (`node`, `curl`, ...), after checking that it is installed:
/// a missing peer fails the test with its name, never skips it.
pub fn peer(program: &str) -> Command {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "missing peer: `{program}` is not installed (.ci/run installs the interop peers)"
    );
    Command::new(program)
}

/// The path of one of the Node programs kept in `tests/interop/node/`.
pub fn node_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/node")
        .join(name)
}

/// Starts one of the Node programs with arguments.
pub fn node(script: &str, args: &[&str]) -> Running {
    Running::command(peer("node").arg(node_script(script)).args(args))
}

/// Replaces every occurrence of `port` in `line` with `PORT`, so runs on different ports compare.
pub fn mask_port(line: &str, port: u16) -> String {
    line.replace(&port.to_string(), "PORT")
}
