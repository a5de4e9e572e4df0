//! Checking response settings: every problem, each with the path of the field it is about.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    CompiledResponses, CompiledRule, CompiledTemplate, Condition, ResponseHeader, ResponseSettings, ResponseTemplate,
    Template,
};

/// One thing wrong with some settings. `path` names the field (`rules[1].when[0].pointer`), so the
/// UI can put the message next to it; `Display` gives `path: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }

    /// The same problem seen from a parent: `within("responses")` turns `rules[0].status` into
    /// `responses.rules[0].status`.
    pub fn within(self, parent: &str) -> Self {
        let path = if self.path.is_empty() { parent.to_owned() } else { format!("{parent}.{}", self.path) };
        Self { path, message: self.message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Whether `name` can be an HTTP header name (an RFC 9110 token).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Status codes a response can carry: 100–599, as RFC 9110 allows three digits with a known class.
pub fn status_problem(status: u16) -> Option<String> {
    (!(100..=599).contains(&status)).then(|| format!("{status} is not an HTTP status: use 100–599"))
}

pub(super) fn compile(settings: &ResponseSettings) -> Result<CompiledResponses, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    for (i, rule) in settings.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        if rule.name.trim().is_empty() {
            problems.push(Problem::new(format!("{path}.name"), "give the rule a name"));
        }
        for (j, condition) in rule.when.iter().enumerate() {
            check_condition(condition, &format!("{path}.when[{j}]"), &mut problems);
        }
        if let Some(respond) = compile_template(&rule.respond, &path, &mut problems) {
            rules.push(CompiledRule { name: rule.name.trim().to_owned(), when: rule.when.clone(), respond });
        }
    }
    let default = compile_template(&settings.default, "default", &mut problems);
    match default {
        Some(default) if problems.is_empty() => Ok(CompiledResponses { rules, default }),
        _ => Err(problems),
    }
}

fn compile_template(t: &ResponseTemplate, path: &str, problems: &mut Vec<Problem>) -> Option<CompiledTemplate> {
    let before = problems.len();
    if let Some(message) = status_problem(t.status) {
        problems.push(Problem::new(format!("{path}.status"), message));
    }
    let mut headers = Vec::new();
    for (i, ResponseHeader { name, value }) in t.headers.iter().enumerate() {
        if !is_header_name(name) {
            problems.push(Problem::new(
                format!("{path}.headers[{i}].name"),
                format!("'{name}' is not a valid header name"),
            ));
        }
        match Template::parse(value) {
            Ok(template) => headers.push((name.clone(), template)),
            Err(e) => problems.push(Problem::new(format!("{path}.headers[{i}].value"), e.to_string())),
        }
    }
    let body = Template::parse(&t.body).map_err(|e| problems.push(Problem::new(format!("{path}.body"), e.to_string())));
    for (field, message) in t.delay.problems() {
        problems.push(Problem::new(format!("{path}.delay.{field}"), message));
    }
    match body {
        Ok(body) if problems.len() == before => {
            Some(CompiledTemplate { status: t.status, headers, body, delay: t.delay })
        }
        _ => None,
    }
}

fn check_condition(condition: &Condition, path: &str, problems: &mut Vec<Problem>) {
    let mut problem = |field: &str, message: String| problems.push(Problem::new(format!("{path}.{field}"), message));
    match condition {
        Condition::Method { method } => {
            if !is_header_name(method.trim()) {
                problem("method", format!("'{method}' is not an HTTP method"));
            }
        }
        Condition::PathGlob { pattern } => {
            if !pattern.starts_with('/') {
                problem("pattern", format!("'{pattern}' must start with '/', e.g. /orders/*"));
            }
        }
        Condition::PathPrefix { prefix } => {
            if !prefix.starts_with('/') {
                problem("prefix", format!("'{prefix}' must start with '/', e.g. /orders"));
            }
        }
        Condition::HeaderEquals { name, .. }
        | Condition::HeaderContains { name, .. }
        | Condition::HeaderPresent { name } => {
            if !is_header_name(name) {
                problem("name", format!("'{name}' is not a valid header name"));
            }
        }
        Condition::JsonEquals { pointer, .. } | Condition::JsonExists { pointer } => {
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                problem("pointer", format!("'{pointer}' is not a JSON pointer: it must start with '/', e.g. /type"));
            }
        }
    }
}
