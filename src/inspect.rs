//! Node-style formatting: what `console.log` prints for a `Buffer` and for a small object.
//!
//! The notes' programs print with `console.log(data)` and `console.log(rinfo)`. So that our
//! binaries' stdout can be diffed with Node's line for line, this module reproduces the two
//! shapes Node's `util.inspect` gives them:
//!
//! ```text
//! <Buffer 68 65 6c 6c 6f>                                   a Buffer: lowercase hex, one space apart
//! <Buffer 61 61 ... 61 ... 2 more bytes>                    past 50 bytes (buffer.INSPECT_MAX_BYTES)
//! { address: '127.0.0.1', family: 'IPv4', port: 8124 }      an object that fits on one line
//! ```
//!
//! An object that does not fit is broken over lines, one property each, exactly where Node
//! breaks it (see [`object`]).

use std::fmt::Write as _;
use std::net::SocketAddr;

/// How many bytes `console.log(buffer)` shows before it cuts off: Node's
/// `buffer.INSPECT_MAX_BYTES`, 50 by default.
pub const INSPECT_MAX_BYTES: usize = 50;

/// Node's `util.inspect` `breakLength` default: an object whose one-line form would be longer
/// is printed one property per line.
pub const BREAK_LENGTH: usize = 80;

/// Formats bytes as Node's `console.log(buffer)` does.
///
/// ```
/// use netnotes::inspect::buffer;
/// assert_eq!(buffer(b"hello"), "<Buffer 68 65 6c 6c 6f>");
/// assert_eq!(buffer(b""), "<Buffer >");
/// assert!(buffer(&[0; 51]).ends_with(" 00 ... 1 more byte>"));
/// ```
pub fn buffer(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(INSPECT_MAX_BYTES)];
    let mut out = String::with_capacity(9 + shown.len() * 3 + 24);
    out.push_str("<Buffer ");
    for (i, byte) in shown.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    let rest = bytes.len() - shown.len();
    if rest > 0 {
        let _ = write!(
            out,
            " ... {rest} more byte{}",
            if rest == 1 { "" } else { "s" }
        );
    }
    out.push('>');
    out
}

/// A property value in an [`object`]: the two kinds the notes' objects hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string, printed in single quotes as Node prints it (`'IPv4'`).
    Str(String),
    /// A number, printed bare (`8124`).
    Num(u64),
}

impl Value {
    fn render(&self) -> String {
        match self {
            Value::Str(s) => quote(s),
            Value::Num(n) => n.to_string(),
        }
    }
}

