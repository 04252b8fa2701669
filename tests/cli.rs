//! The command line (docs/src/command-line.md, "Flags" and "Exit codes"), checked on every
//! binary: `--help` on stdout with exit 0; a bad flag or value is `error: ...` plus the usage
//! line on stderr, nothing on stdout, exit 2.

mod common;

use common::run;

/// Every binary of the crate.
const BINARIES: &[&str] = &[
    "tcp-server",
    "tcp-client",
    "nagle",
    "udp-server",
    "udp-client",
    "http-server",
    "http-client",
    "http-proxy",
    "ws-server",
    "ws-client",
];

/// The servers, which all take `--exit-after N` (N >= 1).
const SERVERS: &[&str] = &[
    "tcp-server",
    "udp-server",
    "http-server",
    "http-proxy",
    "ws-server",
];

#[test]
fn help_prints_usage_every_flag_and_an_example_and_exits_0() {
    for name in BINARIES {
        let help = run(name, &["--help"]);
        assert_eq!(help.status.code(), Some(0), "{name}");
        assert!(help.err.is_empty(), "{name}: {:?}", help.err);
        let text = help.out.join("\n");
        for needle in [
            format!("usage: {name} "),
            "--host HOST".to_string(),
            "--port PORT".to_string(),
            "--quiet".to_string(),
            "(default ".to_string(),
            "example:".to_string(),
        ] {
            assert!(
                text.contains(&needle),
                "{name} --help lacks {needle:?}:\n{text}"
            );
        }
    }
}

fn assert_usage_error(name: &str, args: &[&str], message: &str) {
    let result = run(name, args);
    assert_eq!(result.status.code(), Some(2), "{name} {args:?}: {result:?}");
    assert!(
        result.out.is_empty(),
        "{name} {args:?}: stdout {:?}",
        result.out
    );
    assert_eq!(result.err.len(), 2, "{name} {args:?}: {:?}", result.err);
    assert_eq!(
        result.err[0],
        format!("error: {message}"),
        "{name} {args:?}"
    );
    assert!(result.err[1].starts_with(&format!("usage: {name} ")));
}

#[test]
fn bad_flags_and_values_exit_2_with_error_and_usage() {
    for name in BINARIES {
        assert_usage_error(name, &["--bogus"], "unknown flag '--bogus'");
        assert_usage_error(name, &["extra"], "unexpected argument 'extra'");
        assert_usage_error(
            name,
            &["--port", "65536"],
            "--port must be a number from 0 to 65535, got '65536'",
        );
        assert_usage_error(
            name,
            &["--port", "http"],
            "--port must be a number from 0 to 65535, got 'http'",
        );
        assert_usage_error(name, &["--port"], "--port needs a value (PORT)");
        assert_usage_error(name, &["--host="], "--host must not be empty");
        assert_usage_error(name, &["--quiet=1"], "--quiet takes no value");
    }
    for name in SERVERS {
        assert_usage_error(
            name,
            &["--exit-after", "0"],
            "--exit-after must be a whole number from 1 up, got '0'",
        );
    }
}

#[test]
fn an_empty_message_is_refused() {
    assert_usage_error(
        "tcp-client",
        &["--message", ""],
        "--message must not be empty",
    );
}

#[test]
fn a_time_of_zero_is_refused_on_every_flag_that_takes_one() {
    for (name, flag) in [
        ("tcp-server", "--timeout"),
        ("nagle", "--timeout"),
        ("udp-server", "--idle"),
        ("udp-client", "--wait"),
        ("http-server", "--headers-timeout"),
        ("http-server", "--request-timeout"),
        ("http-server", "--keep-alive-timeout"),
        ("http-client", "--timeout"),
        ("http-proxy", "--upstream-timeout"),
        ("http-proxy", "--tunnel-timeout"),
        ("http-proxy", "--free-socket-timeout"),
        ("ws-server", "--headers-timeout"),
        ("ws-server", "--send-timeout"),
    ] {
        assert_usage_error(
            name,
            &[flag, "0"],
            &format!("{flag} must be a time in milliseconds from 1 up, got '0'"),
        );
    }
}
