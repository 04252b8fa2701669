//! WebSocket frames, RFC 6455 §5: the notes' WebSocket数据传输.
//!
//! After the handshake both sides send frames. Each is a 2- to 14-byte header and a payload;
//! a message is one frame, or a first frame and continuations, the last with FIN set:
//!
//! ```text
//!  RFC 6455 §5.2, the base framing protocol
//!
//!   0                   1                   2                   3
//!   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!  +-+-+-+-+-------+-+-------------+-------------------------------+
//!  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//!  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//!  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//!  | |1|2|3|       |K|             |                               |
//!  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//!  |     Extended payload length continued, if payload len == 127  |
//!  + - - - - - - - - - - - - - - - +-------------------------------+
//!  |                               |Masking-key, if MASK set to 1  |
//!  +-------------------------------+-------------------------------+
//!  | Masking-key (continued)       |          Payload Data         |
//!  +-------------------------------- - - - - - - - - - - - - - - - +
//!
//!  payload len 0..=125   the length itself                 header  2 bytes (+4 with a mask)
//!              126       the next 2 bytes, big-endian      header  4 bytes (+4)
//!              127       the next 8 bytes, big-endian      header 10 bytes (+4)
//! ```
//!
//! Everything here is a pure function over bytes. [`parse_header`] looks at what has arrived
//! so far and answers one of three things, as `httparse` and tungstenite's codec do:
//!
//! - `Ok(None)`: not enough bytes yet; read more and ask again (not an error);
//! - `Ok(Some(header))`: a complete header, `header.header_len` bytes long;
//! - `Err(e)`: the peer broke a rule; `e.close_code()` is what to close with (1002 or 1009).
//!
//! It fails as soon as the bytes in hand break a rule (one byte is enough to see a reserved
//! opcode), and it never allocates: the payload length is a number to check against a limit,
//! never the size of a buffer made before the bytes are there.
//!
//! Rules enforced by [`parse_header`], each with its own [`FrameError`] variant:
//!
//! - RSV1-3 must be 0 unless an extension says otherwise (§5.2); we negotiate none;
//! - opcodes 3-7 and B-F are reserved (§5.2, §11.8);
//! - control frames (Close, Ping, Pong) have FIN set and at most 125 bytes of payload (§5.5);
//! - a client masks every frame and a server none (§5.1), hence the [`Role`] argument;
//! - a 64-bit length has its most significant bit clear (§5.2);
//! - the length uses the fewest bytes that hold it (§5.2: "in all cases, the minimal number of
//!   bytes MUST be used"). Node's `ws` and tungstenite accept a longer form; we reject it,
//!   since no honest encoder makes one and a receiver that takes a frame another rejects is
//!   how parsers get smuggled past. Autobahn does not test either way;
//! - the payload length is within the caller's limit (1009, "message too big", §7.4.1).
//!
//! Close payloads (§5.5.1, §7.4) have their own parser, [`parse_close`], and builder,
//! [`close_payload`].

use std::fmt;

/// RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
pub const MAX_CONTROL_PAYLOAD: u64 = 125;

/// The longest header: 2 bytes, an 8-byte extended length and a 4-byte masking key (§5.2).
pub const MAX_HEADER_LEN: usize = 14;

/// RFC 6455 §5.5.1: a close reason is what fits in a control frame after the 2-byte code.
pub const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD as usize - 2;

/// What a frame carries (RFC 6455 §5.2, "Opcode"). The reserved values 3-7 and B-F have no
/// variant: [`parse_header`] refuses them ([`FrameError::ReservedOpcode`]), so an `Opcode`
/// is always one this code understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// `0x0`: the next piece of a fragmented message (§5.4).
    Continuation,
    /// `0x1`: a text message, UTF-8 (§5.6).
    Text,
    /// `0x2`: a binary message (§5.6).
    Binary,
    /// `0x8`: the closing handshake (§5.5.1).
    Close,
    /// `0x9`: a ping; the peer answers with a pong (§5.5.2).
    Ping,
    /// `0xA`: a pong (§5.5.3).
    Pong,
}

