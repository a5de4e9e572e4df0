//! The response template language: text with `{{ expression }}` holes, parsed once into parts.
//!
//! Variables: `request.method`, `request.path`, `request.query.NAME`, `request.header.NAME` (any
//! case), `request.body`, `request.json./pointer` (RFC 6901; `request.json.` alone is the whole
//! body), `capture.id`, `now` (RFC 3339), `uuid` (v4), `random.int MIN MAX` (inclusive).
//! Filter: `| json` writes the value as a JSON value — text becomes a quoted, escaped string, a JSON
//! field keeps its type, and a missing value becomes `null`. Without the filter a missing value is
//! empty, a JSON string is written without quotes and other JSON values as JSON.
//! `\{{` writes a literal `{{`. Unknown variables and filters are parse errors, never silently empty.

use std::cell::OnceCell;
use std::fmt;

use rand::{Rng, RngCore};

use super::RequestView;
use crate::CaptureId;
use crate::Timestamp;
use crate::clock::format_rfc3339;

/// A parse error: `offset` is the byte offset in the source; `line` and `column` (1-based, in
/// characters) say the same for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for TemplateError {}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Hole { var: Var, json: usize },
}

#[derive(Debug, Clone, PartialEq)]
enum Var {
    Method,
    Path,
    Query(String),
    Header(String),
    Body,
    Json(String),
    CaptureId,
    Now,
    Uuid,
    RandomInt(i64, i64),
}

/// What a template renders against. The RNG serves `uuid` and `random.int` (and response delays).
pub struct RenderContext<'a> {
    pub request: RequestView<'a>,
    /// `None` before the capture is stored; `{{capture.id}}` is then empty.
    pub capture_id: Option<CaptureId>,
    pub now: Timestamp,
    pub rng: &'a mut dyn RngCore,
    json: OnceCell<Option<serde_json::Value>>,
}

impl<'a> RenderContext<'a> {
    pub fn new(
        request: RequestView<'a>,
        capture_id: Option<CaptureId>,
        now: Timestamp,
        rng: &'a mut dyn RngCore,
    ) -> Self {
        Self { request, capture_id, now, rng, json: OnceCell::new() }
    }

    fn body_json(&self) -> Option<&serde_json::Value> {
        self.json.get_or_init(|| serde_json::from_slice(self.request.body).ok()).as_ref()
    }
}

const KNOWN: &str = "request.method, request.path, request.query.NAME, request.header.NAME, request.body, \
                     request.json./pointer, capture.id, now, uuid, random.int MIN MAX";

impl Template {
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let error = |offset: usize, message: String| {
            let before = source.get(..offset).unwrap_or(source);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            TemplateError { offset, line, column, message }
        };
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut pos = 0;
        while let Some(found) = source.get(pos..).and_then(|rest| rest.find("{{")) {
            let open = pos + found;
            if open > pos && source.as_bytes().get(open - 1) == Some(&b'\\') {
                text.push_str(source.get(pos..open - 1).unwrap_or_default());
                text.push_str("{{");
                pos = open + 2;
                continue;
            }
            text.push_str(source.get(pos..open).unwrap_or_default());
            let inner_start = open + 2;
            let close = source
                .get(inner_start..)
                .and_then(|rest| rest.find("}}"))
                .map(|i| inner_start + i)
                .ok_or_else(|| error(open, "this '{{' is never closed with '}}'".to_owned()))?;
            let (var, json) = parse_hole(source, inner_start, close).map_err(|(at, msg)| error(at, msg))?;
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Hole { var, json });
            pos = close + 2;
        }
        text.push_str(source.get(pos..).unwrap_or_default());
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// Whether the template has no holes (renders to the same text every time).
    pub fn is_constant(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    pub fn render(&self, ctx: &mut RenderContext<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Hole { var, json } => {
                    let mut value = evaluate(var, ctx);
                    for _ in 0..*json {
                        value = Value::Text(value.into_json().to_string());
                    }
                    value.write(&mut out);
                }
            }
        }
        out
    }
}

