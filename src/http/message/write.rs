//! HTTP报文 written: status lines and their reason phrases, request lines, the `Date` field,
//! and the size lines of a chunked body.

use std::time::{SystemTime, UNIX_EPOCH};

/// The standard reason phrase of a status code, as Node's `http.STATUS_CODES` has it.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        509 => "Bandwidth Limit Exceeded",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "unknown",
    }
}

/// A response head: status line, fields, empty line.
///
/// ```
/// use netnotes::http::message::status_head;
/// assert_eq!(status_head(404, &[("Content-Length", "0")]), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
/// ```
pub fn status_head<N: AsRef<str>, V: AsRef<str>>(status: u16, fields: &[(N, V)]) -> String {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in fields {
        head.push_str(name.as_ref());
        head.push_str(": ");
        head.push_str(value.as_ref());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Appends `data` as one chunk of a chunked body (RFC 9112 §7.1): its size in hex, CRLF, the
/// data, CRLF. Nothing for empty `data`: a chunk of size 0 is the last chunk, which would end
/// the body ([`LAST_CHUNK`] does that).
///
/// ```
/// let mut wire = Vec::new();
/// netnotes::http::message::push_chunk(&mut wire, b"hello, world");
/// assert_eq!(wire, b"c\r\nhello, world\r\n");
/// ```
pub fn push_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    // The size in hex, written digit by digit (`format!` would cost an allocation).
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = data.len();
    loop {
        i -= 1;
        digits[i] = b"0123456789abcdef"[n % 16];
        n /= 16;
        if n == 0 {
            break;
        }
    }
    out.reserve(digits.len() - i + data.len() + 4);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The last chunk and an empty trailer section: the end of a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// An IMF-fixdate (RFC 9110 §5.6.7), the form of the `Date` field:
/// `Mon, 30 Nov 2026 04:47:50 GMT`. std has no calendar, so the date is computed from the
/// seconds since 1970 (the days-to-civil algorithm of Howard Hinnant).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_796_014_070);
/// assert_eq!(netnotes::http::message::http_date(t), "Mon, 30 Nov 2026 04:47:50 GMT");
/// ```
pub fn http_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Days since 1970-01-01 to year, month, day (proleptic Gregorian), in eras of 400 years.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {hour:02}:{minute:02}:{second:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

/// A request head as a client writes it: the request line, the fields in the order given,
/// the empty line.
///
/// ```
/// use netnotes::http::message::request_head;
/// assert_eq!(
///     request_head("GET", "/", &[("Host", "localhost:1337")]),
///     "GET / HTTP/1.1\r\nHost: localhost:1337\r\n\r\n"
/// );
/// ```
pub fn request_head<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    target: &str,
    fields: &[(N, V)],
) -> String {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (name, value) in fields {
        head.push_str(name.as_ref());
        head.push_str(": ");
        head.push_str(value.as_ref());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn responses() {
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        let chunk = |data: &[u8]| {
            let mut wire = b"..".to_vec();
            push_chunk(&mut wire, data);
            wire
        };
        assert_eq!(chunk(&[b'x'; 12]), b"..c\r\nxxxxxxxxxxxx\r\n");
        assert_eq!(chunk(&[b'x'; 0x1f0])[..7], *b"..1f0\r\n");
        assert_eq!(chunk(b""), b"..");
    }

    #[test]
    fn request_heads_as_a_client_writes_them() {
        assert_eq!(
            request_head(
                "POST",
                "/p",
                &[("X-B", "2"), ("Host", "h:1"), ("Content-Length", "2")]
            ),
            "POST /p HTTP/1.1\r\nX-B: 2\r\nHost: h:1\r\nContent-Length: 2\r\n\r\n"
        );
    }

    #[test]
    fn dates_are_imf_fixdates() {
        let at = |secs| http_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_796_014_070), "Mon, 30 Nov 2026 04:47:50 GMT");
        assert_eq!(at(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
