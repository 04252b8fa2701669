//! HTTP报文, the body: [`BodyDecoder`] takes a body off the wire however it is delimited —
//! `Content-Length`, chunked (RFC 9112 §7.1, decoded by [`ChunkedDecoder`], trailer section
//! included) or the connection's close — as its bytes arrive. The server's request bodies,
//! the client's response bodies (and so the proxy, which is both) and the `--wire` view all
//! read bodies with it, so a body means the same to each of them.

use std::ops::Range;

use super::fields::{parse_field_section, Fields, NO_FIELDS};
use super::{ParseError, ResponseFraming, MAX_HEADERS, MAX_HEADER_BYTES};

/// Takes one body off the wire, as its framing says (RFC 9112 §6.3), without copying it:
/// each call to [`decode`](Self::decode) is given the bytes that have arrived and says how
/// many it used and which of them are body data. Bytes after the body's end are left for the
/// next message.
///
/// ```
/// use netnotes::http::message::{BodyDecoder, ResponseFraming};
/// let wire = b"hello, worldGET /next";
/// let mut body = BodyDecoder::new(ResponseFraming::Length(12));
/// let (used, data) = body.decode(wire, usize::MAX).unwrap();
/// assert_eq!((&wire[data], used, body.is_done()), (&b"hello, world"[..], 12, true));
/// ```
#[derive(Debug, Clone)]
pub enum BodyDecoder {
    /// `Content-Length`: this many bytes still to come (done at 0).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(ChunkedDecoder),
    /// Every byte until the connection closes (a response without a length).
    UntilClose,
    /// The body is complete (or there was none).
    Done,
}

impl BodyDecoder {
    /// A decoder for a body framed as `framing` says; a chunked body's trailer section is
    /// bounded like a head, by [`MAX_HEADER_BYTES`]. (A request's [`Framing`](super::Framing)
    /// converts with `.into()`.)
    pub fn new(framing: ResponseFraming) -> BodyDecoder {
        match framing {
            ResponseFraming::None => BodyDecoder::Done,
            ResponseFraming::Length(n) => BodyDecoder::Length(n),
            ResponseFraming::Chunked => BodyDecoder::Chunked(ChunkedDecoder::new(MAX_HEADER_BYTES)),
            ResponseFraming::UntilClose => BodyDecoder::UntilClose,
        }
    }

    /// Whether the whole body has been taken.
    pub fn is_done(&self) -> bool {
        match self {
            BodyDecoder::Length(0) | BodyDecoder::Done => true,
            BodyDecoder::Chunked(chunked) => chunked.is_done(),
            _ => false,
        }
    }

    /// Consumes bytes from `input`. Returns how many were used and where, within `input`, the
    /// body data among them is: at most `max_data` bytes, in one run (call again with the
    /// rest). Stops at the body's end. An error names the rule the bytes broke.
    pub fn decode(
        &mut self,
        input: &[u8],
        max_data: usize,
    ) -> Result<(usize, Range<usize>), ParseError> {
        match self {
            BodyDecoder::Length(left) => {
                let n = input
                    .len()
                    .min(max_data)
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                *left -= n as u64;
                Ok((n, 0..n))
            }
            BodyDecoder::Chunked(chunked) => chunked.decode(input, max_data),
            BodyDecoder::UntilClose => {
                let n = input.len().min(max_data);
                Ok((n, 0..n))
            }
            BodyDecoder::Done => Ok((0, 0..0)),
        }
    }

    /// The connection has closed: whether that ends the body (it was delimited by the close,
    /// or complete already) rather than cutting it short.
    pub fn closed(&mut self) -> bool {
        if matches!(self, BodyDecoder::UntilClose) {
            *self = BodyDecoder::Done;
        }
        self.is_done()
    }

    /// The trailer fields of a chunked body, once it is done (none for other bodies).
    pub fn trailers(&self) -> &Fields {
        match self {
            BodyDecoder::Chunked(chunked) => chunked.trailers(),
            _ => &NO_FIELDS,
        }
    }
}

/// The longest chunk extension accepted (`;name=value` after a chunk size). Extensions mean
/// nothing to this server; the bound keeps a client from streaming one forever.
pub const MAX_CHUNK_EXTENSION: usize = 4096;

