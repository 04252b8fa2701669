//! The command line every binary shares, as docs/src/command-line.md describes it.
//!
//! A binary declares its flags once, as data; from that one list come the parser, the
//! `--help` text and the usage line, so the three can never disagree:
//!
//! ```
//! use netnotes::cli::{Command, Kind};
//! use std::time::Duration;
//! let cmd = Command::new("demo", "a demo")
//!     .server("8124")
//!     .flag("timeout", Kind::Millis, None, "MS", "idle time before `timeout`");
//! let args = cmd.parse(["--port=0", "--timeout", "500"]).unwrap().unwrap();
//! assert_eq!(args.port(), 0);
//! assert_eq!(args.millis("timeout"), Some(Duration::from_millis(500)));
//! assert_eq!(args.host(), "127.0.0.1");
//! ```
//!
//! A flag may also have a one-letter alias (`-H`, as curl's), and a [`Kind::List`] flag may be
//! given many times, each value kept in order:
//!
//! ```
//! use netnotes::cli::{Command, Kind};
//! let cmd = Command::new("demo", "a demo")
//!     .flag("header", Kind::List, None, "'NAME: VALUE'", "a field to send")
//!     .alias('H');
//! let args = cmd.parse(["-H", "A: 1", "--header=B: 2", "-HC: 3"]).unwrap().unwrap();
//! assert_eq!(args.all("header"), ["A: 1", "B: 2", "C: 3"]);
//! ```
//!
//! The rules it enforces: `--flag value` or `--flag=value`; `--help` prints the help on stdout
//! and exits 0; anything wrong (unknown flag, missing value, a port outside 0-65535, a count of
//! 0, an empty text) prints `error: ...` and the usage line on stderr and exits 2. A runtime
//! failure is different: [`fatal`] prints Node's one line, `Error: ...`, and exits 1.

use std::fmt;
use std::process;
use std::time::Duration;

/// What kind of value a flag takes, and so how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No value: present or not (`--quiet`).
    Switch,
    /// Any non-empty text (`--message hello`).
    Text,
    /// A host name or address; an IPv6 literal may be bracketed (`--host [::1]`).
    Host,
    /// A port, 0 to 65535; 0 asks the kernel for a free one.
    Port,
    /// A whole number from 1 up (`--exit-after 3`, `--max-sockets 5`).
    Count,
    /// A whole number from 0 up (`--gap-us 0`).
    Number,
    /// A time limit in milliseconds, from 1 up (`--timeout 500`); read with [`Args::millis`].
    /// 0 is refused: a limit already reached is never what a user means, and "no limit" is
    /// not spelled 0 (see [`crate::timeout`]).
    Millis,
    /// A period in milliseconds, where 0 turns the periodic thing off (`--ping-interval 0`),
    /// as `0` disables `ws`'s and nginx's keep-alive timers; read with [`Args::interval`].
    /// Unlike a time limit, "never" is a sensible choice for a period, so it has a spelling.
    Interval,
    /// Non-empty text that may be given many times; every value is kept, in order
    /// (`-H 'A: 1' -H 'B: 2'`). Read them with [`Args::all`].
    List,
}

/// One flag: its name without the dashes, its kind, its default, the name of its value in the
/// help (`MS`, `HOST`) and one line of help.
#[derive(Debug, Clone)]
pub struct Flag {
    name: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    metavar: &'static str,
    help: &'static str,
    /// A one-letter alias (`-H`), if any.
    short: Option<char>,
}

/// A binary's command line: its name, what it does, its flags and one example.
#[derive(Debug, Clone)]
pub struct Command {
    name: &'static str,
    about: &'static str,
    example: Option<&'static str>,
    flags: Vec<Flag>,
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Switch,
    Text(String),
    Number(u64),
}

/// The flags a command line gave, checked, with defaults filled in.
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: Vec<(&'static str, Value)>,
}

/// A command line that breaks the rules (an unknown flag, a bad value); its `Display` is the
/// text after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

impl Command {
    /// A command with no flags yet (`--help` is always there).
    pub fn new(name: &'static str, about: &'static str) -> Command {
        Command {
            name,
            about,
            example: None,
            flags: Vec::new(),
        }
    }

    /// Adds a flag. `default` is shown in the help and used when the flag is absent; it must
    /// itself be a valid value (checked by [`Command::parse`]).
    pub fn flag(
        mut self,
        name: &'static str,
        kind: Kind,
        default: Option<&'static str>,
        metavar: &'static str,
        help: &'static str,
    ) -> Command {
        self.flags.push(Flag {
            name,
            kind,
            default,
            metavar,
            help,
            short: None,
        });
        self
    }

