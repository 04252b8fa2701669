//! The shape of `src/`, checked on every `cargo test`: no file longer than 1,000 lines (a
//! reader takes a file in one sitting), and layers that only look down — `tcp`, `udp` and
//! `wire` know no protocol above them, and `http` knows no WebSocket.

use std::fs;
use std::path::{Path, PathBuf};

/// The most lines a file under `src/` may have.
const MAX_LINES: usize = 1000;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file under `src/`, as (path relative to the crate, text).
fn sources() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            (
                name,
                fs::read_to_string(&path).expect("a source file is text"),
            )
        })
        .collect()
}

#[test]
fn no_file_under_src_is_longer_than_1000_lines() {
    let sources = sources();
    assert!(sources.len() > 20, "src/ not found: {}", sources.len());
    let long: Vec<String> = sources
        .iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn lower_layers_import_no_higher_one() {
    let lower =
        |name: &str| name.starts_with("src/tcp/") || name == "src/wire.rs" || name == "src/udp.rs";
    let mut found = Vec::new();
    for (name, text) in sources() {
        let banned: &[&str] = if lower(&name) {
            &["crate::http", "crate::ws"]
        } else if name.starts_with("src/http/") {
            &["crate::ws"]
        } else {
            &[]
        };
        for (i, line) in text.lines().enumerate() {
            if banned.iter().any(|b| line.contains(b)) {
                found.push(format!("{name}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "a layer looks up: {found:#?}");
}
