//! Response rules: what an endpoint answers when no fault applies, chosen by ordered conditions and
//! rendered from small templates over the request.
//!
//! Settings are plain data (`ResponseSettings`, stored as JSON with the endpoint). `compile` checks
//! them — every problem, with a field path — and parses each template once; the engine keeps the
//! `CompiledResponses` and, per request, calls `choose_response` (which rule) and then
//! `ResponsePlan::render` (the bytes), once the capture id is known.

mod condition;
mod delay;
mod request;
mod template;
mod validate;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use condition::{Condition, glob_matches};
pub use delay::{Delay, MAX_DELAY_MS, log_normal_params};
pub use request::{RequestView, percent_decode};
pub use template::{RenderContext, Template, TemplateError};
pub use validate::{Problem, is_header_name, status_problem};

/// One header of a response as the user wrote it (`value` may be a template).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResponseHeader {
    pub name: String,
    pub value: String,
}

impl ResponseHeader {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { name: name.into(), value: value.into() }
    }
}

/// Status, headers, body and delay of a response. `body` and header values are templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResponseTemplate {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<ResponseHeader>,
    /// A template, e.g. `{"ok":true,"id":{{request.json./id | json}}}`.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub delay: Delay,
}

/// A conditional response: applies when every condition in `when` holds (an empty `when` always holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResponseRule {
    pub name: String,
    #[serde(default)]
    pub when: Vec<Condition>,
    #[serde(flatten)]
    pub respond: ResponseTemplate,
}

/// An endpoint's responses: rules tried in order, first match wins, else `default`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResponseSettings {
    #[serde(default)]
    pub rules: Vec<ResponseRule>,
    #[serde(default = "ResponseTemplate::receipt")]
    pub default: ResponseTemplate,
}

impl Default for ResponseSettings {
    fn default() -> Self {
        Self { rules: Vec::new(), default: ResponseTemplate::receipt() }
    }
}

impl ResponseTemplate {
    /// What the receiver answers out of the box: `200 {"ok":true,"capture_id":N}`.
    pub fn receipt() -> Self {
        Self {
            status: 200,
            headers: vec![ResponseHeader::new("Content-Type", "application/json")],
            body: r#"{"ok":true,"capture_id":{{capture.id | json}}}"#.to_owned(),
            delay: Delay::None,
        }
    }
}

/// A template with its parts parsed, ready to render many times.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledTemplate {
    pub status: u16,
    pub headers: Vec<(String, Template)>,
    pub body: Template,
    pub delay: Delay,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    pub name: String,
    pub when: Vec<Condition>,
    pub respond: CompiledTemplate,
}

/// `ResponseSettings` after `compile`: only valid settings get here.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledResponses {
    pub rules: Vec<CompiledRule>,
    pub default: CompiledTemplate,
}

impl ResponseSettings {
    /// Checks the settings and parses every template, or returns every problem found, each with a
    /// field path relative to the settings (`rules[1].when[0].pointer`).
    pub fn compile(&self) -> Result<CompiledResponses, Vec<Problem>> {
        validate::compile(self)
    }

    /// Every problem with the settings; empty when they are valid.
    pub fn problems(&self) -> Vec<Problem> {
        self.compile().err().unwrap_or_default()
    }
}

/// Which response a request gets, before rendering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponsePlan<'a> {
    /// The index and name of the rule that matched; `None` when the default applies.
    pub rule: Option<(usize, &'a str)>,
    pub template: &'a CompiledTemplate,
}

/// A response ready to send: the engine waits `delay_ms`, then writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RenderedResponse {
    pub status: u16,
    pub headers: Vec<ResponseHeader>,
    pub body: String,
    pub delay_ms: u64,
}

/// The first rule whose conditions all hold for `request`, else the default. Pure: no clock, no RNG.
pub fn choose_response<'a>(settings: &'a CompiledResponses, request: &RequestView<'_>) -> ResponsePlan<'a> {
    let json = condition::LazyJson::new(request.body);
    for (index, rule) in settings.rules.iter().enumerate() {
        if rule.when.iter().all(|c| c.matches(request, &json)) {
            return ResponsePlan { rule: Some((index, rule.name.as_str())), template: &rule.respond };
        }
    }
    ResponsePlan { rule: None, template: &settings.default }
}

impl ResponsePlan<'_> {
    /// Renders the body and header values and samples the delay, drawing randomness from `ctx`.
    pub fn render(&self, ctx: &mut RenderContext<'_>) -> RenderedResponse {
        let headers = self
            .template
            .headers
            .iter()
            .map(|(name, value)| ResponseHeader::new(name.clone(), header_safe(value.render(ctx))))
            .collect();
        let body = self.template.body.render(ctx);
        let delay_ms = self.template.delay.sample_ms(ctx.rng);
        RenderedResponse { status: self.template.status, headers, body, delay_ms }
    }
}

/// Removes CR, LF and NUL from a rendered header value. Don't let them through, because a header
/// value echoed from the request could otherwise inject headers or split the response.
fn header_safe(value: String) -> String {
    if value.contains(['\r', '\n', '\0']) { value.replace(['\r', '\n', '\0'], " ") } else { value }
}
