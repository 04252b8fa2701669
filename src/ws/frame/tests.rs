//! The frame functions against RFC 6455's examples and rules, byte for byte.

use super::*;

const MAX: u64 = crate::ws::connection::MAX_MESSAGE_BYTES as u64;
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn parse(buf: &[u8], role: Role) -> Result<Option<FrameHeader>, FrameError> {
    parse_header(buf, role, MAX)
}

/// Parses a complete header, checks that every shorter prefix is "need more", and that
/// encoding the header gives the same bytes back.
fn parse_whole(bytes: &[u8], role: Role) -> FrameHeader {
    let header = parse(bytes, role).unwrap().expect("a complete header");
    for cut in 0..header.header_len {
        assert_eq!(
            parse(&bytes[..cut], role),
            Ok(None),
            "prefix of {cut} bytes"
        );
    }
    assert_eq!(
        encode_header(header.fin, header.opcode, header.mask, header.payload_len),
        bytes[..header.header_len]
    );
    header
}

// RFC 6455 §5.7, the examples, byte for byte.

#[test]
fn rfc_6455_5_7_single_frame_unmasked_text() {
    let bytes = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let h = parse_whole(&bytes, Role::Client);
    assert_eq!(
        h,
        FrameHeader {
            fin: true,
            opcode: Opcode::Text,
            mask: None,
            payload_len: 5,
            header_len: 2,
        }
    );
    assert_eq!(&bytes[2..], b"Hello");
    assert_eq!(encode_frame(true, Opcode::Text, b"Hello", None), bytes);
}

#[test]
fn rfc_6455_5_7_single_frame_masked_text() {
    let bytes = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let h = parse_whole(&bytes, Role::Server);
    assert_eq!((h.fin, h.opcode, h.mask), (true, Opcode::Text, Some(KEY)));
    assert_eq!((h.payload_len, h.header_len), (5, 6));
    let mut payload = bytes[6..].to_vec();
    apply_mask(&mut payload, KEY, 0);
    assert_eq!(payload, b"Hello");
    assert_eq!(encode_frame(true, Opcode::Text, b"Hello", Some(KEY)), bytes);
}

#[test]
fn rfc_6455_5_7_fragmented_unmasked_text() {
    let first = [0x01, 0x03, 0x48, 0x65, 0x6c];
    let last = [0x80, 0x02, 0x6c, 0x6f];
    let h = parse_whole(&first, Role::Client);
    assert_eq!((h.fin, h.opcode, h.payload_len), (false, Opcode::Text, 3));
    let h = parse_whole(&last, Role::Client);
    assert_eq!(
        (h.fin, h.opcode, h.payload_len),
        (true, Opcode::Continuation, 2)
    );
    assert_eq!(encode_frame(false, Opcode::Text, b"Hel", None), first);
    assert_eq!(encode_frame(true, Opcode::Continuation, b"lo", None), last);
}

#[test]
fn rfc_6455_5_7_unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let h = parse_whole(&ping, Role::Client);
    assert_eq!((h.opcode, h.payload_len), (Opcode::Ping, 5));
    assert_eq!(encode_frame(true, Opcode::Ping, b"Hello", None), ping);

    let pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let h = parse_whole(&pong, Role::Server);
    assert_eq!(
        (h.opcode, h.mask, h.payload_len),
        (Opcode::Pong, Some(KEY), 5)
    );
    assert_eq!(encode_frame(true, Opcode::Pong, b"Hello", Some(KEY)), pong);
}

#[test]
fn rfc_6455_5_7_256_bytes_binary_uses_the_16_bit_length() {
    let payload = [0xAB; 256];
    let frame = encode_frame(true, Opcode::Binary, &payload, None);
    assert_eq!(frame[..4], [0x82, 0x7E, 0x01, 0x00]);
    assert_eq!(frame.len(), 4 + 256);
    let h = parse_whole(&frame, Role::Client);
    assert_eq!(
        (h.opcode, h.payload_len, h.header_len),
        (Opcode::Binary, 256, 4)
    );
}

