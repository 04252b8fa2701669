//! HTTP报文, the field lines (RFC 9112 §5): a head's fields, parsed into one text.
//!
//! ```text
//!   text:   GET /a HTTP/1.1\r\nHost: x\r\nAccept:  */* \r\n\r\n   the head, as a String
//!   places:     └┘             └──┘  ^    └────┘   └─┘            target; each name and value
//! ```
//!
//! A head is one string and each field is a pair of places in it: where a string for every
//! name and every value would make two allocations per field, this makes none beyond the
//! text — whose buffer, in the server, is the one the head was read into — for a head of up
//! to [`INLINE`] fields. (A request's target is a place in the same text: see
//! [`RequestHead`](super::RequestHead).) Names are as sent; values are without the whitespace
//! around them; bytes above 0x7F are read as Latin-1, as Node shows them.

use super::list::{has_token, ows_bounds};
use super::ParseError;
use std::fmt;
use std::slice;

/// A place in a head's text: the byte range `start..end`. Two `u32`s, since a head is
/// bounded to kilobytes ([`MAX_HEADER_BYTES`](super::MAX_HEADER_BYTES) by default).
pub(super) type Span = (u32, u32);

/// The fields of a head, in arrival order, and the text they are places in.
///
/// ```
/// use netnotes::http::message::Fields;
/// let fields = Fields::from_pairs([("Host", "x"), ("Accept", "*/*"), ("host", "y")]);
/// assert_eq!(fields.value("HOST"), Some("x"));
/// assert_eq!(fields.values("host").collect::<Vec<_>>(), ["x", "y"]);
/// assert_eq!(fields.iter().nth(1), Some(("Accept", "*/*")));
/// assert_eq!(fields.len(), 3);
/// ```
#[derive(Clone)]
pub struct Fields {
    /// The text the spans point into: the head as read (as Latin-1), or, for fields made
    /// with [`Fields::from_pairs`], the names and values one after another.
    text: String,
    /// Each field's name and value in `text`.
    spans: Spans,
}

/// How many fields' places [`Fields`] keeps in itself; a head with more keeps them all in a
/// `Vec`. Clients that are not browsers send no more (curl sends 3, Node's `http.get` and
/// Python's `http.client` 2); browsers send 10 to 20, and pay for one allocation. (Kept
/// small: a head is moved a few times on its way to the handler, and its size is copied each
/// time.)
pub const INLINE: usize = 4;

/// The places of the fields: in place up to [`INLINE`] of them, else in a `Vec`.
#[derive(Clone)]
pub(super) enum Spans {
    /// The first `len` of `spans`.
    Inline {
        len: usize,
        spans: [(Span, Span); INLINE],
    },
    /// More than [`INLINE`].
    Heap(Vec<(Span, Span)>),
}

impl Spans {
    const NONE: Spans = Spans::Inline {
        len: 0,
        spans: [((0, 0), (0, 0)); INLINE],
    };

    fn as_slice(&self) -> &[(Span, Span)] {
        match self {
            Spans::Inline { len, spans } => &spans[..*len],
            Spans::Heap(spans) => spans,
        }
    }

    fn push(&mut self, field: (Span, Span)) {
        match self {
            Spans::Inline { len, spans } if *len < INLINE => {
                spans[*len] = field;
                *len += 1;
            }
            Spans::Inline { spans, .. } => {
                let mut all = Vec::with_capacity(2 * INLINE);
                all.extend_from_slice(spans);
                all.push(field);
                *self = Spans::Heap(all);
            }
            Spans::Heap(spans) => spans.push(field),
        }
    }
}

/// No fields at all: what a body without trailers has.
pub(super) static NO_FIELDS: Fields = Fields::new();

impl Fields {
    /// No fields.
    pub const fn new() -> Fields {
        Fields {
            text: String::new(),
            spans: Spans::NONE,
        }
    }

