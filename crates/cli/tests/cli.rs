//! `hookbench` as a user runs it: a real process, real ports.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Serve {
    child: Child,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hookbench() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookbench"));
    cmd.env_remove("HOOKBENCH_TOKEN").env_remove("HOOKBENCH_DATA_DIR");
    cmd
}

fn wait_for_file(path: &std::path::Path) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return serde_json::from_str(&text).unwrap();
        }
        assert!(Instant::now() < deadline, "no ready file within 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `hookbench serve` on port 0; returns the process guard, its data dir and receiver URL.
fn serve(dir: &std::path::Path) -> (Serve, std::path::PathBuf, String) {
    let data = dir.join("data");
    let ready = dir.join("ready.json");
    let child = hookbench()
        .args(["serve", "--receiver", "127.0.0.1:0", "--api", "127.0.0.1:0"])
        .arg("--data")
        .arg(&data)
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serve = Serve { child };
    let doc = wait_for_file(&ready);
    (serve, data, doc["receiver_url"].as_str().unwrap().to_owned())
}

#[test]
fn serve_prints_its_urls_and_writes_the_ready_file_once_listening() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let mut child = hookbench()
        .args(["serve", "--receiver", "127.0.0.1:0", "--api", "127.0.0.1:0", "--token", "tok123"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _serve = Serve { child };
    let doc = wait_for_file(&ready);
    assert_eq!(doc["token"], "tok123");
    let receiver = doc["receiver_url"].as_str().unwrap().to_owned();
    let api = doc["api_url"].as_str().unwrap().to_owned();
    assert!(receiver.starts_with("http://127.0.0.1:") && !receiver.ends_with(":0"), "port 0 was resolved: {receiver}");

    let lines: Vec<String> = BufReader::new(stdout).lines().take(3).map(Result::unwrap).collect();
    assert_eq!(lines[0], format!("receiver: {receiver}"));
    assert_eq!(lines[2], format!("ui: {api}/?token=tok123"));

    // Both listeners accept connections by the time the ready file exists.
    for url in [&receiver, &api] {
        let addr = url.trim_start_matches("http://");
        assert!(std::net::TcpStream::connect(addr).is_ok(), "{addr} accepts connections");
    }
    assert!(dir.path().join("data").join("hookbench.db").exists(), "the store lives in --data");
}

#[test]
fn a_port_in_use_gives_one_clear_line_and_exit_code_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = hookbench()
        .args(["serve", "--receiver", &format!("127.0.0.1:{port}"), "--api", "127.0.0.1:0"])
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains(&format!("port {port} is already in use")), "{stderr}");
}