#[test]
fn rfc_6455_5_7_64_kib_binary_uses_the_64_bit_length() {
    let payload = vec![0xCD; 65536];
    let frame = encode_frame(true, Opcode::Binary, &payload, None);
    assert_eq!(
        frame[..10],
        [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
    );
    let h = parse_whole(&frame, Role::Client);
    assert_eq!((h.payload_len, h.header_len), (65536, 10));
}

#[test]
fn lengths_at_the_edges_of_each_form_round_trip() {
    // (payload length, header length without a mask)
    for (len, header_len) in [
        (0, 2),
        (125, 2),
        (126, 4),
        (0xFFFF, 4),
        (0x1_0000, 10),
        (MAX, 10),
        (i64::MAX as u64, 10),
    ] {
        for (role, mask) in [(Role::Client, None), (Role::Server, Some(KEY))] {
            let bytes = encode_header(true, Opcode::Binary, mask, len);
            let extra = if mask.is_some() { 4 } else { 0 };
            assert_eq!(bytes.len(), header_len + extra, "{len}");
            let h = parse_header(&bytes, role, u64::MAX).unwrap().unwrap();
            assert_eq!(
                (h.payload_len, h.mask, h.header_len),
                (len, mask, bytes.len())
            );
            for cut in 0..bytes.len() {
                assert_eq!(parse_header(&bytes[..cut], role, u64::MAX), Ok(None));
            }
        }
    }
}

#[test]
fn a_header_followed_by_more_bytes_reads_only_the_header() {
    let mut bytes = encode_frame(true, Opcode::Text, b"Hello", None);
    bytes.extend_from_slice(&encode_frame(true, Opcode::Text, b"again", None));
    let h = parse(&bytes, Role::Client).unwrap().unwrap();
    assert_eq!((h.header_len, h.payload_len), (2, 5));
}

// RFC 6455 §5.2: RSV bits and opcodes.

#[test]
fn rsv_bits_are_refused_from_the_first_byte() {
    for (b0, bits, text) in [
        (0xC1, 0b100, "RSV1 must be clear"),
        (0xA1, 0b010, "RSV2 and RSV3 must be clear"),
        (0x91, 0b001, "RSV2 and RSV3 must be clear"),
        (0xF1, 0b111, "RSV1 must be clear"),
    ] {
        let err = parse(&[b0], Role::Client).unwrap_err();
        assert_eq!(err, FrameError::ReservedBitsSet(bits));
        assert_eq!(err.close_code(), 1002);
        assert_eq!(err.to_string(), format!("Invalid WebSocket frame: {text}"));
        assert_eq!(parse(&[b0, 0x00], Role::Client), Err(err));
    }
}

#[test]
fn reserved_opcodes_are_refused() {
    for op in (0x3..=0x7).chain(0xB..=0xF) {
        let err = parse(&[0x80 | op], Role::Server).unwrap_err();
        assert_eq!(err, FrameError::ReservedOpcode(op));
        assert_eq!(err.close_code(), 1002);
        assert_eq!(Opcode::from_u8(op), None);
    }
    assert_eq!(
        FrameError::ReservedOpcode(11).to_string(),
        "Invalid WebSocket frame: invalid opcode 11"
    );
}

#[test]
fn every_opcode_round_trips_and_only_close_ping_pong_are_control() {
    for value in 0..16 {
        if let Some(op) = Opcode::from_u8(value) {
            assert_eq!(op.as_u8(), value);
            assert_eq!(
                op.is_control(),
                matches!(op, Opcode::Close | Opcode::Ping | Opcode::Pong)
            );
        }
    }
}

// RFC 6455 §5.5: control frames.

#[test]
fn control_frames_must_not_be_fragmented() {
    for op in [Opcode::Close, Opcode::Ping, Opcode::Pong] {
        let err = parse(&[op.as_u8()], Role::Client).unwrap_err();
        assert_eq!(err, FrameError::FragmentedControlFrame(op));
        assert_eq!(err.close_code(), 1002);
    }
    // Data frames may be.
    for op in [Opcode::Text, Opcode::Binary, Opcode::Continuation] {
        assert_eq!(parse(&[op.as_u8()], Role::Client), Ok(None));
    }
}

#[test]
fn control_payloads_are_at_most_125_bytes() {
    for op in [Opcode::Close, Opcode::Ping, Opcode::Pong] {
        let b0 = 0x80 | op.as_u8();
        assert!(parse(&[b0, 125], Role::Client).is_ok());
        for len7 in [126, 127] {
            let err = parse(&[b0, len7], Role::Client).unwrap_err();
            assert_eq!(err, FrameError::ControlFrameTooLong(op, len7));
            assert_eq!(err.close_code(), 1002);
        }
    }
    assert_eq!(
        FrameError::ControlFrameTooLong(Opcode::Ping, 126).to_string(),
        "Invalid WebSocket frame: invalid payload length 126"
    );
}

// RFC 6455 §5.1: masking by role.

#[test]
fn a_server_refuses_unmasked_frames_and_a_client_masked_ones() {
    let err = parse(&[0x81, 0x05], Role::Server).unwrap_err();
    assert_eq!(err, FrameError::UnmaskedFrameFromClient);
    assert_eq!(err.to_string(), "Invalid WebSocket frame: MASK must be set");
    let err = parse(&[0x81, 0x85], Role::Client).unwrap_err();
    assert_eq!(err, FrameError::MaskedFrameFromServer);
    assert_eq!(
        err.to_string(),
        "Invalid WebSocket frame: MASK must be clear"
    );
    assert_eq!(err.close_code(), 1002);
}

// RFC 6455 §5.2: the payload length.

#[test]
fn a_64_bit_length_with_its_top_bit_set_is_refused() {
    let mut bytes = vec![0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        parse(&bytes, Role::Client),
        Err(FrameError::LengthHighBitSet)
    );
    bytes[2] = 0xFF;
    assert_eq!(
        parse_header(&bytes, Role::Client, u64::MAX),
        Err(FrameError::LengthHighBitSet)
    );
    // Not decided until all 8 length bytes are in.
    assert_eq!(parse(&bytes[..9], Role::Client), Ok(None));
}

#[test]
fn lengths_not_in_their_shortest_form_are_refused() {
    for len in [0u16, 5, 125] {
        let mut bytes = vec![0x82, 0x7E];
        bytes.extend_from_slice(&len.to_be_bytes());
        assert_eq!(
            parse(&bytes, Role::Client),
            Err(FrameError::NonMinimalLength {
                payload_len: u64::from(len),
                length_bytes: 2
            })
        );
    }
    for len in [0u64, 125, 126, 0xFFFF] {
        let mut bytes = vec![0x82, 0x7F];
        bytes.extend_from_slice(&len.to_be_bytes());
        let err = parse(&bytes, Role::Client).unwrap_err();
        assert_eq!(
            err,
            FrameError::NonMinimalLength {
                payload_len: len,
                length_bytes: 8
            }
        );
        assert_eq!(err.close_code(), 1002);
    }
}

#[test]
fn a_payload_over_the_limit_is_refused_with_1009() {
    let bytes = encode_header(true, Opcode::Binary, None, 1000);
    assert!(parse_header(&bytes, Role::Client, 1000).unwrap().is_some());
    let err = parse_header(&bytes, Role::Client, 999).unwrap_err();
    assert_eq!(
        err,
        FrameError::PayloadTooBig {
            payload_len: 1000,
            max: 999
        }
    );
    assert_eq!(err.close_code(), 1009);
    assert_eq!(err.to_string(), "Max payload size exceeded");
    // Decided from the length, before the masking key arrives.
    let masked = encode_header(true, Opcode::Binary, Some(KEY), 1000);
    assert_eq!(parse_header(&masked[..4], Role::Server, 999), Err(err));
    // A limit of 0 allows only empty frames.
    assert!(parse_header(&[0x82, 0x00], Role::Client, 0)
        .unwrap()
        .is_some());
}

// RFC 6455 §5.3: masking.

#[test]
fn masking_in_pieces_matches_masking_at_once() {
    let original: Vec<u8> = (0..=40).collect();
    let mut whole = original.clone();
    apply_mask(&mut whole, KEY, 0);
    for i in 0..original.len() {
        assert_eq!(whole[i], original[i] ^ KEY[i % 4]);
    }
    for a in 0..=original.len() {
        for b in a..=original.len() {
            let mut pieces = original.clone();
            apply_mask(&mut pieces[..a], KEY, 0);
            apply_mask(&mut pieces[a..b], KEY, a);
            apply_mask(&mut pieces[b..], KEY, b);
            assert_eq!(pieces, whole, "splits {a} {b}");
        }
    }
    // Masking twice unmasks.
    apply_mask(&mut whole, KEY, 0);
    assert_eq!(whole, original);
}

#[test]
fn a_huge_offset_does_not_overflow() {
    let mut data = [0u8; 8];
    apply_mask(&mut data, KEY, usize::MAX); // usize::MAX % 4 == 3
    assert_eq!(
        data,
        [KEY[3], KEY[0], KEY[1], KEY[2], KEY[3], KEY[0], KEY[1], KEY[2]]
    );
}

// RFC 6455 §5.5.1 and §7.4: close payloads.

#[test]
fn close_bodies_empty_code_only_and_code_with_reason() {
    assert_eq!(
        parse_close(b""),
        Ok(ClosePayload {
            code: None,
            reason: ""
        })
    );
    assert_eq!(
        parse_close(&[0x03, 0xE8]),
        Ok(ClosePayload {
            code: Some(1000),
            reason: ""
        })
    );
    assert_eq!(
        parse_close(&[&[0x0F, 0xA0], "héllo".as_bytes()].concat()),
        Ok(ClosePayload {
            code: Some(4000),
            reason: "héllo"
        })
    );
}

#[test]
fn a_one_byte_close_body_is_a_protocol_error() {
    let err = parse_close(&[0x03]).unwrap_err();
    assert_eq!(err, FrameError::CloseBodyOneByte);
    assert_eq!(err.close_code(), 1002);
}

#[test]
fn every_close_code_is_checked_against_section_7_4() {
    for code in 0..=u16::MAX {
        let valid = (1000..=1003).contains(&code)
            || (1007..=1014).contains(&code)
            || (3000..=4999).contains(&code);
        assert_eq!(close_code_is_valid(code), valid, "{code}");
        let bytes = code.to_be_bytes();
        let result = parse_close(&bytes);
        if valid {
            assert_eq!(result.unwrap().code, Some(code));
        } else {
            let err = result.unwrap_err();
            assert_eq!(err, FrameError::InvalidCloseCode(code));
            assert_eq!(err.close_code(), 1002);
        }
    }
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert!(!close_code_is_valid(code), "{code}");
    }
    assert_eq!(
        FrameError::InvalidCloseCode(1005).to_string(),
        "Invalid WebSocket frame: invalid status code 1005"
    );
}