    /// Fields made from name and value pairs, in order (for heads a program builds itself).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Fields {
        let mut fields = Fields::new();
        for (name, value) in pairs {
            let name = fields.push_text(name);
            let value = fields.push_text(value);
            fields.spans.push((name, value));
        }
        fields
    }

    /// Parsed fields: `spans` are places in `text` ([`parse_fields`]).
    pub(super) fn parsed(text: String, spans: Spans) -> Fields {
        Fields { text, spans }
    }

    /// Appends `s` to the text and returns its place.
    pub(super) fn push_text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        (to_u32(start), to_u32(self.text.len()))
    }

    /// The fields as `(name, value)` pairs, in arrival order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            fields: self,
            spans: self.spans.as_slice().iter(),
        }
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.spans.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every value of the field `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.spans
            .as_slice()
            .iter()
            .filter(move |&&(n, _)| self.is_named(n, name))
            .map(|&(_, value)| self.at(value))
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        let spans = self.spans.as_slice();
        let found = spans.iter().find(|&&(n, _)| self.is_named(n, name));
        found.map(|&(_, value)| self.at(value))
    }

    /// Whether the name at `span` is `name`, in any case. Compared as bytes (a name is a token,
    /// ASCII), so that only the values of the names that match are made into `&str`s.
    fn is_named(&self, (start, end): Span, name: &str) -> bool {
        let bytes = &self.text.as_bytes()[start as usize..end as usize];
        bytes.eq_ignore_ascii_case(name.as_bytes())
    }

    /// Whether a comma-separated field (`Connection`, `Upgrade`) holds `token`, in any case,
    /// on any of its lines ([`has_token`]).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name).any(|value| has_token(value, token))
    }

    /// The memory of the text, to read the next head into.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.text.into_bytes()
    }

    /// The text at `span`.
    pub(super) fn at(&self, span: Span) -> &str {
        at(&self.text, span)
    }

    /// The text the fields' places point into.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// Where each field's name and value are in the text.
    pub(super) fn places(&self) -> &[(Span, Span)] {
        self.spans.as_slice()
    }
}

/// The fields of a head, pair by pair ([`Fields::iter`]).
#[derive(Clone)]
pub struct Iter<'a> {
    fields: &'a Fields,
    spans: slice::Iter<'a, (Span, Span)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let &(name, value) = self.spans.next()?;
        Some((self.fields.at(name), self.fields.at(value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields::new()
    }
}

/// Two sets of fields are equal when they hold the same pairs in the same order, wherever
/// in their texts those are.
impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

/// Shown as the list of pairs.
impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `tchar` (RFC 9110 §5.6.2): the bytes a token (a method, a field name) is made of.
pub const fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// Whether each byte is a `tchar`: one lookup for every byte of every field name read or
/// written, instead of a search of the punctuation for each `-`.
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// The bytes a field value or a reason phrase is made of (RFC 9110 §5.5, RFC 9112 §4): HTAB,
/// SP, VCHAR and obs-text (0x80-0xFF), that is, anything but NUL, CR, LF, the other control
/// bytes and DEL. Node's `checkInvalidHeaderChar` allows the same set.
pub const fn is_field_byte(b: u8) -> bool {
    matches!(b, b'\t' | b' '..=b'~' | 0x80..=0xff)
}

/// The part of `text` at `span`.
pub(super) fn at(text: &str, (start, end): Span) -> &str {
    &text[start as usize..end as usize]
}

/// A `usize` that fits in a [`Span`]. Every head is parsed only after
/// [`head_text`] has checked its length, and pairs a program gives are short.
pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("a head shorter than 4 GiB")
}

/// A complete head's bytes as the text its fields will be places in, bytes above 0x7F read
/// as Latin-1, the way Node turns header bytes into a string. ASCII, nearly every head, reads
/// the same either way, and its bytes become the text as they are, in their own buffer. A
/// head of another kind is turned character by character, and the parsers then read the
/// Latin-1 text, where such a byte is two bytes above 0x7F: still obs-text in a value, still
/// no `tchar` in a name. Longer than a [`Span`] can point into: [`ParseError::HeadTooLarge`].
pub(super) fn head_text(head: Vec<u8>) -> Result<String, ParseError> {
    if u32::try_from(head.len()).is_err() {
        return Err(ParseError::HeadTooLarge);
    }
    Ok(match String::from_utf8(head) {
        Ok(text) if text.is_ascii() => text,
        Ok(text) => widen(text.as_bytes()),
        Err(e) => widen(e.as_bytes()),
    })
}

/// Bytes read as Latin-1: each byte is the character with that number.
pub(super) fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => text.to_owned(),
        _ => widen(bytes),
    }
}

/// Each byte as the character with that number (bytes known not to be all ASCII).
fn widen(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The lines of a complete head as places in its text, each without its CRLF, the final
/// empty line left out. (The head finders guarantee that every line ends in CRLF and that
/// the last one is empty; for other bytes, each piece between LFs is a line, less one CR at
/// its end, and empty pieces are skipped.)
pub(super) struct Lines<'a> {
    bytes: &'a [u8],
    /// Where the next line begins.
    next: usize,
    /// Where the last line ends: before the final CRLF.
    end: usize,
}

impl<'a> Lines<'a> {
    /// The lines of `text`.
    pub(super) fn of(text: &'a str) -> Lines<'a> {
        let bytes = text.as_bytes();
        let end = bytes.len() - usize::from(bytes.ends_with(b"\r\n")) * 2;
        Lines {
            bytes,
            next: 0,
            end,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        while self.next <= self.end {
            let rest = &self.bytes[self.next..self.end];
            let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let (start, mut stop) = (self.next, self.next + len);
            self.next = stop + 1;
            if len == 0 {
                continue;
            }
            if self.bytes[stop - 1] == b'\r' {
                stop -= 1;
            }
            return Some((to_u32(start), to_u32(stop)));
        }
        None
    }
}

/// Parses the field lines `lines` of `text`: where each name and value is. More than
/// `max_fields` is `TooManyFields`.
pub(super) fn parse_fields(
    text: &str,
    lines: impl Iterator<Item = Span>,
    max_fields: usize,
    mut each: impl FnMut((Span, Span)),
) -> Result<Spans, ParseError> {
    let mut spans = Spans::NONE;
    for (count, line) in lines.enumerate() {
        if count == max_fields {
            return Err(ParseError::TooManyFields);
        }
        let field = parse_field_line(text.as_bytes(), line)?;
        each(field);
        spans.push(field);
    }
    Ok(spans)
}

/// A section of field lines alone (a chunked body's trailers, RFC 9112 §7.1.2), parsed.
pub(super) fn parse_field_section(
    section: Vec<u8>,
    max_fields: usize,
) -> Result<Fields, ParseError> {
    let text = head_text(section)?;
    let spans = parse_fields(&text, Lines::of(&text), max_fields, |_| {})?;
    Ok(Fields::parsed(text, spans))
}

/// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5), the line at `start..end`
/// of `text`: where its name and its value are.
fn parse_field_line(text: &[u8], (start, end): Span) -> Result<(Span, Span), ParseError> {
    let line = &text[start as usize..end as usize];
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(ParseError::ObsFold);
    }
    // The name is the run of tchars the line starts with, and a colon must end it.
    let colon = line
        .iter()
        .position(|&b| !is_tchar(b))
        .unwrap_or(line.len());
    if colon == 0 || line.get(colon) != Some(&b':') {
        return Err(match line.contains(&b':') {
            true => ParseError::BadFieldName,
            false => ParseError::MissingColon,
        });
    }
    let after = &line[colon + 1..];
    let (from, to) = ows_bounds(after);
    // field-vchar = VCHAR / obs-text, with SP and HTAB inside (RFC 9110 §5.5).
    if !after[from..to].iter().all(|&b| is_field_byte(b)) {
        return Err(ParseError::BadFieldValue);
    }
    let value_start = start + to_u32(colon + 1);
    Ok((
        (start, start + to_u32(colon)),
        (value_start + to_u32(from), value_start + to_u32(to)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Result<Fields, ParseError> {
        parse_bytes(head.as_bytes())
    }

    fn parse_bytes(head: &[u8]) -> Result<Fields, ParseError> {
        parse_field_section(head.to_vec(), 3)
    }

    #[test]
    fn names_as_sent_values_trimmed() {
        let fields = parse("Host: x\r\nX-Y:  \tz z\t \r\nEmpty:\r\n\r\n").unwrap();
        let pairs: Vec<_> = fields.iter().collect();
        assert_eq!(pairs, [("Host", "x"), ("X-Y", "z z"), ("Empty", "")]);
        assert_eq!(fields, Fields::from_pairs(pairs));
    }

    #[test]
    fn more_fields_than_kept_in_place_stay_in_order() {
        let section: String = (0..3 * INLINE).map(|i| format!("X-{i}: {i}\r\n")).collect();
        let fields = parse_field_section(format!("{section}\r\n").into_bytes(), 100).unwrap();
        assert_eq!(fields.len(), 3 * INLINE);
        for (i, (name, value)) in fields.iter().enumerate() {
            assert_eq!(
                (name, value),
                (format!("X-{i}").as_str(), i.to_string().as_str())
            );
        }
        let last = 3 * INLINE - 1;
        assert_eq!(
            fields.value(&format!("x-{last}")),
            Some(last.to_string().as_str())
        );
        let mut built = Fields::from_pairs([("A", "1")]);
        assert_eq!(built.clone(), built);
        built = Fields::from_pairs(fields.iter());
        assert_eq!(built, fields);
    }

    #[test]
    fn lines_are_pieces_between_line_feeds_less_one_cr() {
        let text = "a\r\nb\n\r\nc\r\r\n\r\n";
        let lines: Vec<&str> = Lines::of(text)
            .map(|(s, e)| &text[s as usize..e as usize])
            .collect();
        assert_eq!(lines, ["a", "b", "", "c\r"]); // "\r" is a piece, then a line
        assert_eq!(Lines::of("").count(), 0);
        assert_eq!(Lines::of("\r\n").count(), 0);
    }

    #[test]
    fn latin1_bytes_stay_obs_text_in_values_and_no_token_in_names() {
        let fields = parse("X: caf\u{e9}\r\n\r\n").unwrap();
        assert_eq!(fields.value("x"), Some("caf\u{c3}\u{a9}"));
        let fields = parse_bytes(b"X: caf\xe9\r\n\r\n").unwrap();
        assert_eq!(fields.value("x"), Some("caf\u{e9}"));
        assert_eq!(parse("X\u{e9}: 1\r\n\r\n"), Err(ParseError::BadFieldName));
    }

    #[test]
    fn broken_lines_are_refused_by_their_rule() {
        assert_eq!(parse(" X: 1\r\n\r\n"), Err(ParseError::ObsFold));
        assert_eq!(parse("X 1\r\n\r\n"), Err(ParseError::MissingColon));
        assert_eq!(parse(": 1\r\n\r\n"), Err(ParseError::BadFieldName));
        assert_eq!(parse("X: a\x01b\r\n\r\n"), Err(ParseError::BadFieldValue));
        assert_eq!(
            parse("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
            Err(ParseError::TooManyFields)
        );
    }

    #[test]
    fn tchar_is_rfc_9110s_set() {
        // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
        // "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
        for b in 0..=255u8 {
            let rfc = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), rfc, "byte {b:#04x}");
        }
    }

    #[test]
    fn field_bytes_are_htab_sp_vchar_and_obs_text() {
        // RFC 9110 §5.5: field-vchar = VCHAR / obs-text, with SP and HTAB between them.
        for b in 0..=255u8 {
            let rfc = b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80;
            assert_eq!(is_field_byte(b), rfc, "byte {b:#04x}");
        }
    }
}