    /// Gives the flag added last a one-letter alias: `-H value` (or `-Hvalue`) then means
    /// `--header value`.
    pub fn alias(mut self, short: char) -> Command {
        if let Some(flag) = self.flags.last_mut() {
            flag.short = Some(short);
        }
        self
    }

    /// Adds a switch (a flag without a value).
    pub fn switch(self, name: &'static str, help: &'static str) -> Command {
        self.flag(name, Kind::Switch, None, "", help)
    }

    /// The flags every server has: `--host` (default `127.0.0.1`: unlike Node, which binds every
    /// interface, a teaching server is not put on the network unasked), `--port`, `--quiet`,
    /// and the wire view's.
    pub fn server(self, port: &'static str) -> Command {
        self.flag(
            "host",
            Kind::Host,
            Some("127.0.0.1"),
            "HOST",
            "address to listen on",
        )
        .flag(
            "port",
            Kind::Port,
            Some(port),
            "PORT",
            "port to listen on (0: any free port)",
        )
        .switch("quiet", "no event trace on stderr")
        .wire()
    }

    /// `--max-connections N`, which every TCP-based server takes: past N open connections a
    /// new one is closed at once (`drop`). The default is `tcp::server::DEFAULT_MAX_CONNECTIONS`.
    pub fn max_connections(self) -> Command {
        self.flag(
            "max-connections",
            Kind::Count,
            Some("15000"),
            "N",
            "close (drop) connections past this many open ones",
        )
    }

    /// The wire view's flags: `--wire` (every chunk of bytes on stderr, and what it means)
    /// and `--wire-bytes N` (how much of each chunk to show).
    pub fn wire(self) -> Command {
        self.switch(
            "wire",
            "show every chunk of bytes read or written, and what it means, on stderr",
        )
        .flag(
            "wire-bytes",
            Kind::Count,
            Some("256"),
            "N",
            "with --wire: how many bytes of each chunk to show",
        )
    }

    /// The flags every client has: `--host` (default `localhost`, as Node's), `--port`, `--quiet`,
    /// and the wire view's.
    pub fn client(self, port: &'static str) -> Command {
        self.flag(
            "host",
            Kind::Host,
            Some("localhost"),
            "HOST",
            "host to connect to",
        )
        .flag("port", Kind::Port, Some(port), "PORT", "port to connect to")
        .switch("quiet", "no event trace on stderr")
        .wire()
    }

    /// Sets the example shown at the end of `--help`.
    pub fn example(mut self, example: &'static str) -> Command {
        self.example = Some(example);
        self
    }

    /// The one-line usage: `usage: tcp-server [--host HOST] [--port PORT] ...`.
    pub fn usage(&self) -> String {
        let mut usage = format!("usage: {}", self.name);
        for flag in &self.flags {
            let short = flag.short.map(|c| format!("-{c}|")).unwrap_or_default();
            if flag.kind == Kind::Switch {
                usage.push_str(&format!(" [{short}--{}]", flag.name));
            } else {
                usage.push_str(&format!(" [{short}--{} {}]", flag.name, flag.metavar));
            }
            if flag.kind == Kind::List {
                usage.push_str("...");
            }
        }
        usage.push_str(" [--help]");
        usage
    }

    /// The full `--help` text: what the binary does, the usage, every flag with its default,
    /// and the example.
    pub fn help(&self) -> String {
        let mut help = format!(
            "{} - {}\n\n{}\n\noptions:\n",
            self.name,
            self.about,
            self.usage()
        );
        let left = |flag: &Flag| {
            let short = flag.short.map(|c| format!("-{c}, ")).unwrap_or_default();
            if flag.kind == Kind::Switch {
                format!("{short}--{}", flag.name)
            } else {
                format!("{short}--{} {}", flag.name, flag.metavar)
            }
        };
        let width = self
            .flags
            .iter()
            .map(|f| left(f).len())
            .max()
            .unwrap_or(0)
            .max(6);
        for flag in &self.flags {
            help.push_str(&format!("  {:<width$}  {}", left(flag), flag.help));
            if let Some(default) = flag.default {
                help.push_str(&format!(" (default {default})"));
            }
            if flag.kind == Kind::List {
                help.push_str(" (may be repeated)");
            }
            help.push('\n');
        }
        help.push_str(&format!(
            "  {:<width$}  print this help and exit\n",
            "--help"
        ));
        if let Some(example) = self.example {
            help.push_str(&format!("\nexample:\n  {example}\n"));
        }
        help
    }

