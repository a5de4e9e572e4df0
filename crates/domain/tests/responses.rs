//! Response rules: template parsing and rendering, rule matching, validation.

use hookbench_domain::Header;
use hookbench_domain::response::{
    CompiledResponses, Condition, Delay, RenderContext, RequestView, ResponseHeader, ResponseRule, ResponseSettings,
    ResponseTemplate, Template, choose_response, glob_matches,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: i64 = 1_796_000_000_123;

fn headers() -> Vec<Header> {
    vec![
        Header::new("Content-Type", "application/json"),
        Header::new("X-Event", "order.created"),
        Header::new("X-Request-Id", "req-42"),
        Header::new("X-Note", "line one\r\nInjected: yes"),
    ]
}

const BODY: &[u8] = br#"{"type":"order.created","data":{"id":"ord_1","total":12.5,"items":[1,2],"note":"say \"hi\"\nbye","gone":null}}"#;

fn view<'a>(headers: &'a [Header], body: &'a [u8]) -> RequestView<'a> {
    RequestView { method: "POST", path: "/orders/17/items", query: Some("page=2&q=red+shoes%21&empty="), headers, body }
}

/// Renders `source` against the standard request with a seeded RNG.
fn render(source: &str) -> String {
    let headers = headers();
    let template = match Template::parse(source) {
        Ok(t) => t,
        Err(e) => panic!("'{source}' should parse: {e}"),
    };
    let mut rng = StdRng::seed_from_u64(7);
    let mut ctx = RenderContext::new(view(&headers, BODY), Some(31), NOW, &mut rng);
    template.render(&mut ctx)
}

fn parse_error(source: &str) -> (usize, String) {
    match Template::parse(source) {
        Ok(_) => panic!("'{source}' should not parse"),
        Err(e) => (e.offset, e.to_string()),
    }
}

#[test]
fn every_request_variable_renders_its_part_of_the_request() {
    assert_eq!(render("{{request.method}} {{request.path}}"), "POST /orders/17/items");
    assert_eq!(
        render("{{request.query.q}}|{{request.query.page}}"),
        "red shoes!|2",
        "query values are percent-decoded, + is a space"
    );
    assert_eq!(render("{{request.header.x-request-id}}"), "req-42", "header names match in any case");
    assert_eq!(render("{{request.body}}").as_bytes(), BODY, "the body is echoed as is");
    assert_eq!(render("{{request.json./data/id}}"), "ord_1", "a JSON string is written without quotes");
    assert_eq!(render("{{request.json./data/total}}"), "12.5", "a JSON number is written as JSON");
    assert_eq!(render("{{request.json./data/items}}"), "[1,2]", "a JSON array is written as JSON");
    assert_eq!(render("{{ capture.id }}"), "31", "spaces inside the braces are allowed");
}

#[test]
fn now_uuid_and_random_int_come_from_the_context() {
    assert_eq!(render("{{now}}"), "2026-11-30T00:53:20.123Z", "now is the context's time in RFC 3339");
    let uuid = render("{{uuid}}");
    let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "a hyphenated UUID: {uuid}");
    assert_eq!(uuid.as_bytes()[14], b'4', "version 4: {uuid}");
    assert!(matches!(uuid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "RFC 9562 variant: {uuid}");
    assert_eq!(render("{{uuid}}"), uuid, "the same seed gives the same UUID");
    for i in 0..200 {
        let headers = headers();
        let template = Template::parse("{{random.int -3 3}}").map_err(|e| e.to_string());
        let mut rng = StdRng::seed_from_u64(i);
        let mut ctx = RenderContext::new(view(&headers, BODY), None, NOW, &mut rng);
        let n: i64 = template.map(|t| t.render(&mut ctx)).unwrap_or_default().parse().unwrap_or(99);
        assert!((-3..=3).contains(&n), "random.int stays within MIN..=MAX inclusive, got {n}");
    }
}

#[test]
fn missing_values_render_empty_and_as_null_under_the_json_filter() {
    assert_eq!(render("[{{request.header.X-Absent}}]"), "[]", "a missing header is empty");
    assert_eq!(render("[{{request.query.absent}}]"), "[]", "a missing query parameter is empty");
    assert_eq!(render("[{{request.json./nope/deeper}}]"), "[]", "a missing JSON field is empty");
    assert_eq!(render("{{request.json./data/gone}}"), "null", "a present null is written as null");
    assert_eq!(
        render("{{request.header.X-Absent | json}}"),
        "null",
        "under | json a missing value is null, so the body stays valid JSON"
    );
    let headers = headers();
    let mut rng = StdRng::seed_from_u64(1);
    let mut ctx = RenderContext::new(view(&headers, b"not json"), None, NOW, &mut rng);
    let template = Template::parse("[{{request.json./a}}][{{capture.id}}]").map_err(|e| e.to_string());
    assert_eq!(
        template.map(|t| t.render(&mut ctx)).as_deref(),
        Ok("[][]"),
        "a body that is not JSON has no fields; no capture id yet is empty"
    );
}

#[test]
fn the_json_filter_escapes_quotes_and_newlines_into_valid_json() {
    let out = render(
        r#"{"note":{{request.json./data/note | json}},"event":{{request.header.X-Event | json}},"total":{{request.json./data/total | json}}}"#,
    );
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out} should be JSON: {e}"));
    assert_eq!(parsed["note"], "say \"hi\"\nbye", "quotes and the newline survive the round trip");
    assert_eq!(parsed["event"], "order.created", "header text becomes a JSON string");
    assert_eq!(parsed["total"], 12.5, "a JSON number keeps its type");
    assert!(out.contains(r#"say \"hi\"\nbye"#), "the raw output escapes them: {out}");
    assert_eq!(render("{{request.method | json | json}}"), r#""\"POST\"""#, "filters chain left to right");
}

#[test]
fn literal_braces_are_written_with_a_backslash_and_json_bodies_need_no_escaping() {
    assert_eq!(render(r"\{{request.method}}"), "{{request.method}}", "\\{{ writes a literal {{");
    assert_eq!(
        render(r#"{"a":{"b":{{request.json./data/total}}}}"#),
        r#"{"a":{"b":12.5}}"#,
        "a JSON object's closing }} outside a hole is text"
    );
}

#[test]
fn template_errors_say_where_they_are() {
    let (offset, message) = parse_error("ok {{request.methd}}");
    assert_eq!(offset, 5, "the offset points at the unknown name");
    assert!(message.contains("unknown variable 'request.methd'") && message.contains("column 6"), "{message}");
    assert_eq!(parse_error("a {{now").0, 2, "an unclosed hole points at its '{{'");
    let (offset, message) = parse_error("{{now | yaml}}");
    assert_eq!((offset, message.contains("unknown filter 'yaml'")), (8, true), "{message}");
    assert_eq!(parse_error("{{now |}}").0, 7, "a missing filter name points after the bar");
    assert_eq!(parse_error("{{ }}").0, 2, "an empty hole is an error, not empty output");
    assert_eq!(parse_error("{{now extra}}").0, 6, "variables without arguments reject one");
    assert_eq!(parse_error("{{random.int 1}}").0, 2, "random.int needs two numbers");
    assert_eq!(parse_error("{{random.int 1 x}}").0, 15, "the number that is not a number is pointed at");
    assert_eq!(parse_error("{{random.int 9 1}}").0, 13, "MIN above MAX is pointed at");
    assert_eq!(parse_error("{{request.json.id}}").0, 15, "a pointer without '/' is pointed at");
    assert_eq!(parse_error("{{request.header.}}").0, 17, "a header needs a name");
    let (offset, message) = parse_error("{\n  \"a\": {{uuid}},\n  \"b\": {{nope}}\n}");
    assert_eq!(offset, 28);
    assert!(message.starts_with("at line 3, column 10:"), "line and column are for people: {message}");
}

#[test]
fn the_parser_never_panics_on_thousands_of_random_templates() {
    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{",
        "}",
        "|",
        " ",
        "json",
        "request",
        ".",
        "method",
        "json./",
        "header.",
        "query.",
        "random.int",
        "-1",
        "9",
        "\\",
        "é",
        "🦀",
        "\n",
        "now",
        "uuid",
        "capture.id",
        "/",
        "~1",
        "x",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut parsed = 0;
    let headers = headers();
    for _ in 0..5_000 {
        let mut source = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        for i in 0..(seed % 24) {
            let index = ((seed >> (i % 48)) ^ i.wrapping_mul(0x2545_f491)) as usize % PIECES.len();
            source.push_str(PIECES[index]);
        }
        match Template::parse(&source) {
            Ok(template) => {
                parsed += 1;
                let mut rng = StdRng::seed_from_u64(seed);
                let mut ctx = RenderContext::new(view(&headers, BODY), Some(1), NOW, &mut rng);
                let _ = template.render(&mut ctx);
            }
            Err(e) => assert!(
                e.offset <= source.len() && source.is_char_boundary(e.offset),
                "offset {} in {source:?}",
                e.offset
            ),
        }
    }
    assert!(parsed > 100, "the generator also makes valid templates, so rendering is exercised too ({parsed})");
}

fn rule(name: &str, when: Vec<Condition>, status: u16) -> ResponseRule {
    ResponseRule {
        name: name.into(),
        when,
        respond: ResponseTemplate { status, headers: vec![], body: name.into(), delay: Delay::None },
    }
}

fn compiled(rules: Vec<ResponseRule>) -> CompiledResponses {
    let settings = ResponseSettings {
        rules,
        default: ResponseTemplate { status: 204, headers: vec![], body: String::new(), delay: Delay::None },
    };
    settings.compile().unwrap_or_else(|problems| panic!("valid settings: {problems:?}"))
}

fn chosen(settings: &CompiledResponses, request: &RequestView<'_>) -> Option<String> {
    choose_response(settings, request).rule.map(|(_, name)| name.to_owned())
}

#[test]
fn rules_are_tried_in_order_and_the_first_match_wins() {
    let settings = compiled(vec![
        rule("gets", vec![Condition::Method { method: "get".into() }], 200),
        rule("orders", vec![Condition::PathPrefix { prefix: "/orders".into() }], 201),
        rule("all posts", vec![Condition::Method { method: "POST".into() }], 202),
    ]);
    let headers = headers();
    let post = view(&headers, BODY);
    assert_eq!(chosen(&settings, &post).as_deref(), Some("orders"), "the earlier matching rule wins over a later one");
    let plan = choose_response(&settings, &post);
    assert_eq!(
        (plan.rule.map(|r| r.0), plan.template.status),
        (Some(1), 201),
        "the plan names the rule's index and carries its response"
    );
    let elsewhere = RequestView { path: "/billing", method: "PUT", ..post };
    assert_eq!(chosen(&settings, &elsewhere), None, "no rule matched: the default applies");
    assert_eq!(choose_response(&settings, &elsewhere).template.status, 204);
}

#[test]
fn every_condition_kind_matches_what_it_says() {
    let headers = headers();
    let req = view(&headers, BODY);
    let holds = |c: Condition| chosen(&compiled(vec![rule("r", vec![c], 200)]), &req).is_some();
    assert!(holds(Condition::Method { method: "post".into() }), "method matches in any case");
    assert!(!holds(Condition::Method { method: "GET".into() }));
    assert!(holds(Condition::PathGlob { pattern: "/orders/*/items".into() }));
    assert!(!holds(Condition::PathGlob { pattern: "/orders/*".into() }), "* stays within one segment");
    assert!(holds(Condition::PathPrefix { prefix: "/orders/".into() }), "a trailing slash on the prefix is ignored");
    assert!(!holds(Condition::PathPrefix { prefix: "/order".into() }), "prefixes match whole segments");
    assert!(holds(Condition::HeaderEquals { name: "x-event".into(), value: "order.created".into() }));
    assert!(
        !holds(Condition::HeaderEquals { name: "X-Event".into(), value: "order".into() }),
        "equals is not contains"
    );
    assert!(holds(Condition::HeaderContains { name: "X-EVENT".into(), value: "created".into() }));
    assert!(holds(Condition::HeaderPresent { name: "x-request-id".into() }));
    assert!(!holds(Condition::HeaderPresent { name: "Authorization".into() }));
    assert!(holds(Condition::JsonEquals { pointer: "/type".into(), value: "order.created".into() }));
    assert!(
        holds(Condition::JsonEquals { pointer: "/data/items/0".into(), value: serde_json::json!(1.0) }),
        "1 and 1.0 are the same number"
    );
    assert!(!holds(Condition::JsonEquals { pointer: "/type".into(), value: "order.paid".into() }));
    assert!(holds(Condition::JsonExists { pointer: "/data/gone".into() }), "a present null exists");
    assert!(!holds(Condition::JsonExists { pointer: "/data/absent".into() }));
    let text = RequestView { body: b"type=order.created", ..req };
    let settings = compiled(vec![rule("r", vec![Condition::JsonExists { pointer: "".into() }], 200)]);
    assert_eq!(chosen(&settings, &text), None, "a body that is not JSON matches no JSON condition");
    let both = compiled(vec![rule(
        "r",
        vec![Condition::Method { method: "POST".into() }, Condition::HeaderPresent { name: "X-Nope".into() }],
        200,
    )]);
    assert_eq!(chosen(&both, &req), None, "all conditions of a rule must hold");
}

#[test]
fn globs_know_segments() {
    assert!(glob_matches("/hooks/**", "/hooks/a/b/c"), "** crosses segments");
    assert!(glob_matches("/hooks/**/done", "/hooks/a/b/done"));
    assert!(!glob_matches("/hooks/*", "/hooks/a/b"), "* does not cross '/'");
    assert!(glob_matches("/v?/x", "/v2/x") && !glob_matches("/v?/x", "/v22/x"), "? is exactly one character");
    assert!(
        glob_matches("/a*b*c*d*e*f*g", "/aXbXcXdXeXfXg")
            && !glob_matches("/a*a*a*a*a*a*a*b", &format!("/{}", "a".repeat(5_000))),
        "no catastrophic backtracking"
    );
}

#[test]
fn a_plan_renders_headers_body_and_delay_and_strips_line_breaks_from_header_values() {
    let settings = ResponseSettings {
        rules: vec![ResponseRule {
            name: "echo".into(),
            when: vec![],
            respond: ResponseTemplate {
                status: 202,
                headers: vec![ResponseHeader::new("X-Echo", "{{request.header.X-Note}}")],
                body: r#"{"id":{{request.json./data/id | json}}}"#.into(),
                delay: Delay::Uniform { min_ms: 100, max_ms: 200 },
            },
        }],
        ..ResponseSettings::default()
    };
    let compiled = settings.compile().unwrap_or_else(|p| panic!("{p:?}"));
    let headers = headers();
    let request = view(&headers, BODY);
    let mut rng = StdRng::seed_from_u64(3);
    let mut ctx = RenderContext::new(request, Some(5), NOW, &mut rng);
    let out = choose_response(&compiled, &request).render(&mut ctx);
    assert_eq!((out.status, out.body.as_str()), (202, r#"{"id":"ord_1"}"#));
    assert_eq!(
        out.headers[0].value, "line one  Injected: yes",
        "CR/LF echoed from the request can't split the response"
    );
    assert!((100..=200).contains(&out.delay_ms), "the delay is drawn from the range: {}", out.delay_ms);
}

#[test]
fn the_default_settings_answer_with_the_capture_receipt() {
    let compiled = ResponseSettings::default().compile().unwrap_or_else(|p| panic!("{p:?}"));
    let headers = headers();
    let mut rng = StdRng::seed_from_u64(0);
    let mut ctx = RenderContext::new(view(&headers, BODY), Some(7), NOW, &mut rng);
    let out = choose_response(&compiled, &view(&headers, BODY)).render(&mut ctx);
    assert_eq!(
        (out.status, out.body.as_str(), out.delay_ms),
        (200, r#"{"ok":true,"capture_id":7}"#, 0),
        "same answer as before rules existed"
    );
}

#[test]
fn settings_read_from_json_with_tagged_conditions_and_delays() {
    let json = r#"{
        "rules": [{"name": "paid", "when": [{"kind": "json_equals", "pointer": "/type", "value": "order.paid"},
                                             {"kind": "header_present", "name": "X-Event"}],
                   "status": 409, "body": "dup", "delay": {"kind": "fixed", "ms": 250}}],
        "default": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/plain"}], "body": "{{request.method}}"}
    }"#;
    let settings: ResponseSettings = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.rules[0].respond.delay, Delay::Fixed { ms: 250 });
    assert_eq!(settings.default.delay, Delay::None, "a missing delay is none");
    let back: ResponseSettings =
        serde_json::from_value(serde_json::to_value(&settings).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, settings, "settings survive a round trip through JSON");
    assert!(settings.compile().is_ok());
}

#[test]
fn validation_names_every_problem_by_its_field_path() {
    let settings = ResponseSettings {
        rules: vec![
            rule("ok", vec![], 200),
            ResponseRule {
                name: " ".into(),
                when: vec![
                    Condition::HeaderEquals { name: "Bad Name".into(), value: "x".into() },
                    Condition::JsonExists { pointer: "type".into() },
                ],
                respond: ResponseTemplate {
                    status: 99,
                    headers: vec![ResponseHeader::new("X-A", "{{nope}}")],
                    body: "hello {{request.json}}".into(),
                    delay: Delay::Uniform { min_ms: 500, max_ms: 100 },
                },
            },
            rule("glob", vec![Condition::PathGlob { pattern: "orders/*".into() }], 200),
        ],
        default: ResponseTemplate {
            status: 600,
            headers: vec![],
            body: String::new(),
            delay: Delay::Fixed { ms: 700_000 },
        },
    };
    let problems = settings.problems();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "rules[1].name",
            "rules[1].when[0].name",
            "rules[1].when[1].pointer",
            "rules[1].status",
            "rules[1].headers[0].value",
            "rules[1].body",
            "rules[1].delay.min_ms",
            "rules[2].when[0].pattern",
            "default.status",
            "default.delay.ms",
        ],
        "every problem is reported, in field order: {problems:#?}"
    );
    let body = problems[5].to_string();
    assert!(body.starts_with("rules[1].body: at line 1, column 9: unknown variable 'request.json'"), "{body}");
    assert!(problems[3].message.contains("100–599"), "the message says what is allowed");
}

#[test]
fn the_openapi_schema_of_response_settings_builds() {
    let mut schemas = Vec::new();
    <ResponseSettings as utoipa::ToSchema>::schemas(&mut schemas);
    let components =
        utoipa::openapi::schema::ComponentsBuilder::new().schema_from::<ResponseSettings>().schemas_from_iter(schemas);
    let doc = utoipa::openapi::OpenApiBuilder::new()
        .components(Some(components.build()))
        .build()
        .to_json()
        .unwrap_or_default();
    assert!(
        doc.contains("json_equals") && doc.contains("log_normal") && doc.contains("\"when\""),
        "rules, conditions and delays are described"
    );
}
