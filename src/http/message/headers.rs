//! HTTP报文 as Node presents it: the `headers` object (repeated fields merged by Node's
//! rules), `rawHeaders`, and `JSON.stringify(headers)`.

use super::Fields;

/// A value of Node's `req.headers` / `res.headers` object: a string, or for `set-cookie` an
/// array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// One string (repeated fields joined, or the first kept).
    One(String),
    /// `set-cookie`: every value, in order.
    Many(Vec<String>),
}

/// Fields of which Node keeps only the first when they are repeated
/// (`matchKnownFields` in Node's `lib/_http_incoming.js`).
const FIRST_WINS: [&str; 18] = [
    "age",
    "authorization",
    "content-length",
    "content-type",
    "etag",
    "expires",
    "from",
    "host",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "proxy-authorization",
    "referer",
    "retry-after",
    "server",
    "user-agent",
];

/// Node's `message.headers`: names lowercased, in order of first appearance, repeated fields
/// merged by Node's rules — `set-cookie` is an array, `cookie` is joined with `; `, the fields
/// in `FIRST_WINS` keep their first value, and every other field is joined with `, `.
///
/// ```
/// use netnotes::http::message::{headers_object, Fields, HeaderValue};
/// let fields = Fields::from_pairs([("Accept", "a"), ("accept", "b"), ("Host", "x"), ("HOST", "y")]);
/// assert_eq!(headers_object(&fields), [
///     ("accept".to_string(), HeaderValue::One("a, b".into())),
///     ("host".to_string(), HeaderValue::One("x".into())),
/// ]);
/// ```
pub fn headers_object(fields: &Fields) -> Vec<(String, HeaderValue)> {
    let mut object: Vec<(String, HeaderValue)> = Vec::new();
    for (name, value) in fields {
        let name = name.to_ascii_lowercase();
        let existing = object.iter_mut().find(|(n, _)| *n == name);
        match (existing, name.as_str()) {
            (None, "set-cookie") => object.push((name, HeaderValue::Many(vec![value.into()]))),
            (None, _) => object.push((name, HeaderValue::One(value.into()))),
            (Some((_, HeaderValue::Many(values))), _) => values.push(value.into()),
            (Some((_, HeaderValue::One(joined))), "cookie") => {
                joined.push_str("; ");
                joined.push_str(value);
            }
            (Some(_), n) if FIRST_WINS.contains(&n) => {}
            (Some((_, HeaderValue::One(joined))), _) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
        }
    }
    object
}

/// Node's `message.rawHeaders`: names and values as sent, alternating, in order.
pub fn raw_headers(fields: &Fields) -> Vec<&str> {
    fields.iter().flat_map(|(n, v)| [n, v]).collect()
}

/// `JSON.stringify(headers)` for a headers object: `{"host":"a","set-cookie":["x","y"]}`.
pub fn headers_json(object: &[(String, HeaderValue)]) -> String {
    use crate::inspect::json_string;
    let entries: Vec<String> = object
        .iter()
        .map(|(name, value)| {
            let value = match value {
                HeaderValue::One(v) => json_string(v),
                HeaderValue::Many(vs) => {
                    let items: Vec<String> = vs.iter().map(|v| json_string(v)).collect();
                    format!("[{}]", items.join(","))
                }
            };
            format!("{}:{value}", json_string(name))
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_merge_by_node_s_rules() {
        let fields = Fields::from_pairs([
            ("Set-Cookie", "a=1"),
            ("Cookie", "x=1"),
            ("Content-Type", "text/plain"),
            ("X-Many", "1"),
            ("set-cookie", "b=2"),
            ("cookie", "y=2"),
            ("content-type", "text/html"),
            ("x-many", "2"),
        ]);
        assert_eq!(
            headers_object(&fields),
            [
                (
                    "set-cookie".to_string(),
                    HeaderValue::Many(vec!["a=1".into(), "b=2".into()])
                ),
                ("cookie".to_string(), HeaderValue::One("x=1; y=2".into())),
                (
                    "content-type".to_string(),
                    HeaderValue::One("text/plain".into())
                ),
                ("x-many".to_string(), HeaderValue::One("1, 2".into())),
            ]
        );
    }

    #[test]
    fn headers_as_json_stringify_writes_them() {
        let object = vec![
            ("host".to_string(), HeaderValue::One("a\"b".into())),
            (
                "set-cookie".to_string(),
                HeaderValue::Many(vec!["x".into(), "y".into()]),
            ),
        ];
        assert_eq!(
            headers_json(&object),
            r#"{"host":"a\"b","set-cookie":["x","y"]}"#
        );
    }
}