    /// Parses the arguments after the program name. `Ok(None)` means `--help` was asked for.
    pub fn parse<I, S>(&self, args: I) -> Result<Option<Args>, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut parsed = Args::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let (flag, inline) = match self.find_flag(&arg)? {
                Some(found) => found,
                None => return Ok(None), // --help
            };
            let name = flag.name;
            let value = if flag.kind == Kind::Switch {
                if inline.is_some() {
                    return Err(CliError(format!("--{name} takes no value")));
                }
                Value::Switch
            } else {
                // The next argument is the value, whatever it looks like, as in curl.
                let Some(text) = inline.or_else(|| args.next()) else {
                    return Err(CliError(format!(
                        "--{name} needs a value ({})",
                        flag.metavar
                    )));
                };
                check(flag, &text)?
            };
            if flag.kind != Kind::List {
                parsed.values.retain(|(n, _)| *n != flag.name);
            }
            parsed.values.push((flag.name, value));
        }
        for flag in &self.flags {
            if let Some(default) = flag.default {
                if parsed.get(flag.name).is_none() {
                    parsed.values.push((flag.name, check(flag, default)?));
                }
            }
        }
        Ok(Some(parsed))
    }

    /// The flag an argument names, and its value if it came inline (`--port=1`, `-Hvalue`).
    /// `Ok(None)` is `--help`.
    fn find_flag(&self, arg: &str) -> Result<Option<(&Flag, Option<String>)>, CliError> {
        let unexpected = || CliError(format!("unexpected argument '{arg}'"));
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (body, None),
            };
            if name == "help" {
                return Ok(None);
            }
            return match self.flags.iter().find(|f| f.name == name) {
                Some(flag) => Ok(Some((flag, inline))),
                None => Err(CliError(format!("unknown flag '--{name}'"))),
            };
        }
        // A one-letter alias: `-H value`, or `-Hvalue`.
        let mut chars = arg.strip_prefix('-').ok_or_else(unexpected)?.chars();
        let letter = chars.next().ok_or_else(unexpected)?;
        let flag = self
            .flags
            .iter()
            .find(|f| f.short == Some(letter))
            .ok_or_else(unexpected)?;
        let rest = chars.as_str();
        match (rest.is_empty(), flag.kind) {
            (true, _) => Ok(Some((flag, None))),
            (false, Kind::Switch) => Err(unexpected()),
            (false, _) => Ok(Some((flag, Some(rest.to_string())))),
        }
    }

    /// Parses this process's arguments (docs/src/command-line.md): `--help` prints the help and
    /// exits 0; an error prints `error: ...` and the usage line on stderr and exits 2.
    pub fn parse_env(&self) -> Args {
        match self.parse(std::env::args().skip(1)) {
            Ok(Some(args)) => args,
            Ok(None) => {
                print!("{}", self.help());
                process::exit(0);
            }
            Err(err) => self.usage_error(err),
        }
    }

    /// Ends the program after a bad flag or value: `error: ...` (control characters escaped,
    /// as in a trace line: the value may be anything the user typed) and the usage line on
    /// stderr, nothing on stdout, exit code 2.
    pub fn usage_error(&self, err: impl fmt::Display) -> ! {
        let message = err.to_string();
        eprintln!(
            "error: {}\n{}",
            crate::trace::escape_controls(&message),
            self.usage()
        );
        process::exit(2);
    }
}

/// Checks one value against its flag's kind.
fn check(flag: &Flag, text: &str) -> Result<Value, CliError> {
    let name = flag.name;
    let number = |min: u64, max: u64| match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Value::Number(n)),
        _ if max == u64::MAX => Err(CliError(format!(
            "--{name} must be a whole number from {min} up, got '{text}'"
        ))),
        _ => Err(CliError(format!(
            "--{name} must be a number from {min} to {max}, got '{text}'"
        ))),
    };
    match flag.kind {
        Kind::Switch => Ok(Value::Switch),
        Kind::Text | Kind::Host | Kind::List => {
            let bare = crate::addr::unbracket(text);
            if bare.is_empty() {
                Err(CliError(format!("--{name} must not be empty")))
            } else if flag.kind == Kind::Host {
                Ok(Value::Text(bare.to_string()))
            } else {
                Ok(Value::Text(text.to_string()))
            }
        }
        Kind::Port => number(0, u64::from(u16::MAX)),
        Kind::Count => number(1, u64::MAX),
        Kind::Number | Kind::Interval => number(0, u64::MAX),
        Kind::Millis => match text.parse::<u64>() {
            Ok(ms) if ms >= 1 => Ok(Value::Number(ms)),
            _ => Err(CliError(format!(
                "--{name} must be a time in milliseconds from 1 up, got '{text}'"
            ))),
        },
    }
}