impl Opcode {
    /// The opcode for a 4-bit value, or `None` for a reserved one.
    ///
    /// ```
    /// use netnotes::ws::frame::Opcode;
    /// assert_eq!(Opcode::from_u8(0x9), Some(Opcode::Ping));
    /// assert_eq!(Opcode::from_u8(0x3), None); // reserved for further non-control frames
    /// ```
    pub fn from_u8(value: u8) -> Option<Opcode> {
        match value {
            0x0 => Some(Opcode::Continuation),
            0x1 => Some(Opcode::Text),
            0x2 => Some(Opcode::Binary),
            0x8 => Some(Opcode::Close),
            0x9 => Some(Opcode::Ping),
            0xA => Some(Opcode::Pong),
            _ => None,
        }
    }

    /// The 4-bit value on the wire.
    pub fn as_u8(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// RFC 6455 §5.5: control frames are those whose opcode has its top bit set (Close, Ping,
    /// Pong); they may arrive between the fragments of a message.
    pub fn is_control(self) -> bool {
        self.as_u8() & 0x8 != 0
    }
}

/// Which end of the connection we are, which decides the masking rule (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We accepted the connection: every frame we receive MUST be masked.
    Server,
    /// We opened the connection: no frame we receive may be masked.
    Client,
}

/// A parsed frame header, fields named as in RFC 6455 §5.2. RSV1..RSV3 have no field: they
/// are for extensions, this crate negotiates none, and so [`parse_header`] refuses a frame with
/// any of them set (permessage-deflate, RFC 7692, would use RSV1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// This is the final fragment of a message.
    pub fin: bool,
    /// What the payload is.
    pub opcode: Opcode,
    /// The masking key, when the MASK bit is set (§5.3).
    pub mask: Option<[u8; 4]>,
    /// How many payload bytes follow the header.
    pub payload_len: u64,
    /// How many bytes the header took: 2 to [`MAX_HEADER_LEN`]. The payload starts here.
    pub header_len: usize,
}

/// A rule of RFC 6455 §5 that a frame broke. [`FrameError::close_code`] gives the code to
/// close the connection with; `Display` reads like the message of Node's `ws`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// §5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero
    /// values". The three bits as they were: `rsv1` is `0b100`, `rsv2` `0b010`, `rsv3` `0b001`.
    ReservedBitsSet(u8),
    /// §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the
    /// WebSocket Connection_". The 4-bit value (3-7 or B-F).
    ReservedOpcode(u8),
    /// §5.5: "All control frames ... MUST NOT be fragmented": a Close, Ping or Pong without FIN.
    FragmentedControlFrame(Opcode),
    /// §5.5: a control frame's payload length field said more than 125 (so 126 or 127).
    ControlFrameTooLong(Opcode, u8),
    /// §5.1: "The server MUST close the connection upon receiving a frame that is not masked."
    UnmaskedFrameFromClient,
    /// §5.1: "A client MUST close a connection if it detects a masked frame."
    MaskedFrameFromServer,
    /// §5.2: a 64-bit length's "most significant bit MUST be 0".
    LengthHighBitSet,
    /// §5.2: "the minimal number of bytes MUST be used to encode the length": this length
    /// came in the 16-bit form (`length_bytes` 2) or the 64-bit form (8) though a shorter fit.
    NonMinimalLength {
        /// The payload length.
        payload_len: u64,
        /// 2 or 8: the width of the extended length field it came in.
        length_bytes: u8,
    },
    /// The payload is longer than the receiver accepts (close code 1009, §7.4.1).
    PayloadTooBig {
        /// The payload length in the header.
        payload_len: u64,
        /// The limit given to [`parse_header`].
        max: u64,
    },
    /// §5.5.1: a close body, if present, starts with a 2-byte code; this one had 1 byte.
    CloseBodyOneByte,
    /// §7.4: a close code that may not be sent, so may not be received (see
    /// [`close_code_is_valid`]).
    InvalidCloseCode(u16),
    /// §5.5.1: the close reason is not UTF-8 (close code 1007, §8.1).
    CloseReasonNotUtf8(std::str::Utf8Error),
}

