//! Conditions of a response rule: method, path, header and JSON-field tests on the request.

use std::cell::OnceCell;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::RequestView;
use crate::endpoint::prefix_owns;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The method, any case (`POST`).
    Method { method: String },
    /// The path matches a glob: `*` is any run of characters within a segment, `**` any run across
    /// segments, `?` one character within a segment (`/orders/*/items`, `/hooks/**`).
    PathGlob { pattern: String },
    /// The path is this prefix or below it, segment-wise (`/orders` takes `/orders/1`, not `/orders2`).
    PathPrefix { prefix: String },
    /// A header of that name (any case) has exactly this value (surrounding whitespace ignored).
    HeaderEquals { name: String, value: String },
    /// A header of that name (any case) contains this text.
    HeaderContains { name: String, value: String },
    /// A header of that name (any case) is present, whatever its value.
    HeaderPresent { name: String },
    /// The body is JSON and the value at `pointer` (RFC 6901) equals `value` (numbers compare by value).
    JsonEquals {
        pointer: String,
        #[schema(value_type = Value)]
        value: serde_json::Value,
    },
    /// The body is JSON and has a value (even `null`) at `pointer`.
    JsonExists { pointer: String },
}

/// The request body parsed as JSON at most once, and only if a condition asks.
pub(crate) struct LazyJson<'a> {
    body: &'a [u8],
    parsed: OnceCell<Option<serde_json::Value>>,
}

impl<'a> LazyJson<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        Self { body, parsed: OnceCell::new() }
    }

    pub(crate) fn get(&self) -> Option<&serde_json::Value> {
        self.parsed.get_or_init(|| serde_json::from_slice(self.body).ok()).as_ref()
    }
}

impl Condition {
    pub(crate) fn matches(&self, request: &RequestView<'_>, json: &LazyJson<'_>) -> bool {
        match self {
            Condition::Method { method } => request.method.eq_ignore_ascii_case(method.trim()),
            Condition::PathGlob { pattern } => glob_matches(pattern, request.path),
            Condition::PathPrefix { prefix } => prefix_owns(prefix.trim_end_matches('/'), request.path),
            Condition::HeaderEquals { name, value } => request.header_values(name).any(|v| v == value.trim()),
            Condition::HeaderContains { name, value } => {
                request.header_values(name).any(|v| v.contains(value.as_str()))
            }
            Condition::HeaderPresent { name } => request.header_values(name).next().is_some(),
            Condition::JsonEquals { pointer, value } => {
                json.get().and_then(|doc| doc.pointer(pointer)).is_some_and(|found| json_equal(found, value))
            }
            Condition::JsonExists { pointer } => json.get().and_then(|doc| doc.pointer(pointer)).is_some(),
        }
    }

    /// A short sentence for lists: `method is POST`, `header X-Event = order.created`.
    pub fn describe(&self) -> String {
        match self {
            Condition::Method { method } => format!("method is {}", method.to_ascii_uppercase()),
            Condition::PathGlob { pattern } => format!("path matches {pattern}"),
            Condition::PathPrefix { prefix } => format!("path is under {prefix}"),
            Condition::HeaderEquals { name, value } => format!("header {name} = {value}"),
            Condition::HeaderContains { name, value } => format!("header {name} contains {value}"),
            Condition::HeaderPresent { name } => format!("header {name} is present"),
            Condition::JsonEquals { pointer, value } => format!("body {pointer} = {value}"),
            Condition::JsonExists { pointer } => format!("body has {pointer}"),
        }
    }
}

/// JSON equality where `1` and `1.0` are the same number.
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if x == y)
        }
        _ => a == b,
    }
}

/// Whether `path` matches the glob `pattern` (see `Condition::PathGlob`). Runs in O(len(pattern) ×
/// len(path)) — a table, not backtracking — so no pattern can make it slow.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let tokens = glob_tokens(pattern);
    let text: Vec<char> = path.chars().collect();
    // reach[j]: the pattern read so far can match exactly the first j characters of the path.
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for token in &tokens {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            if !reach[j] {
                continue;
            }
            match token {
                GlobToken::Literal(c) => {
                    if text.get(j) == Some(c) {
                        next[j + 1] = true;
                    }
                }
                GlobToken::One => {
                    if text.get(j).is_some_and(|c| *c != '/') {
                        next[j + 1] = true;
                    }
                }
                GlobToken::Segment => {
                    next[j] = true;
                    let mut k = j;
                    while text.get(k).is_some_and(|c| *c != '/') {
                        k += 1;
                        next[k] = true;
                    }
                }
                GlobToken::Any => next[j..].iter_mut().for_each(|cell| *cell = true),
            }
        }
        reach = next;
    }
    reach[text.len()]
}

enum GlobToken {
    Literal(char),
    One,
    Segment,
    Any,
}

fn glob_tokens(pattern: &str) -> Vec<GlobToken> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' if chars.peek() == Some(&'*') => {
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                GlobToken::Any
            }
            '*' => GlobToken::Segment,
            '?' => GlobToken::One,
            other => GlobToken::Literal(other),
        });
    }
    tokens
}