impl Args {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Whether a switch was given.
    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A text or host flag's value, if given or defaulted.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// Every value of a [`Kind::List`] flag, in the order given (empty if none).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| match v {
                Value::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// A number flag's value, if given or defaulted.
    pub fn number(&self, name: &str) -> Option<u64> {
        match self.get(name) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// A [`Kind::Millis`] flag's value, if given or defaulted.
    pub fn millis(&self, name: &str) -> Option<Duration> {
        self.number(name).map(Duration::from_millis)
    }

    /// A [`Kind::Interval`] flag's value: `None` when it is 0 (off) or not given.
    pub fn interval(&self, name: &str) -> Option<Duration> {
        self.number(name)
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis)
    }

    /// `--host`, brackets removed. Every binary declares it with a default.
    pub fn host(&self) -> &str {
        self.text("host")
            .expect("every binary declares --host with a default")
    }

    /// `--port`. Every binary declares it with a default; [`Kind::Port`] checked the range.
    pub fn port(&self) -> u16 {
        let port = self
            .number("port")
            .expect("every binary declares --port with a default");
        u16::try_from(port).expect("Kind::Port values are at most 65535")
    }

    /// Turns the wire view on for this process if `--wire` was given, explaining the bytes as
    /// `protocol`.
    pub fn enable_wire(&self, protocol: crate::wire::Protocol) {
        if self.switch("wire") {
            let bytes = self
                .number("wire-bytes")
                .map_or(crate::wire::DEFAULT_WIRE_BYTES, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                });
            crate::wire::enable(crate::wire::Config::for_stderr(bytes, protocol));
        }
    }

    /// `--max-connections` (see [`Command::max_connections`]).
    pub fn max_connections(&self) -> usize {
        self.number("max-connections")
            .map_or(crate::tcp::server::DEFAULT_MAX_CONNECTIONS, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            })
    }

    /// Whether the event trace is on (no `--quiet`).
    pub fn trace(&self) -> bool {
        !self.switch("quiet")
    }
}

