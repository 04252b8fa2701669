//! The interop suite: our binaries against implementations nobody here wrote.
//!
//! Run with `cargo test --test interop` (`.ci/run` installs the peers first). A test whose peer
//! is missing fails, naming it: it never skips.

#[path = "../common/mod.rs"]
mod common;

mod tcp;
mod udp;
