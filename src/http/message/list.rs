//! Field values: the optional whitespace around them and the comma-separated lists many of
//! them are (RFC 9110 §5.6.1, §5.6.3). One reading for every field and every reader: the
//! head parser, `Connection`, `Transfer-Encoding`, `Via`, the WebSocket handshake's
//! `Upgrade` and `Sec-WebSocket-Protocol`.
//!
//! ```text
//!   Connection: keep-alive ,\tUpgrade,,      list_elements → "keep-alive", "Upgrade"
//!               └ OWS ┘      └OWS┘  └ empty elements are allowed, and skipped
//! ```

/// Where `bytes` begins and ends without the optional whitespace around it. OWS is spaces
/// and horizontal tabs, nothing else (RFC 9110 §5.6.3: a CR, say, is never trimmed).
pub(super) fn ows_bounds(bytes: &[u8]) -> (usize, usize) {
    let is_ows = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    (start, end)
}

/// A field value or a list element without the optional whitespace around it: spaces and
/// tabs (RFC 9110 §5.6.3).
///
/// ```
/// use netnotes::http::message::trim_ows;
/// assert_eq!(trim_ows(" \tchunked\t "), "chunked");
/// assert_eq!(trim_ows("a\r"), "a\r"); // CR is not whitespace here
/// ```
pub fn trim_ows(value: &str) -> &str {
    // OWS is ASCII, so its bounds always fall between characters.
    let (start, end) = ows_bounds(value.as_bytes());
    &value[start..end]
}

/// The elements of a comma-separated field value (RFC 9110 §5.6.1, `#element`), each without
/// the whitespace around it; empty elements, which a list may hold, are skipped. A field
/// sent on several lines is one list: take the elements of each line in turn.
///
/// ```
/// use netnotes::http::message::list_elements;
/// let elements: Vec<&str> = list_elements(" gzip ,,\tchunked").collect();
/// assert_eq!(elements, ["gzip", "chunked"]);
/// ```
pub fn list_elements(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(trim_ows)
        .filter(|element| !element.is_empty())
}

/// Whether a comma-separated field value holds `token`, compared without regard to ASCII
/// case (RFC 9110 §5.6.1 lists; `Connection` options, §7.6.1, and transfer codings, §10.1.4,
/// are case-insensitive): `Connection: keep-alive, Upgrade`, `Upgrade: websocket`,
/// `Transfer-Encoding: gzip, chunked`. A whole element must match, never a part of one.
///
/// ```
/// use netnotes::http::message::has_token;
/// assert!(has_token("keep-alive, Upgrade", "upgrade"));
/// assert!(!has_token("keep-alive, Upgrade2", "upgrade"));
/// assert!(!has_token("xchunked", "chunked"));
/// ```
pub fn has_token(value: &str, token: &str) -> bool {
    !token.is_empty() && list_elements(value).any(|element| element.eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_a_list() {
        assert!(has_token("Upgrade", "upgrade"));
        assert!(has_token("keep-alive, Upgrade", "Upgrade"));
        assert!(has_token("keep-alive,Upgrade", "upgrade"));
        assert!(has_token(" \tUPGRADE\t ", "upgrade"));
        assert!(has_token("websocket", "WebSocket"));
        assert!(has_token(",, websocket ,", "websocket")); // empty elements are allowed
        assert!(has_token("gzip, chunked", "chunked"));
        assert!(!has_token("keep-alive", "upgrade"));
        assert!(!has_token("upgrade-insecure", "upgrade"));
        assert!(!has_token("up grade", "upgrade"));
        assert!(!has_token("xchunked", "chunked"));
        assert!(!has_token("chunked2", "chunked"));
        assert!(!has_token("", "upgrade"));
        assert!(!has_token("a, , b", ""));
    }

    #[test]
    fn only_spaces_and_tabs_are_trimmed() {
        assert_eq!(trim_ows(""), "");
        assert_eq!(trim_ows(" \t "), "");
        assert_eq!(trim_ows("\t a b \t"), "a b");
        assert_eq!(trim_ows("é "), "é");
        assert_eq!(ows_bounds(b"\x0b a\r"), (0, 4));
        assert_eq!(ows_bounds(b" \xff\t"), (1, 2));
    }
}
