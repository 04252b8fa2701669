//! Checking UTF-8 as it arrives: the text messages of the notes' WebSocket数据传输.
//!
//! RFC 6455 §5.6: a text message's payload is UTF-8, and §8.1: when an endpoint finds that
//! it is not, it MUST _Fail the WebSocket Connection_ (close code 1007). A message can be
//! split over many frames and each frame over many reads, and a character can be cut at any
//! of those boundaries. So the check is a small state machine fed piece by piece, which
//! remembers only where it is inside the current character:
//!
//! ```text
//!  Unicode §3.9, Table 3-7: the well-formed byte sequences
//!
//!  first byte    second    third     fourth
//!  00..7F
//!  C2..DF        80..BF
//!  E0            A0..BF    80..BF              E0 80..9F would be overlong
//!  E1..EC        80..BF    80..BF
//!  ED            80..9F    80..BF              ED A0..BF would be a surrogate, U+D800..DFFF
//!  EE..EF        80..BF    80..BF
//!  F0            90..BF    80..BF    80..BF    F0 80..8F would be overlong
//!  F1..F3        80..BF    80..BF    80..BF
//!  F4            80..8F    80..BF    80..BF    F4 90.. would be past U+10FFFF
//!
//!  never: 80..BF as a first byte, C0 C1 (always overlong), F5..FF (past U+10FFFF)
//! ```
//!
//! Only the second byte's range depends on the first; every later byte is 80..BF. That is
//! why the state is three small numbers, and why the validator can fail **at the first byte
//! that no valid text could contain**, not at the end of the character or of the message:
//! `F4 90` fails at the `90`. Autobahn's cases 6.3 and 6.4 test exactly this fail-fast
//! behaviour. The error it reports is the one `std::str::from_utf8` would report on the whole
//! message (same `valid_up_to`, same `error_len`), which the tests check.
//!
//! A fast validator would skip ASCII eight bytes at a time, or use SIMD; this one looks at
//! each byte once, so the work per call is proportional to the bytes fed.

use std::fmt;

/// The state of a text message's UTF-8 check, fed as its bytes arrive.
///
/// ```
/// use netnotes::ws::utf8::Utf8Validator;
/// let mut v = Utf8Validator::new();
/// // "€" is E2 82 AC; it may arrive cut anywhere.
/// v.feed(&[b'5', 0xE2]).unwrap();
/// assert!(v.finish().is_err()); // if the message ended here, it would be invalid
/// v.feed(&[0x82, 0xAC]).unwrap();
/// assert!(v.finish().is_ok());
///
/// // F4 90 would start U+110000 or above: the error comes at the 0x90, not later.
/// let mut v = Utf8Validator::new();
/// v.feed(&[0xF4]).unwrap();
/// let err = v.feed(&[0x90]).unwrap_err();
/// assert_eq!((err.valid_up_to(), err.error_len()), (0, Some(1)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    /// Continuation bytes still needed to complete the current character; 0 between characters.
    needed: u8,
    /// Bytes of the current character seen so far (its first byte and any continuations).
    seen_of_char: u8,
    /// The range the next continuation byte must be in: narrower than 80..BF only for the
    /// second byte after E0, ED, F0 and F4 (Table 3-7).
    low: u8,
    high: u8,
    /// How many bytes were fed in all, so an error can say where it is.
    total: usize,
    /// Once invalid, always invalid: the first error, repeated.
    error: Option<Utf8Error>,
}

/// Invalid UTF-8, described as [`std::str::Utf8Error`] describes it, with offsets counted
/// from the start of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Error {
    valid_up_to: usize,
    error_len: Option<u8>,
}

impl Utf8Error {
    /// How many bytes from the start of the message were valid UTF-8 (whole characters).
    pub fn valid_up_to(&self) -> usize {
        self.valid_up_to
    }