#[test]
fn a_malformed_address_is_explained() {
    let out = hookbench().args(["serve", "--receiver", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "clap's usage error code");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an address"));
}

#[test]
fn openapi_prints_the_document() {
    let out = hookbench().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/captures"].is_object());
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sign_then_verify_round_trips_and_a_tampered_body_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, br#"{"id":"evt_1","type":"invoice.paid"}"#).unwrap();
    let signed = hookbench()
        .args(["sign", "--scheme", "stripe", "--secret", "whsec_abc", "--timestamp", "1796000000", "--json"])
        .arg("--body")
        .arg(format!("@{}", body.display()))
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let doc: serde_json::Value = serde_json::from_str(&stdout_of(&signed)).unwrap();
    let header = doc["headers"].as_array().unwrap().iter().find(|h| h["name"] == "Stripe-Signature").unwrap();
    let header_line = format!("Stripe-Signature: {}", header["value"].as_str().unwrap());

    let verify = |body_arg: String, now: &str| {
        hookbench()
            .args([
                "verify",
                "--scheme",
                "stripe",
                "--secret",
                "whsec_other",
                "--secret",
                "whsec_abc",
                "--now",
                now,
                "-H",
                &header_line,
                "--json",
            ])
            .arg("--body")
            .arg(body_arg)
            .output()
            .unwrap()
    };
    let ok = verify(format!("@{}", body.display()), "1796000010");
    assert_eq!(ok.status.code(), Some(0), "{}", stdout_of(&ok));
    let verdict: serde_json::Value = serde_json::from_str(&stdout_of(&ok)).unwrap();
    assert_eq!(verdict["matched_secret_label"], "previous #1", "the second secret given is the older one");

    let tampered = verify(r#"{"id":"evt_1","type":"invoice.paid "}"#.into(), "1796000010");
    assert_eq!(tampered.status.code(), Some(1), "an invalid signature exits 1");
    let stale = verify(format!("@{}", body.display()), "1796009999");
    assert_eq!(stale.status.code(), Some(1));
    assert!(stdout_of(&stale).contains("timestamp_too_old"), "{}", stdout_of(&stale));
}

#[test]
fn verify_usage_errors_exit_2_with_a_reason() {
    let out = hookbench().args(["verify", "--scheme", "nope", "--secret", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scheme 'nope'"));
    let out =
        hookbench().args(["verify", "--scheme", "github", "--secret", "x", "-H", "no colon here"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not 'Name: value'"));
}

#[test]
fn endpoints_are_managed_through_the_running_engine() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, _receiver) = serve(dir.path());
    let cli = |args: &[&str]| hookbench().arg("endpoints").args(args).arg("--data").arg(&data).output().unwrap();

    let created = cli(&[
        "create",
        "--name",
        "Stripe",
        "--prefix",
        "/stripe",
        "--scheme",
        "stripe",
        "--secret",
        "whsec_1",
        "--enforce",
        "--dedupe",
        "json:/id",
    ]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(stdout_of(&created).contains("created endpoint 2"), "{}", stdout_of(&created));
    let listed = stdout_of(&cli(&["list"]));
    assert!(
        listed.contains("/stripe") && listed.contains("stripe (enforce)") && listed.contains("body /id"),
        "{listed}"
    );

    let updated = cli(&["update", "2", "--flag-only", "--on-duplicate", "conflict"]);
    assert!(updated.status.success(), "{}", String::from_utf8_lossy(&updated.stderr));
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&cli(&["show", "2"]))).unwrap();
    assert_eq!(shown["signature_mode"], "flag");
    assert_eq!(shown["dedupe"]["on_duplicate"], "conflict");
    assert_eq!(shown["signature"]["secrets"][0], "whsec_1", "an update keeps what it was not told to change");

    let clash = cli(&["create", "--prefix", "/stripe"]);
    assert_eq!(clash.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&clash.stderr).contains("already has the path prefix /stripe"));
    assert!(cli(&["delete", "2"]).status.success());
    assert!(!stdout_of(&cli(&["list"])).contains("/stripe"));
}

#[test]
fn without_a_running_engine_the_cli_says_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = hookbench().args(["endpoints", "list", "--data"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("start `hookbench serve`"));
}

#[test]
fn a_ci_script_turns_an_outage_on_and_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver_url) = serve(dir.path());
    let receiver = receiver_url.trim_start_matches("http://").to_owned();
    let fault = |args: &[&str]| hookbench().arg("fault").args(args).arg("--data").arg(&data).output().unwrap();
    let status_of_post = || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&receiver).unwrap();
        s.write_all(b"POST /ci HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.split(' ').nth(1).unwrap_or("").to_owned()
    };

    let set = fault(&["set", "default", "--status", "503", "--retry-after", "7", "--for", "120"]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert_eq!(status_of_post(), "503", "the outage is on");
    let listed = String::from_utf8_lossy(&fault(&["list"]).stdout).into_owned();
    assert!(listed.contains("Default") && listed.contains("s left"), "{listed}");
    assert!(fault(&["clear"]).status.success());
    assert_eq!(status_of_post(), "200", "healed");
    let preset = fault(&["set", "default", "fail-3"]);
    assert!(preset.status.success(), "{}", String::from_utf8_lossy(&preset.stderr));
    assert_eq!(status_of_post(), "503");
    assert!(fault(&["clear", "default"]).status.success());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (from, until) = ((now - 5).to_string(), (now + 300).to_string());
    let window = fault(&["set", "default", "--status", "502", "--from", &from, "--until", &until]);
    assert!(window.status.success(), "{}", String::from_utf8_lossy(&window.stderr));
    assert_eq!(status_of_post(), "502", "inside the window between the two times");
    let backwards = fault(&["set", "default", "--status", "502", "--from", &until, "--until", &from]);
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("--until must be after --from"));
    let unknown = fault(&["set", "nope", "fail-3"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no endpoint 'nope'"));
}

#[path = "cli/observe.rs"]
mod observe;
#[path = "cli/replay.rs"]
mod replay;
#[path = "cli/sender.rs"]
mod sender;

#[path = "cli/security.rs"]
mod security;

#[path = "cli/forward.rs"]
mod forward;
