//! Base64 (RFC 4648 §4, the standard alphabet, with `=` padding), for the handshake's two
//! base64 values: the client's `Sec-WebSocket-Key` (16 random bytes) and the server's
//! `Sec-WebSocket-Accept` (a 20-byte SHA-1). The notes' WebSocket握手.
//!
//! Every 3 bytes become 4 characters of 6 bits each; a last group of 1 or 2 bytes is padded
//! with `=` to 4 characters (RFC 4648 §4):
//!
//! ```text
//!  bytes    'f' 0x66          'o' 0x6F          'o' 0x6F
//!  bits     0 1 1 0 0 1 1 0 | 0 1 1 0 1 1 1 1 | 0 1 1 0 1 1 1 1
//!  6-bit    011001 | 100110 | 111101 | 101111
//!  chars      Z        m        9        v                      "foo" -> "Zm9v"
//!
//!  "f"  -> 011001 10(0000) -> "Zg=="    the bits in ( ) are padding: RFC 4648 §3.5
//!  "fo" -> ... 1111(00)    -> "Zm8="                      says an encoder sets them to 0
//! ```
//!
//! The decoder is strict, and says which rule an input broke ([`Base64Error`]): only the 64
//! alphabet characters, padding required, `=` only at the end, no line breaks or spaces (the
//! header parser trims the value first), and the padding bits must be zero. RFC 4648 §3.5
//! lets a decoder reject non-zero padding bits ("MAY"); we do, so that every byte string has
//! exactly one spelling and `encode(decode(s)?) == s` always holds. Node's `ws` checks a key
//! with the looser pattern `/^[+/0-9A-Za-z]{22}==$/`, which lets such spellings through; a
//! real client encodes 16 random bytes with an ordinary encoder and never produces one.

use std::fmt;

/// RFC 4648 §4, Table 1: the value of each character is its index.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The padding character (RFC 4648 §4).
const PAD: u8 = b'=';

/// Encodes `bytes` as base64 with padding.
///
/// ```
/// use netnotes::ws::base64::encode;
/// assert_eq!(encode(b"foobar"), "Zm9vYmFy");
/// assert_eq!(encode(b"fooba"), "Zm9vYmE=");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        // Up to 24 bits, left-aligned: missing bytes count as zero (the padding bits).
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let bits = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        // n bytes carry 8n bits, which need n + 1 characters; the rest is padding.
        for i in 0..4 {
            if i <= group.len() {
                let index = (bits >> (18 - 6 * i)) & 0x3F;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push(char::from(PAD));
            }
        }
    }
    out
}

/// Why a string is not canonical, padded base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64Error {
    /// The length is not a multiple of 4: the padding is missing or the text is cut short
    /// (RFC 4648 §3.2: padding is required unless a specification says otherwise).
    Length(usize),
    /// A byte that is neither in the alphabet nor padding, at this offset (RFC 4648 §3.3).
    InvalidByte {
        /// Where it is.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// `=` somewhere other than the last one or two places (RFC 4648 §3.3: padding only
    /// at the end).
    InvalidPadding {
        /// Where the misplaced `=` is.
        offset: usize,
    },
    /// The last character before the padding has bits set that no byte fills (RFC 4648
    /// §3.5): `Zh==` for `Zg==`. Rejected so that each byte string has a single spelling.
    NonZeroPaddingBits {
        /// Where that character is.
        offset: usize,
    },
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::Length(len) => {
                write!(f, "invalid base64: length {len} is not a multiple of 4")
            }
            Base64Error::InvalidByte { offset, byte } => {
                write!(f, "invalid base64: byte 0x{byte:02x} at offset {offset}")
            }
            Base64Error::InvalidPadding { offset } => {
                write!(
                    f,
                    "invalid base64: '=' at offset {offset} is not at the end"
                )
            }
            Base64Error::NonZeroPaddingBits { offset } => {
                write!(
                    f,
                    "invalid base64: non-zero padding bits at offset {offset}"
                )
            }
        }
    }
}

impl std::error::Error for Base64Error {}