impl FrameError {
    /// The close code to answer with (§7.4.1): 1009 for a frame over the limit, 1007 for a
    /// close reason that is not UTF-8, 1002 (protocol error) for everything else.
    ///
    /// ```
    /// use netnotes::ws::frame::FrameError;
    /// assert_eq!(FrameError::ReservedOpcode(3).close_code(), 1002);
    /// assert_eq!(FrameError::PayloadTooBig { payload_len: 2, max: 1 }.close_code(), 1009);
    /// ```
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::PayloadTooBig { .. } => 1009,
            FrameError::CloseReasonNotUtf8(_) => 1007,
            _ => 1002,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let invalid = "Invalid WebSocket frame:";
        match self {
            FrameError::ReservedBitsSet(bits) if bits & 0b100 != 0 => {
                write!(f, "{invalid} RSV1 must be clear")
            }
            FrameError::ReservedBitsSet(_) => write!(f, "{invalid} RSV2 and RSV3 must be clear"),
            FrameError::ReservedOpcode(op) => write!(f, "{invalid} invalid opcode {op}"),
            FrameError::FragmentedControlFrame(_) => write!(f, "{invalid} FIN must be set"),
            FrameError::ControlFrameTooLong(_, len) => {
                write!(f, "{invalid} invalid payload length {len}")
            }
            FrameError::UnmaskedFrameFromClient => write!(f, "{invalid} MASK must be set"),
            FrameError::MaskedFrameFromServer => write!(f, "{invalid} MASK must be clear"),
            FrameError::LengthHighBitSet => write!(
                f,
                "{invalid} payload length has its most significant bit set"
            ),
            FrameError::NonMinimalLength {
                payload_len,
                length_bytes,
            } => write!(
                f,
                "{invalid} payload length {payload_len} sent in {length_bytes} bytes, not the fewest"
            ),
            FrameError::PayloadTooBig { .. } => write!(f, "Max payload size exceeded"),
            FrameError::CloseBodyOneByte => write!(f, "{invalid} invalid payload length 1"),
            FrameError::InvalidCloseCode(code) => write!(f, "{invalid} invalid status code {code}"),
            FrameError::CloseReasonNotUtf8(_) => write!(f, "{invalid} invalid UTF-8 sequence"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Reads a frame header from the start of `buf`, which may hold less than a header, exactly
/// one, or a header and more. See the module docs for the three answers and the rules.
///
/// `role` is which end *we* are (it decides whether frames must be masked), and `max_payload`
/// the longest payload we accept (a connection passes what is left of its message limit,
/// [`MAX_MESSAGE_BYTES`](super::connection::MAX_MESSAGE_BYTES) by default).
///
/// ```
/// use netnotes::ws::frame::{parse_header, Opcode, Role};
/// use netnotes::ws::connection::MAX_MESSAGE_BYTES;
/// const MAX: u64 = MAX_MESSAGE_BYTES as u64;
/// // RFC 6455 §5.7: a single-frame unmasked text message, "Hello", as a client receives it.
/// let bytes = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
/// let header = parse_header(&bytes, Role::Client, MAX).unwrap().unwrap();
/// assert_eq!((header.fin, header.opcode, header.payload_len), (true, Opcode::Text, 5));
/// assert_eq!(&bytes[header.header_len..], b"Hello");
///
/// // With only the first byte, the answer is "read more".
/// assert_eq!(parse_header(&bytes[..1], Role::Client, MAX), Ok(None));
/// // A server receiving it fails the connection: clients must mask (§5.1).
/// let err = parse_header(&bytes, Role::Server, MAX).unwrap_err();
/// assert_eq!(err.close_code(), 1002);
/// ```
pub fn parse_header(
    buf: &[u8],
    role: Role,
    max_payload: u64,
) -> Result<Option<FrameHeader>, FrameError> {
    // Each rule is checked as soon as the byte it depends on is in `buf`, so a bad frame is
    // refused early and the answer for a prefix of `buf` is either `Ok(None)` or the same
    // answer as for `buf` (the fuzz test checks that).
    let Some(&b0) = buf.first() else {
        return Ok(None);
    };
    let fin = b0 & 0x80 != 0;
    // RFC 6455 §5.2: no extension is negotiated, so RSV1-3 must all be 0.
    let rsv = (b0 >> 4) & 0b111;
    if rsv != 0 {
        return Err(FrameError::ReservedBitsSet(rsv));
    }
    // RFC 6455 §5.2: an unknown opcode fails the connection.
    let opcode = Opcode::from_u8(b0 & 0x0F).ok_or(FrameError::ReservedOpcode(b0 & 0x0F))?;
    // RFC 6455 §5.5: control frames are never fragmented.
    if opcode.is_control() && !fin {
        return Err(FrameError::FragmentedControlFrame(opcode));
    }

    let Some(&b1) = buf.get(1) else {
        return Ok(None);
    };
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7F;
    // RFC 6455 §5.5: control payloads are at most 125 bytes, so they never use 126 or 127.
    if opcode.is_control() && u64::from(len7) > MAX_CONTROL_PAYLOAD {
        return Err(FrameError::ControlFrameTooLong(opcode, len7));
    }
    // RFC 6455 §5.1: clients mask every frame, servers none.
    match (role, masked) {
        (Role::Server, false) => return Err(FrameError::UnmaskedFrameFromClient),
        (Role::Client, true) => return Err(FrameError::MaskedFrameFromServer),
        _ => {}
    }

    let (payload_len, length_end) = match len7 {
        126 => {
            let Some(&[hi, lo]) = buf.get(2..4) else {
                return Ok(None);
            };
            let len = u64::from(u16::from_be_bytes([hi, lo]));
            // RFC 6455 §5.2: the minimal number of bytes MUST be used.
            if len <= 125 {
                return Err(FrameError::NonMinimalLength {
                    payload_len: len,
                    length_bytes: 2,
                });
            }
            (len, 4)
        }
        127 => {
            let Some(bytes) = buf.get(2..10) else {
                return Ok(None);
            };
            let mut be = [0u8; 8];
            be.copy_from_slice(bytes);
            let len = u64::from_be_bytes(be);
            // RFC 6455 §5.2: "the most significant bit MUST be 0".
            if len >> 63 != 0 {
                return Err(FrameError::LengthHighBitSet);
            }
            if len <= 0xFFFF {
                return Err(FrameError::NonMinimalLength {
                    payload_len: len,
                    length_bytes: 8,
                });
            }
            (len, 10)
        }
        len => (u64::from(len), 2),
    };
    // Refused from the header alone, before anyone reserves room for the payload.
    if payload_len > max_payload {
        return Err(FrameError::PayloadTooBig {
            payload_len,
            max: max_payload,
        });
    }

    let (mask, header_len) = if masked {
        let Some(&[a, b, c, d]) = buf.get(length_end..length_end + 4) else {
            return Ok(None);
        };
        (Some([a, b, c, d]), length_end + 4)
    } else {
        (None, length_end)
    };
    Ok(Some(FrameHeader {
        fin,
        opcode,
        mask,
        payload_len,
        header_len,
    }))
}

/// Masks or unmasks (the same XOR) part of a payload, RFC 6455 §5.3: "Octet i of the
/// transformed data is the XOR of octet i of the original data with octet at index i modulo 4
/// of the masking key". `offset` is where `payload` starts within the frame's payload, so a
/// payload unmasked piece by piece, as its bytes arrive, comes out as if done in one go.
///
/// ```
/// use netnotes::ws::frame::apply_mask;
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut data = [0x7f, 0x9f, 0x4d, 0x51, 0x58]; // "Hello", masked (RFC 6455 §5.7)
/// let (first, rest) = data.split_at_mut(3);
/// apply_mask(first, key, 0);
/// apply_mask(rest, key, 3);
/// assert_eq!(&data, b"Hello");
/// ```
pub fn apply_mask(payload: &mut [u8], key: [u8; 4], offset: usize) {
    // The key turned to start at this offset's octet (only offset mod 4 matters), then
    // repeated over 8 bytes: octet i of the payload meets octet i % 8 of `key8`, eight at a
    // time. A byte at a time costs several instructions per byte; this, a fraction of one.
    let turned = u32::from_le_bytes(key).rotate_right(8 * (offset % 4) as u32);
    let key8 = (u64::from(turned) << 32 | u64::from(turned)).to_le_bytes();
    let (words, rest) = payload.as_chunks_mut::<8>();
    for word in words {
        *word = (u64::from_ne_bytes(*word) ^ u64::from_ne_bytes(key8)).to_ne_bytes();
    }
    for (byte, k) in rest.iter_mut().zip(key8) {
        *byte ^= k;
    }
}

/// Encodes a frame header in the shortest length form (§5.2): 7 bits up to 125, then 16, then
/// 64. `payload_len` must be below 2^63, as every real payload is.
///
/// This is the caller's frame: it does not stop a control frame from being fragmented or
/// longer than 125 bytes. RSV1-3 are always 0.
///
/// ```
/// use netnotes::ws::frame::{encode_header, Opcode};
/// assert_eq!(encode_header(true, Opcode::Binary, None, 256), [0x82, 0x7E, 0x01, 0x00]);
/// ```
pub fn encode_header(
    fin: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload_len: u64,
) -> Vec<u8> {
    let (bytes, len) = header_bytes(fin, opcode, mask, payload_len);
    bytes[..len].to_vec()
}

/// [`encode_header`] on the stack: the bytes and how many of them are the header. A server
/// sends every frame with one of these, so a frame costs no allocation.
pub(crate) fn header_bytes(
    fin: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload_len: u64,
) -> ([u8; MAX_HEADER_LEN], usize) {
    let mut out = [0u8; MAX_HEADER_LEN];
    out[0] = u8::from(fin) << 7 | opcode.as_u8();
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut len = if payload_len <= 125 {
        out[1] = mask_bit | payload_len as u8;
        2
    } else if let Ok(len16) = u16::try_from(payload_len) {
        out[1] = mask_bit | 126;
        out[2..4].copy_from_slice(&len16.to_be_bytes());
        4
    } else {
        out[1] = mask_bit | 127;
        out[2..10].copy_from_slice(&payload_len.to_be_bytes());
        10
    };
    if let Some(key) = mask {
        out[len..len + 4].copy_from_slice(&key);
        len += 4;
    }
    (out, len)
}

/// A whole frame: header and payload, the payload masked with `mask` if there is one (a
/// client passes a fresh, unpredictable key for every frame, §5.3; a server passes `None`).
///
/// ```
/// use netnotes::ws::frame::{encode_frame, Opcode};
/// // RFC 6455 §5.7: a masked "Hello", as a client sends it.
/// let frame = encode_frame(true, Opcode::Text, b"Hello", Some([0x37, 0xfa, 0x21, 0x3d]));
/// assert_eq!(frame, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
pub fn encode_frame(fin: bool, opcode: Opcode, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let (header, start) = header_bytes(fin, opcode, mask, payload.len() as u64);
    let mut out = Vec::with_capacity(start + payload.len());
    out.extend_from_slice(&header[..start]);
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        apply_mask(&mut out[start..], key, 0);
    }
    out
}

/// The body of a Close frame (§5.5.1): an optional status code and a UTF-8 reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosePayload<'a> {
    /// The status code, `None` for an empty body (which the receiver reports as 1005, "no
    /// status received", §7.1.5; that code itself never goes on the wire).
    pub code: Option<u16>,
    /// Why, for people; may be empty.
    pub reason: &'a str,
}

/// Reads a Close frame's (unmasked) payload, RFC 6455 §5.5.1 and §7.4.
///
/// ```
/// use netnotes::ws::frame::{parse_close, ClosePayload};
/// let close = parse_close(b"\x03\xe8bye").unwrap();
/// assert_eq!(close, ClosePayload { code: Some(1000), reason: "bye" });
/// assert_eq!(parse_close(b"").unwrap().code, None);
/// assert_eq!(parse_close(b"\x03\xed").unwrap_err().close_code(), 1002); // 1005 is never sent
/// ```
pub fn parse_close(payload: &[u8]) -> Result<ClosePayload<'_>, FrameError> {
    match payload {
        [] => Ok(ClosePayload {
            code: None,
            reason: "",
        }),
        // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a
        // 2-byte unsigned integer".
        [_] => Err(FrameError::CloseBodyOneByte),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !close_code_is_valid(code) {
                return Err(FrameError::InvalidCloseCode(code));
            }
            // The whole payload is here (at most 125 bytes), so std's check will do.
            let reason = std::str::from_utf8(reason).map_err(FrameError::CloseReasonNotUtf8)?;
            Ok(ClosePayload {
                code: Some(code),
                reason,
            })
        }
    }
}