/// Decodes a chunked body (RFC 9112 §7.1) as its bytes arrive, without copying the data:
///
/// ```text
///   1a;ext=1\r\n          chunk-size in hex, optional extension (ignored)
///   <26 bytes>\r\n        chunk-data, then CRLF
///   0\r\n                 the last chunk
///   Trailer: x\r\n        optional trailer fields
///   \r\n                  the end
/// ```
///
/// ```
/// use netnotes::http::message::ChunkedDecoder;
/// let wire = b"5\r\nhello\r\n0\r\n\r\n";
/// let mut decoder = ChunkedDecoder::new(16384);
/// let mut body = Vec::new();
/// let mut at = 0;
/// while !decoder.is_done() {
///     let (used, data) = decoder.decode(&wire[at..], usize::MAX).unwrap();
///     body.extend_from_slice(&wire[at..][data]);
///     at += used;
/// }
/// assert_eq!(body, b"hello");
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: ChunkState,
    /// The size of the last size line completed, until [`ChunkedDecoder::take_size_line`].
    size_line: Option<u64>,
    max_trailer_bytes: usize,
    trailer: Vec<u8>,
    /// Boxed: most bodies have none, and the decoder stays small.
    trailers: Option<Box<Fields>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Reading hex digits: `size` their value so far; `digit` whether there was one yet.
    /// (A flag, not a count: a peer may send any number of leading zeros.)
    Size { size: u64, digit: bool },
    /// In `;extension`, `len` bytes so far.
    Extension { size: u64, len: usize },
    /// Whitespace after the size: only `;` may follow (BWS, RFC 9112 §7.1.1).
    SizeBws { size: u64 },
    /// Saw the CR ending the size line.
    SizeLf { size: u64 },
    /// In chunk data, this many bytes left.
    Data { left: u64 },
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// In the trailer section, collecting lines into `trailer`.
    Trailer,
    /// The body is complete.
    Done,
}

impl ChunkedDecoder {
    /// A decoder that accepts a trailer section of up to `max_trailer_bytes`.
    pub fn new(max_trailer_bytes: usize) -> ChunkedDecoder {
        ChunkedDecoder {
            state: ChunkState::Size {
                size: 0,
                digit: false,
            },
            size_line: None,
            max_trailer_bytes,
            trailer: Vec::new(),
            trailers: None,
        }
    }

    /// Whether the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// The size of the chunk whose size line was completed last (0 for the last chunk),
    /// once: the wire view uses it to say what a size line meant.
    pub fn take_size_line(&mut self) -> Option<u64> {
        self.size_line.take()
    }

    /// The trailer fields, once [`is_done`](Self::is_done).
    pub fn trailers(&self) -> &Fields {
        self.trailers.as_deref().unwrap_or(&NO_FIELDS)
    }