#[test]
fn a_close_reason_that_is_not_utf8_is_1007() {
    let err = parse_close(&[0x03, 0xE8, b'o', b'k', 0xFF]).unwrap_err();
    assert!(matches!(err, FrameError::CloseReasonNotUtf8(e) if e.valid_up_to() == 2));
    assert_eq!(err.close_code(), 1007);
    // Cut in the middle of a character is invalid too: the frame is the whole reason.
    let err = parse_close(&[0x03, 0xE8, 0xE2, 0x82]).unwrap_err();
    assert_eq!(err.close_code(), 1007);
    // The code is checked first.
    assert_eq!(
        parse_close(&[0x03, 0xED, 0xFF]),
        Err(FrameError::InvalidCloseCode(1005))
    );
}

#[test]
fn close_payloads_round_trip_and_fit_a_control_frame() {
    let payload = close_payload(1000, "bye");
    assert_eq!(payload, [0x03, 0xE8, b'b', b'y', b'e']);
    assert_eq!(
        parse_close(&payload),
        Ok(ClosePayload {
            code: Some(1000),
            reason: "bye"
        })
    );
    for reason in ["x".repeat(200), "€".repeat(60), "😀".repeat(40)] {
        let payload = close_payload(1001, &reason);
        assert!(payload.len() as u64 <= MAX_CONTROL_PAYLOAD);
        let parsed = parse_close(&payload).unwrap();
        assert!(reason.starts_with(parsed.reason));
        // Cut no more than one character short of the limit.
        assert!(parsed.reason.len() + 4 > MAX_CLOSE_REASON);
    }
    assert_eq!(close_payload(1000, &"a".repeat(123)).len(), 125);
}

#[test]
fn close_codes_have_their_section_7_4_1_names() {
    for (code, meaning) in [
        (1000, "normal closure"),
        (1001, "going away"),
        (1002, "protocol error"),
        (1003, "unsupported data"),
        (1005, "no status received"),
        (1006, "abnormal closure"),
        (1007, "invalid frame payload data"),
        (1008, "policy violation"),
        (1009, "message too big"),
        (1010, "mandatory extension"),
        (1011, "internal error"),
        (1012, "service restart"),
        (1013, "try again later"),
        (1014, "bad gateway"),
        (1015, "TLS handshake"),
        (3000, "registered with IANA"),
        (4999, "private use"),
        (5000, "not a close code"),
        (999, "not used"),
        (2000, "reserved for the WebSocket protocol"),
    ] {
        assert_eq!(close_code_meaning(code), meaning, "{code}");
    }
}
