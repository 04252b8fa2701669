//! The book in `docs/src/` (an mdBook) checked without mdBook: every relative link and image
//! points at a file that exists (and a link to `page.md#heading` at a heading of that page),
//! every `{{#include}}` names a file that exists and an anchor that file defines, every
//! chapter is listed in `SUMMARY.md`, and nothing points outside the repository. The README, a reader's first page, gets the same link check.
//!
//! mdBook itself only warns about an include it cannot read, and says nothing of a missing
//! anchor (`.ci/run` fails on its warnings); this test needs nothing but Rust, so `cargo test`
//! catches both on any machine.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Everything wrong with the book whose chapters are in `src` (and with `extra` pages, checked
/// for links only), one line per problem.
fn problems(src: &Path, extra: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pages = Vec::new();
    collect(src, &mut pages);
    pages.sort();
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
    let listed: Vec<PathBuf> = links(&summary)
        .iter()
        .map(|target| src.join(strip_fragment(target)))
        .collect();
    for page in &pages {
        let Ok(text) = fs::read_to_string(page) else {
            continue; // not text (no such page in the book today)
        };
        let name = page.strip_prefix(src).unwrap_or(page).display().to_string();
        if text.contains("shared/") {
            found.push(format!(
                "{name}: mentions shared/, which is not in the repository"
            ));
        }
        if page.extension().is_some_and(|e| e == "md") {
            if name != "SUMMARY.md" && !listed.contains(page) {
                found.push(format!("{name}: not listed in SUMMARY.md"));
            }
            check_page(page, &name, &text, &mut found);
        }
    }
    for page in extra {
        let text = fs::read_to_string(page).unwrap_or_default();
        let name = page.file_name().unwrap_or_default().to_string_lossy();
        if text.contains("shared/") {
            found.push(format!(
                "{name}: mentions shared/, which is not in the repository"
            ));
        }
        check_page(page, &name, &text, &mut found);
    }
    found
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The links and includes of one Markdown page.
fn check_page(page: &Path, name: &str, text: &str, found: &mut Vec<String>) {
    let dir = page.parent().unwrap_or(Path::new("."));
    for target in links(text) {
        if is_external(&target) {
            continue;
        }
        let file = strip_fragment(&target);
        let path = if file.is_empty() {
            page.to_path_buf()
        } else {
            dir.join(file)
        };
        if !path.exists() {
            found.push(format!("{name}: link to {target}, which does not exist"));
        } else if let Some((_, fragment)) = target.split_once('#') {
            let is_markdown = path.extension().is_some_and(|e| e == "md");
            let text = fs::read_to_string(&path).unwrap_or_default();
            if is_markdown && !heading_ids(&text).iter().any(|id| id == fragment) {
                found.push(format!(
                    "{name}: link to {target}, which names no heading there"
                ));
            }
        }
    }
    for (file, anchor) in includes(text) {
        let path = dir.join(&file);
        let Ok(source) = fs::read_to_string(&path) else {
            found.push(format!("{name}: {{{{#include {file}}}}}: no such file"));
            continue;
        };
        if let Some(anchor) = anchor {
            let begin = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            if !source.lines().any(|l| l.trim_end().ends_with(&begin))
                || !source.lines().any(|l| l.trim_end().ends_with(&end))
            {
                found.push(format!(
                    "{name}: {{{{#include {file}:{anchor}}}}}: {file} has no ANCHOR {anchor} with its ANCHOR_END"
                ));
            }
        }
    }
}

fn is_external(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:")
}

/// The ids mdBook (and, for these headings, GitHub) gives a page's headings: lowercased, spaces
/// made hyphens, punctuation dropped, a repeated id numbered (`-1`, `-2`).
fn heading_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        if fenced {
            continue;
        }
        let heading = heading.trim_start_matches('#').trim();
        let mut id = String::new();
        for c in heading.chars() {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                id.extend(c.to_lowercase());
            } else if c.is_whitespace() {
                id.push('-');
            }
        }
        let repeats = ids
            .iter()
            .filter(|seen| {
                **seen == id
                    || seen
                        .rsplit_once('-')
                        .is_some_and(|(base, n)| base == id && n.parse::<u32>().is_ok())
            })
            .count();
        if repeats > 0 {
            id = format!("{id}-{repeats}");
        }
        ids.push(id);
    }
    ids
}

