//! The parts of an inbound request that rules and templates look at, borrowed from the capture.

use crate::Header;

/// A request as rules see it. `path` is as it came on the request line; `query` is the raw query
/// string without `?` (percent-encoding kept); `headers` keep their wire case and order.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [Header],
    pub body: &'a [u8],
}

impl<'a> RequestView<'a> {
    /// The first header of that name, any case, as text (invalid UTF-8 rendered lossily).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(&h.value).trim().to_owned())
    }

    /// Every value of the headers of that name, any case.
    pub fn header_values(&self, name: &str) -> impl Iterator<Item = String> + '_ {
        let name = name.to_owned();
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(&name))
            .map(|h| String::from_utf8_lossy(&h.value).trim().to_owned())
    }

    /// The first query parameter of that exact name, percent-decoded (`+` reads as a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key) == name).then(|| percent_decode(value))
        })
    }
}

/// Decodes `%XX` escapes and `+` as in a form-encoded query. A malformed escape stays as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (bytes.get(i + 1).and_then(hex_value), bytes.get(i + 2).and_then(hex_value)) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: &u8) -> Option<u8> {
    char::from(*b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}