/// Whether `code` may appear in a Close frame (RFC 6455 §7.4, and IANA's registry, which added
/// 1012-1014 after the RFC):
///
/// ```text
///  0-999       not used                                    invalid
///  1000-1003   normal, going away, protocol, unsupported   valid
///  1004        reserved                                    invalid
///  1005 1006   "no status", "abnormal": reported locally,  invalid
///              MUST NOT be sent (§7.4.1)
///  1007-1014   bad data ... bad gateway                    valid
///  1015        TLS handshake failed: local only            invalid
///  1016-2999   reserved for the protocol's own future      invalid
///  3000-3999   registered with IANA (libraries, apps)      valid
///  4000-4999   private use                                 valid
///  5000-       not a close code                            invalid
/// ```
pub fn close_code_is_valid(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Builds a Close frame's payload: the code, big-endian, then the reason. The reason is cut
/// to [`MAX_CLOSE_REASON`] bytes, at a character boundary, so the frame is always a valid
/// control frame (§5.5).
///
/// ```
/// use netnotes::ws::frame::close_payload;
/// assert_eq!(close_payload(1000, "bye"), b"\x03\xe8bye");
/// assert_eq!(close_payload(1001, &"é".repeat(100)).len(), 2 + 122); // 61 whole "é"s
/// ```
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(MAX_CLOSE_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = Vec::with_capacity(2 + end);
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(&reason.as_bytes()[..end]);
    out
}

/// What a close code means (RFC 6455 §7.4.1, and IANA's registry for 1012-1014).
///
/// ```
/// use netnotes::ws::frame::close_code_meaning;
/// assert_eq!(close_code_meaning(1000), "normal closure");
/// assert_eq!(close_code_meaning(4000), "private use");
/// ```
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1004 => "reserved",
        1005 => "no status received",
        1006 => "abnormal closure",
        1007 => "invalid frame payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake",
        0..=999 => "not used",
        1016..=2999 => "reserved for the WebSocket protocol",
        3000..=3999 => "registered with IANA",
        4000..=4999 => "private use",
        _ => "not a close code",
    }
}

#[cfg(test)]
mod tests;