/// The 6-bit value of an alphabet character.
fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes canonical, padded base64; see the module docs for what "strict" means.
///
/// ```
/// use netnotes::ws::base64::{decode, Base64Error};
/// assert_eq!(decode("Zm9vYg==").unwrap(), b"foob");
/// assert_eq!(decode("Zm9vYg"), Err(Base64Error::Length(6)));
/// assert_eq!(decode("Zh=="), Err(Base64Error::NonZeroPaddingBits { offset: 1 }));
/// ```
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return Err(Base64Error::Length(text.len()));
    }
    // The output is never longer than 3/4 of the input, which is already in memory.
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let groups = text.len() / 4;
    for (g, group) in text.chunks_exact(4).enumerate() {
        let start = g * 4;
        // Only the last group may hold padding, and only in its last one or two places.
        let pads = if g + 1 == groups {
            group.iter().rev().take_while(|&&c| c == PAD).count()
        } else {
            0
        };
        if pads > 2 {
            return Err(Base64Error::InvalidPadding {
                offset: start + 4 - pads,
            });
        }
        let mut bits = 0u32;
        for (i, &c) in group[..4 - pads].iter().enumerate() {
            let v = match value(c) {
                Some(v) => v,
                None if c == PAD => return Err(Base64Error::InvalidPadding { offset: start + i }),
                None => {
                    return Err(Base64Error::InvalidByte {
                        offset: start + i,
                        byte: c,
                    })
                }
            };
            bits |= u32::from(v) << (18 - 6 * i);
        }
        // 4 - pads characters carry 3 - pads whole bytes; what is left over must be zero.
        let bytes = bits.to_be_bytes();
        let kept = 3 - pads;
        if bits & (0x00FF_FFFF >> (8 * kept)) != 0 {
            return Err(Base64Error::NonZeroPaddingBits {
                offset: start + 3 - pads,
            });
        }
        out.extend_from_slice(&bytes[1..1 + kept]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc_4648_section_10_vectors_encode() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn rfc_4648_section_10_vectors_decode() {
        for (plain, encoded) in VECTORS {
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes(), "{encoded:?}");
        }
    }

    #[test]
    fn every_alphabet_character_and_every_byte_round_trip() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        // 48 bytes whose encoding is exactly the alphabet in order.
        let alphabet = std::str::from_utf8(ALPHABET).unwrap();
        assert_eq!(encode(&decode(alphabet).unwrap()), alphabet);
    }

    #[test]
    fn round_trips_for_every_length_up_to_100() {
        for len in 0..100u32 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(text.len(), bytes.len().div_ceil(3) * 4);
            assert_eq!(decode(&text).unwrap(), bytes);
        }
    }

    #[test]
    fn rejects_lengths_that_are_not_a_multiple_of_four() {
        assert_eq!(decode("Z"), Err(Base64Error::Length(1)));
        assert_eq!(decode("Zg="), Err(Base64Error::Length(3)));
        assert_eq!(decode("Zm9vY"), Err(Base64Error::Length(5)));
    }

    #[test]
    fn rejects_characters_outside_the_alphabet() {
        assert_eq!(
            decode("Zm9v\r\nYg=="),
            Err(Base64Error::Length(10)),
            "line breaks are not skipped"
        );
        assert_eq!(
            decode("Zm 9"),
            Err(Base64Error::InvalidByte {
                offset: 2,
                byte: b' '
            })
        );
        // The URL-safe alphabet (RFC 4648 §5) is a different encoding.
        assert_eq!(
            decode("ab-_"),
            Err(Base64Error::InvalidByte {
                offset: 2,
                byte: b'-'
            })
        );
        assert_eq!(
            decode("Zm9vYg\u{e9}"),
            Err(Base64Error::InvalidByte {
                offset: 6,
                byte: 0xC3
            })
        );
    }

    #[test]
    fn rejects_misplaced_padding() {
        assert_eq!(
            decode("===="),
            Err(Base64Error::InvalidPadding { offset: 0 })
        );
        assert_eq!(
            decode("Z==="),
            Err(Base64Error::InvalidPadding { offset: 1 })
        );
        assert_eq!(
            decode("Zg=a"),
            Err(Base64Error::InvalidPadding { offset: 2 })
        );
        assert_eq!(
            decode("Zg==Zg=="),
            Err(Base64Error::InvalidPadding { offset: 2 })
        );
        assert_eq!(
            decode("Z=g="),
            Err(Base64Error::InvalidPadding { offset: 1 })
        );
    }

    #[test]
    fn rejects_non_zero_padding_bits() {
        // "f" is 011001 10 + 0000; each of those four zero bits, set, is rejected.
        for c in ["Zh==", "Zi==", "Zk==", "Zo=="] {
            assert_eq!(
                decode(c),
                Err(Base64Error::NonZeroPaddingBits { offset: 1 }),
                "{c}"
            );
        }
        // "fo" leaves two padding bits.
        assert_eq!(
            decode("Zm9="),
            Err(Base64Error::NonZeroPaddingBits { offset: 2 })
        );
        assert_eq!(decode("Zm8="), Ok(b"fo".to_vec()));
    }

    #[test]
    fn a_decoded_string_always_re_encodes_to_itself() {
        // All 4-character strings over a sample of the alphabet plus '=' and a stranger:
        // whatever decodes, re-encodes to the same text (one spelling per byte string).
        let sample = b"AZaz09+/=Qgh!";
        for &a in sample {
            for &b in sample {
                for &c in sample {
                    for &d in sample {
                        let text = String::from_utf8(vec![a, b, c, d]).unwrap();
                        if let Ok(bytes) = decode(&text) {
                            assert_eq!(encode(&bytes), text);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            Base64Error::InvalidByte {
                offset: 2,
                byte: b' '
            }
            .to_string(),
            "invalid base64: byte 0x20 at offset 2"
        );
    }
}