/// Ends the program after a runtime failure, as Node does after an unhandled `error`: one line,
/// `Error: {message}`, on stderr, and exit code 1. No backtrace.
pub fn fatal(err: impl fmt::Display) -> ! {
    // The message may quote the peer (a close reason): escaped, as trace lines are.
    let message = err.to_string();
    eprintln!("Error: {}", crate::trace::escape_controls(&message));
    process::exit(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Command {
        Command::new("demo", "a demo")
            .server("8124")
            .flag("exit-after", Kind::Count, None, "N", "stop after N")
            .flag("message", Kind::Text, Some("hello"), "TEXT", "what to send")
            .flag("gap", Kind::Number, Some("100"), "US", "pause")
            .example("demo --port 0")
    }

    fn err(args: &[&str]) -> String {
        demo().parse(args.iter().copied()).unwrap_err().to_string()
    }

    #[test]
    fn defaults_fill_in_what_was_not_given() {
        let args = demo().parse(Vec::<String>::new()).unwrap().unwrap();
        assert_eq!(args.host(), "127.0.0.1");
        assert_eq!(args.port(), 8124);
        assert_eq!(args.text("message"), Some("hello"));
        assert_eq!(args.number("exit-after"), None);
        assert!(args.trace());
    }

    #[test]
    fn an_interval_of_zero_is_off_and_a_time_limit_of_zero_is_refused() {
        let command = demo()
            .flag("every", Kind::Interval, Some("30000"), "MS", "period")
            .flag("limit", Kind::Millis, None, "MS", "limit");
        let parse = |args: &[&str]| command.parse(args.iter().copied()).unwrap().unwrap();
        assert_eq!(parse(&[]).interval("every"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse(&["--every", "5"]).interval("every"),
            Some(Duration::from_millis(5))
        );
        assert_eq!(parse(&["--every", "0"]).interval("every"), None);
        let refused = command.parse(["--limit", "0"]).unwrap_err().to_string();
        assert_eq!(
            refused,
            "--limit must be a time in milliseconds from 1 up, got '0'"
        );
        let refused = command.parse(["--every", "-1"]).unwrap_err().to_string();
        assert!(refused.starts_with("--every must be"), "{refused}");
    }

    #[test]
    fn both_value_forms_and_the_last_one_wins() {
        let args = demo()
            .parse([
                "--port",
                "1",
                "--port=2",
                "--quiet",
                "--host=[::1]",
                "--gap",
                "0",
            ])
            .unwrap()
            .unwrap();
        assert_eq!(args.port(), 2);
        assert_eq!(args.host(), "::1");
        assert_eq!(args.number("gap"), Some(0));
        assert!(!args.trace());
    }

    #[test]
    fn a_value_may_start_with_dashes() {
        let args = demo().parse(["--message", "--x"]).unwrap().unwrap();
        assert_eq!(args.text("message"), Some("--x"));
    }

    #[test]
    fn help_is_asked_for_anywhere() {
        assert!(demo().parse(["--port", "1", "--help"]).unwrap().is_none());
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        assert_eq!(err(&["--nope"]), "unknown flag '--nope'");
        assert_eq!(err(&["-p"]), "unexpected argument '-p'");
        assert_eq!(err(&["8124"]), "unexpected argument '8124'");
        assert_eq!(err(&["--port"]), "--port needs a value (PORT)");
        assert_eq!(
            err(&["--port", "65536"]),
            "--port must be a number from 0 to 65535, got '65536'"
        );
        assert_eq!(
            err(&["--port=-1"]),
            "--port must be a number from 0 to 65535, got '-1'"
        );
        assert_eq!(
            err(&["--exit-after", "0"]),
            "--exit-after must be a whole number from 1 up, got '0'"
        );
        assert_eq!(
            err(&["--exit-after", "1e3"]),
            "--exit-after must be a whole number from 1 up, got '1e3'"
        );
        assert_eq!(err(&["--message="]), "--message must not be empty");
        assert_eq!(err(&["--host", "[]"]), "--host must not be empty");
        assert_eq!(err(&["--quiet=yes"]), "--quiet takes no value");
    }

    fn with_list() -> Command {
        demo()
            .flag("header", Kind::List, None, "'NAME: VALUE'", "a field")
            .alias('H')
    }

    #[test]
    fn a_list_flag_keeps_every_value_in_order_under_either_name() {
        let args = with_list()
            .parse([
                "-H",
                "A: 1",
                "--port",
                "1",
                "--header=B: 2",
                "-HC: 3",
                "-H",
                "-x",
            ])
            .unwrap()
            .unwrap();
        assert_eq!(args.all("header"), ["A: 1", "B: 2", "C: 3", "-x"]);
        assert_eq!(args.port(), 1);
        let none = with_list().parse(Vec::<String>::new()).unwrap().unwrap();
        assert!(none.all("header").is_empty());
        assert!(none.text("header").is_none());
    }

    #[test]
    fn short_aliases_are_checked_like_long_flags() {
        let err = |args: &[&str]| {
            with_list()
                .parse(args.iter().copied())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(err(&["-H"]), "--header needs a value ('NAME: VALUE')");
        assert_eq!(err(&["-H", ""]), "--header must not be empty");
        assert_eq!(err(&["-X", "1"]), "unexpected argument '-X'");
        assert_eq!(err(&["-"]), "unexpected argument '-'");
        let help = with_list().help();
        assert!(help.contains("-H, --header 'NAME: VALUE'"), "{help}");
        assert!(help.contains("(may be repeated)"), "{help}");
        assert!(with_list()
            .usage()
            .contains(" [-H|--header 'NAME: VALUE']..."));
    }

    #[test]
    fn the_max_connections_default_is_the_server_s() {
        let args = Command::new("x", "y")
            .max_connections()
            .parse(Vec::<String>::new())
            .unwrap()
            .unwrap();
        assert_eq!(args.number("max-connections"), Some(15_000));
        assert_eq!(
            args.max_connections(),
            crate::tcp::server::DEFAULT_MAX_CONNECTIONS
        );
    }

    #[test]
    fn help_lists_every_flag_with_its_default_and_the_example() {
        let help = demo().help();
        for needle in [
            "--host HOST",
            "(default 127.0.0.1)",
            "--port PORT",
            "(default 8124)",
            "--quiet",
            "--exit-after N",
            "--message TEXT",
            "--help",
            "example:\n  demo --port 0",
        ] {
            assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
        }
        assert!(demo()
            .usage()
            .starts_with("usage: demo [--host HOST] [--port PORT] [--quiet]"));
    }
}