fn strip_fragment(target: &str) -> &str {
    target.split(['#', '?']).next().unwrap_or("")
}

/// The targets of the page's links and images, `[text](target)`, `[name]: target` and
/// `<img src="target">`, outside code: fenced blocks and inline code spans are skipped.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            // `[text](target "title")`: the target is the first word.
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            out.push(target.trim_matches(['<', '>']).to_string());
            rest = &rest[end..];
        }
        if let Some(definition) = line.trim_start().strip_prefix('[') {
            if let Some((_, target)) = definition.split_once("]: ") {
                out.extend(target.split_whitespace().next().map(str::to_string));
            }
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("src=\"") {
            rest = &rest[at + 5..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn without_code_spans(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// `{{#include FILE}}`, `{{#include FILE:ANCHOR}}` and line ranges (`FILE:3:9`, no anchor),
/// anywhere on the page (they are usually inside fenced blocks), as mdBook reads them; one
/// written `\{{#include ...}}` is shown as text, not included.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        let mut rest = text;
        while let Some(at) = rest.find(directive) {
            let escaped = rest[..at].ends_with('\\');
            rest = &rest[at + directive.len()..];
            if escaped {
                continue; // `\{{#include ...}}` is shown, not included
            }
            let end = rest.find("}}").unwrap_or(rest.len());
            let spec = rest[..end].trim();
            let (file, anchor) = match spec.split_once(':') {
                Some((file, after)) => {
                    let is_range = after.chars().all(|c| c.is_ascii_digit() || c == ':');
                    (file, (!is_range).then(|| after.to_string()))
                }
                None => (spec, None),
            };
            out.push((file.to_string(), anchor));
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn the_book_has_no_broken_link_include_or_unlisted_chapter() {
    let found = problems(&root().join("docs/src"), &[root().join("README.md")]);
    assert!(
        found.is_empty(),
        "the book has {} problem(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_book_is_an_mdbook_whose_output_git_ignores() {
    assert!(root().join("docs/book.toml").is_file());
    assert!(root().join("docs/src/SUMMARY.md").is_file());
    let ignored = fs::read_to_string(root().join(".gitignore")).unwrap_or_default();
    assert!(ignored.lines().any(|l| l.trim() == "docs/book/"));
}

/// The checker itself: a small book with one of each fault is reported, fault by fault, and
/// the same book mended is not.
#[test]
fn the_checker_finds_each_kind_of_fault() {
    let dir = std::env::temp_dir().join(format!("netnotes-docs-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).unwrap();
    let write = |name: &str, text: &str| fs::write(dir.join(name), text).unwrap();
    write(
        "prog.rs",
        "// ANCHOR: program\nfn main() {}\n// ANCHOR_END: program\n",
    );
    write("src/SUMMARY.md", "# Summary\n\n- [One](one.md)\n");
    let good = "# One\n\n## The `write()` call · 写\n\n[two](one.md#the-write-call--写) [self](#one) ![pic](pic.svg) `[not](a-link.md)`\n\n\
                ```rust\n{{#include ../prog.rs:program}}\nlet v = x[..](y);\n```\n\
                shown, not included: \\{{#include ../nowhere.rs}}\n";
    write("src/one.md", good);
    write("src/pic.svg", "<svg/>");
    assert_eq!(problems(&dir.join("src"), &[]), Vec::<String>::new());

    write(
        "src/one.md",
        "# One\n\n[gone](gone.md) ![gone](gone.svg) [nowhere](#two)\n\n[ref]: missing.md\n\n\
         ```rust\n{{#include ../prog.rs:nothing}}\n{{#include ../nowhere.rs}}\n```\n\
         see shared/notes\n",
    );
    write("src/two.md", "# Two, listed nowhere\n");
    let found = problems(&dir.join("src"), &[]);
    let _ = fs::remove_dir_all(&dir);
    for expected in [
        "one.md: link to gone.md",
        "one.md: link to gone.svg",
        "one.md: link to missing.md",
        "has no ANCHOR nothing",
        "{{#include ../nowhere.rs}}: no such file",
        "one.md: mentions shared/",
        "two.md: not listed in SUMMARY.md",
        "one.md: link to #two, which names no heading there",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected a problem containing {expected:?}, found {found:#?}"
        );
    }
    assert_eq!(found.len(), 8, "{found:#?}");
}
