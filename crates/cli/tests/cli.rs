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