/// Quotes a string as `util.inspect` does: single quotes, unless the text holds one, then
/// double quotes, then backticks; and only if it holds all three, single quotes with `\'`.
fn quote(s: &str) -> String {
    let quote = ['\'', '"', '`']
        .into_iter()
        .find(|q| !s.contains(*q))
        .unwrap_or('\'');
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Formats a flat object as `console.log` does, keys in the order given.
///
/// Node's rule (`reduceToSingleString` in `lib/internal/util/inspect.js`): the object stays on
/// one line when the lengths of its `key: value` entries, plus two per entry, plus 11 for the
/// braces and spaces, come to at most [`BREAK_LENGTH`]; otherwise each entry gets its own line,
/// indented by two spaces.
///
/// ```
/// use netnotes::inspect::{object, Value};
/// let addr = object(&[("address", Value::Str("127.0.0.1".into())), ("port", Value::Num(8124))]);
/// assert_eq!(addr, "{ address: '127.0.0.1', port: 8124 }");
/// ```
pub fn object(entries: &[(&str, Value)]) -> String {
    let rendered: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{key}: {}", value.render()))
        .collect();
    let length: usize = rendered.iter().map(String::len).sum::<usize>() + 2 * rendered.len() + 11;
    if rendered.is_empty() {
        "{}".to_string()
    } else if length <= BREAK_LENGTH {
        format!("{{ {} }}", rendered.join(", "))
    } else {
        format!("{{\n  {}\n}}", rendered.join(",\n  "))
    }
}

/// The family name Node gives an address: `'IPv4'` or `'IPv6'`.
pub fn family(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// What `console.log(server.address())` prints: `{ address: '127.0.0.1', family: 'IPv4', port: 8124 }`.
pub fn address(addr: &SocketAddr) -> String {
    object(&address_entries(addr))
}

/// What `console.log(rinfo)` prints for a datagram of `size` bytes from `addr`:
/// `{ address: '127.0.0.1', family: 'IPv4', port: 37370, size: 5 }`.
pub fn rinfo(addr: &SocketAddr, size: usize) -> String {
    let mut entries = address_entries(addr);
    entries.push(("size", Value::Num(size as u64)));
    object(&entries)
}

fn address_entries(addr: &SocketAddr) -> Vec<(&'static str, Value)> {
    vec![
        ("address", Value::Str(addr.ip().to_string())),
        ("family", Value::Str(family(addr).to_string())),
        ("port", Value::Num(u64::from(addr.port()))),
    ]
}

/// A string as `JSON.stringify` writes it: in double quotes, with `"`, `\\` and control
/// characters escaped (`\n`, `\u0001`), everything else as it is.
///
/// ```
/// assert_eq!(netnotes::inspect::json_string("a\"b\n\u{1}é"), r#""a\"b\n\u0001é""#);
/// ```
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected string below was printed by Node 20's console.log for the same input.

    #[test]
    fn buffer_shows_every_byte_up_to_fifty() {
        assert_eq!(buffer(&[0x00, 0x0f, 0xff]), "<Buffer 00 0f ff>");
        let fifty = buffer(&[0x61; 50]);
        assert_eq!(fifty, format!("<Buffer {}>", vec!["61"; 50].join(" ")));
    }

    #[test]
    fn buffer_cuts_off_after_fifty_with_singular_and_plural() {
        let zeros = vec!["00"; 50].join(" ");
        assert_eq!(
            buffer(&[0; 51]),
            format!("<Buffer {zeros} ... 1 more byte>")
        );
        let a = vec!["61"; 50].join(" ");
        assert_eq!(
            buffer(&[0x61; 52]),
            format!("<Buffer {a} ... 2 more bytes>")
        );
    }

    #[test]
    fn empty_buffer_keeps_its_space() {
        assert_eq!(buffer(&[]), "<Buffer >");
    }

    #[test]
    fn address_objects_as_node_prints_them() {
        let v4: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        assert_eq!(
            address(&v4),
            "{ address: '127.0.0.1', family: 'IPv4', port: 41234 }"
        );
        assert_eq!(
            rinfo(&v4, 5),
            "{ address: '127.0.0.1', family: 'IPv4', port: 41234, size: 5 }"
        );
        let v6: SocketAddr = "[::1]:41234".parse().unwrap();
        assert_eq!(
            rinfo(&v6, 5),
            "{ address: '::1', family: 'IPv6', port: 41234, size: 5 }"
        );
    }

    #[test]
    fn long_objects_break_exactly_where_node_breaks_them() {
        // 4 entries: one line up to an address of 14 characters (with port 41234, size 65507).
        let entries = |n: usize| {
            vec![
                ("address", Value::Str("a".repeat(n))),
                ("family", Value::Str("IPv6".into())),
                ("port", Value::Num(41234)),
                ("size", Value::Num(65507)),
            ]
        };
        assert!(!object(&entries(14)).contains('\n'));
        assert!(object(&entries(15)).contains('\n'));
        // 3 entries: one line up to 27 characters.
        assert!(!object(&entries(27)[..3]).contains('\n'));
        assert!(object(&entries(28)[..3]).contains('\n'));

        let mapped: SocketAddr = "[::ffff:127.0.0.1]:41234".parse().unwrap();
        assert_eq!(
            rinfo(&mapped, 65507),
            "{\n  address: '::ffff:127.0.0.1',\n  family: 'IPv6',\n  port: 41234,\n  size: 65507\n}"
        );
    }

    #[test]
    fn json_strings_escape_what_json_stringify_escapes() {
        // JSON.stringify("q\"b\\s\b\f\n\r\t\x1f\x7fé")
        assert_eq!(
            json_string("q\"b\\s\u{8}\u{c}\n\r\t\u{1f}\u{7f}é"),
            "\"q\\\"b\\\\s\\b\\f\\n\\r\\t\\u001f\u{7f}é\""
        );
    }

    #[test]
    fn strings_pick_the_first_quote_they_do_not_contain() {
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("'\"`"), "'\\'\"`'");
    }
}