/// Whitespace-separated tokens of `source[start..end]` with their byte offsets in `source`.
fn tokens(source: &str, start: usize, end: usize) -> Vec<(usize, &str)> {
    let slice = source.get(start..end).unwrap_or_default();
    let mut out = Vec::new();
    let mut token_start = None;
    for (i, c) in slice.char_indices() {
        match (c.is_whitespace(), token_start) {
            (true, Some(s)) => {
                out.push((start + s, slice.get(s..i).unwrap_or_default()));
                token_start = None;
            }
            (false, None) => token_start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = token_start {
        out.push((start + s, slice.get(s..).unwrap_or_default()));
    }
    out
}

type ParseFailure = (usize, String);

/// Parses `source[start..end]`, the inside of one `{{ … }}`: a variable, its arguments, filters.
fn parse_hole(source: &str, start: usize, end: usize) -> Result<(Var, usize), ParseFailure> {
    let inner = source.get(start..end).unwrap_or_default();
    let mut sections = Vec::new();
    let mut section_start = start;
    for (i, c) in inner.char_indices() {
        if c == '|' {
            sections.push((section_start, start + i));
            section_start = start + i + 1;
        }
    }
    sections.push((section_start, end));
    let mut sections = sections.into_iter();
    let (head_start, head_end) = sections.next().unwrap_or((start, end));
    let head = tokens(source, head_start, head_end);
    let Some(&(name_at, name)) = head.first() else {
        return Err((start, "empty expression: write a variable, e.g. {{request.method}}".to_owned()));
    };
    let args = head.get(1..).unwrap_or_default();
    let var = parse_var(name, name_at)?;
    let var = match var {
        Var::RandomInt(..) => parse_random_int(args, name_at)?,
        other => match args.first() {
            Some(&(at, extra)) => return Err((at, format!("'{name}' takes no arguments, found '{extra}'"))),
            None => other,
        },
    };
    let mut json = 0;
    for (filter_start, filter_end) in sections {
        match tokens(source, filter_start, filter_end).as_slice() {
            [(_, "json")] => json += 1,
            [] => return Err((filter_start, "a filter name is missing after '|' (the filter is 'json')".to_owned())),
            [(at, other)] => return Err((*at, format!("unknown filter '{other}': the filter is 'json'"))),
            [_, (at, extra), ..] => return Err((*at, format!("unexpected '{extra}' after the filter"))),
        }
    }
    Ok((var, json))
}

fn parse_var(name: &str, at: usize) -> Result<Var, ParseFailure> {
    let named = |prefix: &str, make: fn(String) -> Var| -> Option<Result<Var, ParseFailure>> {
        let rest = name.strip_prefix(prefix)?;
        Some(if rest.is_empty() {
            Err((at + name.len(), format!("'{prefix}' needs a name after the dot, e.g. {prefix}id")))
        } else {
            Ok(make(rest.to_owned()))
        })
    };
    let var = match name {
        "request.method" => Var::Method,
        "request.path" => Var::Path,
        "request.body" => Var::Body,
        "capture.id" => Var::CaptureId,
        "now" => Var::Now,
        "uuid" => Var::Uuid,
        "random.int" => Var::RandomInt(0, 0),
        _ => {
            if let Some(var) = named("request.query.", Var::Query).or_else(|| named("request.header.", Var::Header)) {
                return var;
            }
            if let Some(pointer) = name.strip_prefix("request.json.") {
                if !(pointer.is_empty() || pointer.starts_with('/')) {
                    let msg =
                        format!("'{pointer}' is not a JSON pointer: it must start with '/', e.g. request.json./id");
                    return Err((at + "request.json.".len(), msg));
                }
                return Ok(Var::Json(pointer.to_owned()));
            }
            return Err((at, format!("unknown variable '{name}'; known: {KNOWN}")));
        }
    };
    Ok(var)
}

fn parse_random_int(args: &[(usize, &str)], name_at: usize) -> Result<Var, ParseFailure> {
    let int =
        |&(at, text): &(usize, &str)| text.parse::<i64>().map_err(|_| (at, format!("'{text}' is not a whole number")));
    match args {
        [min, max] => {
            let (lo, hi) = (int(min)?, int(max)?);
            if lo > hi {
                return Err((min.0, format!("MIN ({lo}) is more than MAX ({hi})")));
            }
            Ok(Var::RandomInt(lo, hi))
        }
        [_, _, (at, extra), ..] => Err((*at, format!("random.int takes two numbers, found '{extra}' too"))),
        _ => Err((name_at, "random.int needs MIN and MAX, e.g. {{random.int 1 100}}".to_owned())),
    }
}

/// A value before it is written out.
enum Value {
    Missing,
    Text(String),
    Json(serde_json::Value),
}

impl Value {
    fn into_json(self) -> serde_json::Value {
        match self {
            Value::Missing => serde_json::Value::Null,
            Value::Text(text) => serde_json::Value::String(text),
            Value::Json(value) => value,
        }
    }

    fn write(self, out: &mut String) {
        match self {
            Value::Missing => {}
            Value::Text(text) | Value::Json(serde_json::Value::String(text)) => out.push_str(&text),
            Value::Json(value) => out.push_str(&value.to_string()),
        }
    }
}

fn evaluate(var: &Var, ctx: &mut RenderContext<'_>) -> Value {
    let request = ctx.request;
    let text = |t: Option<String>| t.map_or(Value::Missing, Value::Text);
    match var {
        Var::Method => Value::Text(request.method.to_owned()),
        Var::Path => Value::Text(request.path.to_owned()),
        Var::Query(name) => text(request.query_param(name)),
        Var::Header(name) => text(request.header(name)),
        Var::Body => Value::Text(String::from_utf8_lossy(request.body).into_owned()),
        Var::Json(pointer) => {
            ctx.body_json().and_then(|doc| doc.pointer(pointer)).cloned().map_or(Value::Missing, Value::Json)
        }
        Var::CaptureId => ctx.capture_id.map_or(Value::Missing, |id| Value::Json(id.into())),
        Var::Now => Value::Text(format_rfc3339(ctx.now)),
        Var::Uuid => Value::Text(uuid_v4(ctx.rng)),
        Var::RandomInt(lo, hi) => Value::Json(ctx.rng.random_range(*lo.min(hi)..=*hi.max(lo)).into()),
    }
}

/// A random (version 4, RFC 9562) UUID from `rng`, lower-case hyphenated.
fn uuid_v4(rng: &mut dyn RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
    format!("{}-{}-{}-{}-{}", part(0..8), part(8..12), part(12..16), part(16..20), part(20..32))
}