    /// Consumes bytes from `input`. Returns how many were used and where, within `input`, the
    /// body data among them is: at most `max_data` bytes, in one run (call again with the
    /// rest). Stops after the body's end; bytes after it belong to the next message.
    pub fn decode(
        &mut self,
        input: &[u8],
        max_data: usize,
    ) -> Result<(usize, Range<usize>), ParseError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                ChunkState::Size { size, digit } => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        // 16 hex digits fill a u64; a 17th overflows (leading zeros aside).
                        let value = u64::from((b as char).to_digit(16).unwrap_or(0));
                        if size > (u64::MAX >> 4) {
                            return Err(ParseError::ChunkSizeOverflow);
                        }
                        self.state = ChunkState::Size {
                            size: size << 4 | value,
                            digit: true,
                        };
                    }
                    b';' if digit => self.state = ChunkState::Extension { size, len: 0 },
                    b'\r' if digit => self.state = ChunkState::SizeLf { size },
                    b' ' | b'\t' if digit => self.state = ChunkState::SizeBws { size },
                    _ => return Err(ParseError::BadChunkSize),
                },
                // `chunk-ext = *( BWS ";" ...)`: RFC 9110 §5.6.3 says recipients MUST accept
                // this "bad" whitespace; nothing else may follow the size and a space.
                ChunkState::SizeBws { size } => match b {
                    b' ' | b'\t' => {}
                    b';' => self.state = ChunkState::Extension { size, len: 0 },
                    _ => return Err(ParseError::BadChunkSize),
                },
                ChunkState::Extension { size, len } => match b {
                    b'\r' => self.state = ChunkState::SizeLf { size },
                    b'\n' => return Err(ParseError::BareLineFeed),
                    _ if len >= MAX_CHUNK_EXTENSION => return Err(ParseError::BadChunkSize),
                    _ => self.state = ChunkState::Extension { size, len: len + 1 },
                },
                ChunkState::SizeLf { size } => {
                    if b != b'\n' {
                        return Err(ParseError::BadChunkSize);
                    }
                    self.size_line = Some(size);
                    self.state = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data { left: size }
                    };
                }
                ChunkState::Data { left } => {
                    let available = (input.len() - i).min(max_data) as u64;
                    if available == 0 {
                        return Ok((i, i..i));
                    }
                    let take = left.min(available) as usize;
                    let rest = left - take as u64;
                    self.state = if rest == 0 {
                        ChunkState::DataCr
                    } else {
                        ChunkState::Data { left: rest }
                    };
                    return Ok((i + take, i..i + take));
                }
                ChunkState::DataCr => {
                    if b != b'\r' {
                        return Err(ParseError::MissingChunkTerminator);
                    }
                    self.state = ChunkState::DataLf;
                }
                ChunkState::DataLf => {
                    if b != b'\n' {
                        return Err(ParseError::MissingChunkTerminator);
                    }
                    self.state = ChunkState::Size {
                        size: 0,
                        digit: false,
                    };
                }
                ChunkState::Trailer => {
                    if self.trailer.len() >= self.max_trailer_bytes {
                        return Err(ParseError::HeadTooLarge);
                    }
                    self.trailer.push(b);
                    if b == b'\n' {
                        let t = &self.trailer;
                        if t.len() < 2 || t[t.len() - 2] != b'\r' {
                            return Err(ParseError::BareLineFeed);
                        }
                        if t == b"\r\n" || t.ends_with(b"\r\n\r\n") {
                            self.finish_trailers()?;
                            return Ok((i + 1, i + 1..i + 1));
                        }
                    }
                }
                ChunkState::Done => return Ok((i, i..i)),
            }
            i += 1;
        }
        Ok((i, i..i))
    }

    fn finish_trailers(&mut self) -> Result<(), ParseError> {
        let section = std::mem::take(&mut self.trailer);
        // The section is field lines and an empty line, like a head without its start line.
        self.trailers = Some(Box::new(parse_field_section(section, MAX_HEADERS)?));
        self.state = ChunkState::Done;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Framing;
    use super::*;

    /// Decodes a whole chunked body, feeding it `piece` bytes at a time.
    fn dechunk(wire: &[u8], piece: usize) -> Result<(Vec<u8>, usize), ParseError> {
        let mut decoder = ChunkedDecoder::new(MAX_HEADER_BYTES);
        let mut body = Vec::new();
        let mut at = 0;
        let mut fed = piece.min(wire.len());
        while !decoder.is_done() {
            let window = &wire[at..fed];
            let (used, data) = decoder.decode(window, 3)?;
            body.extend_from_slice(&window[data]);
            at += used;
            if at == fed {
                if fed == wire.len() {
                    break;
                }
                fed = (fed + piece).min(wire.len());
            }
        }
        assert!(decoder.is_done(), "unfinished: {wire:?}");
        Ok((body, at))
    }

    #[test]
    fn chunked_bodies_decode_however_they_are_split() {
        let wire = b"5\r\nhello\r\nA \t;name=value\r\n, chunked!\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for piece in 1..=wire.len() {
            let (body, used) = dechunk(wire, piece).unwrap();
            assert_eq!(body, b"hello, chunked!", "piece {piece}");
            assert_eq!(&wire[used..], b"NEXT", "piece {piece}");
        }
        let mut decoder = ChunkedDecoder::new(100);
        let mut at = 0;
        while !decoder.is_done() {
            at += decoder.decode(&wire[at..], usize::MAX).unwrap().0;
        }
        assert_eq!(*decoder.trailers(), Fields::from_pairs([("X-T", "1")]));
    }

    #[test]
    fn chunked_errors() {
        use ParseError::*;
        let cases: &[(&[u8], ParseError)] = &[
            (b"zz\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"\r\n", BadChunkSize),
            (b"5 \r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5 \t\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5 6\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5\rxhello\r\n0\r\n\r\n", BadChunkSize),
            (
                b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
                ChunkSizeOverflow,
            ),
            (b"5\r\nhelloXX0\r\n\r\n", MissingChunkTerminator),
            (b"3\r\nhello\r\n0\r\n\r\n", MissingChunkTerminator),
            (b"5\r\nhello\rX", MissingChunkTerminator),
            (b"0\r\nX : y\r\n\r\n", BadFieldName),
            (b"0\r\nX: y\n\r\n", BareLineFeed),
            (b"0\r\n\r\r\n\r\n", MissingColon), // a trailer line that is a bare CR
        ];
        for (wire, expected) in cases {
            assert_eq!(
                dechunk(wire, wire.len()).unwrap_err(),
                *expected,
                "{wire:?}"
            );
        }
        // Sixteen hex digits fit; leading zeros do not count against the limit.
        let mut decoder = ChunkedDecoder::new(100);
        assert!(decoder.decode(b"0000000000000000000001\r\n", 1).is_ok());
        let mut long = b"0\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', 200));
        assert_eq!(
            ChunkedDecoder::new(100).decode(&long, 1).unwrap_err(),
            HeadTooLarge
        );
        let mut ext = b"1;".to_vec();
        ext.extend(std::iter::repeat_n(b'e', MAX_CHUNK_EXTENSION + 1));
        assert_eq!(
            ChunkedDecoder::new(100).decode(&ext, 1).unwrap_err(),
            BadChunkSize
        );
    }

    #[test]
    fn leading_zeros_are_a_flag_not_a_count() {
        // The size line's state keeps whether a digit came, not how many: a peer sending
        // zeros for ever costs time, linear in what it sends, and nothing can overflow.
        let mut decoder = ChunkedDecoder::new(100);
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..8 {
            assert_eq!(
                decoder.decode(&zeros, 1),
                Ok((zeros.len(), zeros.len()..zeros.len()))
            );
        }
        assert_eq!(decoder.decode(b"5\r\nhello", usize::MAX), Ok((8, 3..8)));
        assert_eq!(decoder.state, ChunkState::DataCr);
    }

    /// Decodes `wire` with a decoder for `framing`, `piece` bytes at a time (the body and how
    /// many bytes it used), then tells it the connection closed (whether that ended it).
    fn body_of(framing: ResponseFraming, wire: &[u8], piece: usize) -> (Vec<u8>, usize, bool) {
        let mut decoder = BodyDecoder::new(framing);
        let (mut body, mut at) = (Vec::new(), 0);
        while !decoder.is_done() && at < wire.len() {
            let end = (at + piece).min(wire.len());
            let (used, data) = decoder.decode(&wire[at..end], 2).unwrap();
            body.extend_from_slice(&wire[at..end][data]);
            at += used;
        }
        (body, at, decoder.closed())
    }

    #[test]
    fn one_decoder_for_every_framing() {
        use ResponseFraming::*;
        let wire = b"5\r\nhello\r\n0\r\n\r\nNEXT";
        for piece in 1..=wire.len() {
            assert_eq!(body_of(Chunked, wire, piece), (b"hello".to_vec(), 15, true));
            assert_eq!(
                body_of(Length(3), wire, piece),
                (b"5\r\n".to_vec(), 3, true)
            );
            assert_eq!(
                body_of(UntilClose, wire, piece),
                (wire.to_vec(), wire.len(), true)
            );
        }
        assert_eq!(body_of(None, wire, 4), (Vec::new(), 0, true));
        assert_eq!(body_of(Length(0), wire, 4), (Vec::new(), 0, true));
        // Closed before its end, a framed body is cut short.
        assert_eq!(
            body_of(Length(40), wire, 4),
            (wire.to_vec(), wire.len(), false)
        );
        assert_eq!(
            body_of(Chunked, &wire[..8], 4),
            (b"hello".to_vec(), 8, false)
        );
        let mut bad = BodyDecoder::new(Chunked);
        assert_eq!(bad.decode(b"x\r\n", 9), Err(ParseError::BadChunkSize));
        let mut chunked = BodyDecoder::new(Framing::Chunked.into());
        chunked.decode(b"0\r\nX-T: 1\r\n\r\n", 9).unwrap();
        assert_eq!(*chunked.trailers(), Fields::from_pairs([("X-T", "1")]));
    }
}