    /// As std's `error_len`: `Some(n)` when an impossible byte came, `n` being the length of
    /// the invalid sequence at `valid_up_to` (1 to 3); `None` when the message ended in the
    /// middle of a character (reported by [`Utf8Validator::finish`]).
    pub fn error_len(&self) -> Option<usize> {
        self.error_len.map(usize::from)
    }

    /// RFC 6455 §7.4.1: 1007, "data within a message that was not consistent with the type
    /// of the message (e.g., non-UTF-8 data within a text message)".
    pub fn close_code(&self) -> u16 {
        1007
    }
}

impl fmt::Display for Utf8Error {
    /// Node's `ws` says `Invalid WebSocket frame: invalid UTF-8 sequence`; we add where.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_len {
            Some(_) => write!(
                f,
                "Invalid WebSocket frame: invalid UTF-8 sequence at byte {}",
                self.valid_up_to
            ),
            None => write!(
                f,
                "Invalid WebSocket frame: incomplete UTF-8 sequence at byte {}",
                self.valid_up_to
            ),
        }
    }
}

impl std::error::Error for Utf8Error {}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub fn new() -> Utf8Validator {
        Utf8Validator::default()
    }

    /// Checks the next bytes of the message. Fails as soon as a byte makes the message invalid
    /// whatever follows; after that every call returns the same error.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Utf8Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        loop {
            // Between characters, std's validator (which checks a word of ASCII at a time)
            // takes the longest valid run in one go; the byte-by-byte state machine is left
            // for where that run stops: a character cut by the end of these bytes, or an
            // error, which it then reports exactly as it would have anyway.
            if self.needed == 0 {
                let valid = match std::str::from_utf8(bytes) {
                    Ok(_) => bytes.len(),
                    Err(e) => e.valid_up_to(),
                };
                self.total = self.total.saturating_add(valid);
                bytes = &bytes[valid..];
            }
            let Some((&byte, rest)) = bytes.split_first() else {
                return Ok(());
            };
            if let Err(err) = self.step(byte) {
                self.error = Some(err);
                return Err(err);
            }
            bytes = rest;
        }
    }

    /// Checks that the message may end here: not inside a character (nor after an error).
    pub fn finish(&self) -> Result<(), Utf8Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.needed > 0 {
            return Err(Utf8Error {
                valid_up_to: self.char_start(),
                error_len: None,
            });
        }
        Ok(())
    }

    /// Where the current, unfinished character began.
    fn char_start(&self) -> usize {
        self.total - usize::from(self.seen_of_char)
    }

    fn step(&mut self, byte: u8) -> Result<(), Utf8Error> {
        if self.needed == 0 {
            // A first byte: how many continuations follow, and the second byte's range.
            let (needed, low, high) = match byte {
                0x00..=0x7F => (0, 0, 0),
                0xC2..=0xDF => (1, 0x80, 0xBF),
                0xE0 => (2, 0xA0, 0xBF), // no overlong 3-byte forms
                0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
                0xED => (2, 0x80, 0x9F), // no surrogates
                0xF0 => (3, 0x90, 0xBF), // no overlong 4-byte forms
                0xF1..=0xF3 => (3, 0x80, 0xBF),
                0xF4 => (3, 0x80, 0x8F), // nothing past U+10FFFF
                // A stray continuation byte, C0/C1, or F5..FF: invalid on its own.
                _ => {
                    return Err(Utf8Error {
                        valid_up_to: self.total,
                        error_len: Some(1),
                    })
                }
            };
            self.needed = needed;
            self.seen_of_char = if needed > 0 { 1 } else { 0 };
            self.low = low;
            self.high = high;
        } else {
            if !(self.low..=self.high).contains(&byte) {
                // std's error_len counts the valid start of the character, not this byte.
                return Err(Utf8Error {
                    valid_up_to: self.char_start(),
                    error_len: Some(self.seen_of_char),
                });
            }
            self.needed -= 1;
            self.seen_of_char = if self.needed > 0 {
                self.seen_of_char + 1
            } else {
                0
            };
            self.low = 0x80;
            self.high = 0xBF;
        }
        // Saturating: a message of more than usize::MAX bytes only blurs the offset.
        self.total = self.total.saturating_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::test_rng::XorShift;

    /// Feeds `bytes` split at the given points; returns what the validator concluded, in
    /// the shape of `std::str::from_utf8`'s answer on the whole.
    fn validate_in_pieces(bytes: &[u8], splits: &[usize]) -> Result<(), Utf8Error> {
        let mut v = Utf8Validator::new();
        let mut start = 0;
        for &end in splits.iter().chain(std::iter::once(&bytes.len())) {
            v.feed(&bytes[start..end])?;
            start = end;
        }
        v.finish()
    }

    fn std_answer(bytes: &[u8]) -> Result<(), Utf8Error> {
        std::str::from_utf8(bytes)
            .map(|_| ())
            .map_err(|e| Utf8Error {
                valid_up_to: e.valid_up_to(),
                error_len: e.error_len().map(|n| n as u8),
            })
    }

    /// The fail-fast property, derived from std's documentation of `error_len`: `None` means
    /// "the end of the input was reached unexpectedly" (more bytes could still make it
    /// valid), `Some` means "an unexpected byte was encountered" (nothing can). So the earliest
    /// moment the message is certainly invalid is the first index `i` for which
    /// `from_utf8(&bytes[..=i])` fails with `error_len().is_some()`, and fed one byte at a
    /// time the validator must fail exactly there, with the same error, and at no byte before.
    fn check_fail_fast(bytes: &[u8]) {
        let expected_index = (0..bytes.len())
            .find(|&i| std::str::from_utf8(&bytes[..=i]).is_err_and(|e| e.error_len().is_some()));
        let mut v = Utf8Validator::new();
        let mut failed_at = None;
        for (i, &b) in bytes.iter().enumerate() {
            if let Err(err) = v.feed(&[b]) {
                assert_eq!(Err(err), std_answer(&bytes[..=i]), "{bytes:02X?}");
                failed_at = Some(i);
                break;
            }
        }
        assert_eq!(failed_at, expected_index, "{bytes:02X?}");
        // And finish() agrees with std on the whole.
        assert_eq!(
            validate_in_pieces(bytes, &[]),
            std_answer(bytes),
            "{bytes:02X?}"
        );
    }

    #[test]
    fn valid_text_of_every_width_passes() {
        let text = "a ¢ € 𐍈 U+FFFF:\u{FFFF} U+10FFFF:\u{10FFFF} U+D7FF:\u{D7FF} U+E000:\u{E000}";
        assert_eq!(validate_in_pieces(text.as_bytes(), &[]), Ok(()));
    }

    #[test]
    fn every_scalar_value_passes_and_every_surrogate_fails() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(validate_in_pieces(bytes, &[]), Ok(()), "{c:?}");
        }
        // U+D800..U+DFFF as (forbidden) 3-byte sequences: ED A0..BF xx fails at the second byte.
        for second in 0xA0..=0xBFu8 {
            let mut v = Utf8Validator::new();
            v.feed(&[0xED]).unwrap();
            assert!(v.feed(&[second]).is_err());
        }
    }

    #[test]
    fn overlong_and_out_of_range_forms_fail_at_the_earliest_byte() {
        // (bytes, index of the byte that fails)
        let cases: &[(&[u8], usize)] = &[
            (&[0xC0, 0x80], 0),       // overlong NUL: C0 is never valid
            (&[0xC1, 0xBF], 0),       // overlong U+007F
            (&[0xE0, 0x80, 0x80], 1), // overlong 3-byte NUL
            (&[0xE0, 0x9F, 0xBF], 1), // overlong U+07FF
            (&[0xF0, 0x80, 0x80, 0x80], 1),
            (&[0xF0, 0x8F, 0xBF, 0xBF], 1), // overlong U+FFFF
            (&[0xF4, 0x90, 0x80, 0x80], 1), // U+110000
            (&[0xED, 0xA0, 0x80], 1),       // U+D800, a surrogate
            (&[0xED, 0xBF, 0xBF], 1),       // U+DFFF
            (&[0xF5, 0x80, 0x80, 0x80], 0), // F5..FF never appear
            (&[0xFF], 0),
            (&[0x80], 0), // a continuation with nothing to continue
            (&[b'a', 0xE2, 0x82, b'b'], 3),
            (
                &[
                    0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0,
                    0x80,
                ],
                12,
            ),
        ];
        for &(bytes, at) in cases {
            let mut v = Utf8Validator::new();
            for (i, &b) in bytes.iter().enumerate() {
                let result = v.feed(&[b]);
                assert_eq!(result.is_err(), i == at, "{bytes:02X?} at {i}");
                if result.is_err() {
                    break;
                }
            }
            check_fail_fast(bytes);
        }
    }

    #[test]
    fn a_message_may_not_end_inside_a_character() {
        for bytes in [
            &[0xC2][..],
            &[0xE2, 0x82],
            &[0xF0, 0x9F, 0x98],
            &[b'a', 0xF4],
        ] {
            let mut v = Utf8Validator::new();
            assert_eq!(v.feed(bytes), Ok(()));
            let err = v.finish().unwrap_err();
            assert_eq!(Err(err), std_answer(bytes));
            assert_eq!(err.error_len(), None);
        }
    }

    #[test]
    fn an_error_sticks() {
        let mut v = Utf8Validator::new();
        let err = v.feed(b"ok\xFFok").unwrap_err();
        assert_eq!(err.valid_up_to(), 2);
        assert_eq!(v.feed(b"fine"), Err(err));
        assert_eq!(v.finish(), Err(err));
        assert_eq!(err.close_code(), 1007);
        assert_eq!(
            err.to_string(),
            "Invalid WebSocket frame: invalid UTF-8 sequence at byte 2"
        );
    }

    #[test]
    fn all_sequences_of_up_to_three_interesting_bytes_fail_fast_like_std() {
        // The bytes where Table 3-7's ranges begin and end, plus ASCII.
        let interesting: Vec<u8> = vec![
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        let mut bytes = Vec::new();
        for &a in &interesting {
            for &b in &interesting {
                for &c in &interesting {
                    bytes.clear();
                    bytes.extend_from_slice(&[a, b, c]);
                    check_fail_fast(&bytes);
                    check_fail_fast(&bytes[..2]);
                }
            }
        }
    }

    #[test]
    fn random_messages_agree_with_std_at_every_split() {
        let mut rng = XorShift::new(0x5EED_0006);
        let pieces: [&[u8]; 10] = [
            b"a",
            "é".as_bytes(),
            "€".as_bytes(),
            "𝄞".as_bytes(),
            &[0x80],
            &[0xE0],
            &[0xED, 0xA0],
            &[0xF4, 0x90],
            &[0xF0, 0x9F],
            &[0xC0],
        ];
        for _ in 0..3000 {
            // Mostly valid text with the odd wrong or cut piece, and some pure noise.
            let mut bytes = Vec::new();
            let n = rng.below(12);
            for _ in 0..n {
                if rng.below(8) == 0 {
                    bytes.push(rng.next_u64() as u8);
                } else {
                    let p = if rng.below(3) == 0 {
                        rng.below(10)
                    } else {
                        rng.below(4)
                    };
                    bytes.extend_from_slice(pieces[p]);
                }
            }
            let expected = std_answer(&bytes);
            for split in 0..=bytes.len() {
                assert_eq!(
                    validate_in_pieces(&bytes, &[split]),
                    expected,
                    "{bytes:02X?} / {split}"
                );
            }
            // Three-way splits too.
            let a = rng.below(bytes.len() + 1);
            let b = a + rng.below(bytes.len() - a + 1);
            assert_eq!(validate_in_pieces(&bytes, &[a, b]), expected);
            check_fail_fast(&bytes);
        }
    }
}
