//! The shape of `src/`, read from the source itself on every `cargo test`. No file is longer
//! than 1,000 lines (a reader takes a file in one sitting). Layers look down: `tcp`, `udp`
//! and `wire` name no protocol above them, `http` names no WebSocket, and inside `tcp` no two
//! modules import each other, directly or round a longer loop (the socket holds its place in
//! the server's count through `tcp::places`, which knows neither).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A file's code: without its comments (a doc link is not an import) and without its unit
/// tests (`#[cfg(test)]` to the end, where tests live here).
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `.rs` files under `dir`, nested ones too.
fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The most lines a file under `src/` may have.
const MAX_LINES: usize = 1000;

#[test]
fn no_file_under_src_is_longer_than_1000_lines() {
    let mut paths = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut paths,
    );
    assert!(paths.len() > 20, "src/ not found: {} files", paths.len());
    let long: Vec<String> = paths
        .iter()
        .map(|path| (path, fs::read_to_string(path).unwrap().lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(path, lines)| format!("{}: {lines} lines", path.display()))
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn lower_layers_name_no_layer_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut lower = Vec::new();
    files(&src.join("tcp"), &mut lower);
    lower.extend(["udp.rs", "wire.rs"].map(|f| src.join(f)));
    for path in &lower {
        for above in ["crate::http", "crate::ws"] {
            if code(path).contains(above) {
                found.push(format!("{} names {above}", path.display()));
            }
        }
    }
    let mut http = Vec::new();
    files(&src.join("http"), &mut http);
    for path in &http {
        if code(path).contains("crate::ws") {
            found.push(format!("{} names crate::ws", path.display()));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Which sibling modules each module of `dir` uses: `super::NAME`, `crate::tcp::NAME`, or a
/// name `mod.rs` re-exports from NAME (`super::{Socket, READ_SIZE}` is `socket`).
fn sibling_imports(dir: &Path, crate_path: &str) -> BTreeMap<String, Vec<String>> {
    let modules: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "mod")
        .collect();
    // `pub use socket::{Socket, SocketEvent};` in mod.rs: each name → its module.
    let mod_rs = code(&dir.join("mod.rs")).replace('\n', " ");
    let mut owner = BTreeMap::new();
    for statement in mod_rs.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names.split([',', '{', '}', ' ']).filter(|n| !n.is_empty()) {
            owner.insert(name.to_string(), module.to_string());
        }
    }
    let mut uses = BTreeMap::new();
    for module in &modules {
        let text = code(&dir.join(format!("{module}.rs")));
        let mut named: Vec<String> = Vec::new();
        for prefix in ["super::", crate_path] {
            for (at, _) in text.match_indices(prefix) {
                let after = &text[at + prefix.len()..];
                let words: Vec<&str> = match after.strip_prefix('{') {
                    Some(list) => list[..list.find('}').unwrap_or(0)].split(',').collect(),
                    None => vec![after],
                };
                for word in words {
                    let word = word.trim();
                    let end = word
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(word.len());
                    let name = &word[..end];
                    let target = match owner.get(name) {
                        Some(m) => m.clone(),
                        None => name.to_string(),
                    };
                    if modules.contains(&target) && target != *module && !named.contains(&target) {
                        named.push(target);
                    }
                }
            }
        }
        uses.insert(module.clone(), named);
    }
    uses
}

/// A loop in `uses`, as the modules round it, if there is one.
fn a_loop(uses: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        uses: &BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut round = path[at..].to_vec();
            round.push(module.to_string());
            return Some(round);
        }
        if done.iter().any(|m| m == module) {
            return None;
        }
        path.push(module.to_string());
        for next in uses.get(module).into_iter().flatten() {
            if let Some(round) = visit(next, uses, path, done) {
                return Some(round);
            }
        }
        path.pop();
        done.push(module.to_string());
        None
    }
    let mut done = Vec::new();
    uses.keys()
        .find_map(|m| visit(m, uses, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_of_tcp_import_each_other_in_no_loop() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tcp");
    let uses = sibling_imports(&dir, "crate::tcp::");
    // The finder itself: it sees what the socket and the server use.
    assert!(uses["server"].contains(&"socket".to_string()), "{uses:#?}");
    assert!(uses["socket"].contains(&"places".to_string()), "{uses:#?}");
    assert!(uses["inbox"].contains(&"socket".to_string()), "{uses:#?}");
    assert_eq!(a_loop(&uses), None, "{uses:#?}");
}

#[test]
fn a_loop_is_found_however_long() {
    let uses = |edges: &[(&str, &str)]| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (from, to) in edges {
            map.entry(from.to_string())
                .or_default()
                .push(to.to_string());
            map.entry(to.to_string()).or_default();
        }
        map
    };
    assert_eq!(a_loop(&uses(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        a_loop(&uses(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        a_loop(&uses(&[("socket", "server"), ("server", "socket")])),
        Some(vec!["server".into(), "socket".into(), "server".into()])
    );
}
