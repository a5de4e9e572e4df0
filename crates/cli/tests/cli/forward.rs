//! `hookbench listen`, `release` and `consume` against a real `hookbench serve`. The "local app"
//! is the same receiver under another path, so what the app got is itself a capture.

use std::io::{Read as _, Write as _};
use std::sync::mpsc;

use super::*;

/// POSTs `body` to `url` (`http://127.0.0.1:PORT/path`) over a raw socket; returns the status line.
fn post(url: &str, body: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut socket = std::net::TcpStream::connect(host).unwrap();
    write!(
        socket,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-Tag: cli\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or("").to_owned()
}

/// The lines a child prints, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines (at most 20 s) until one satisfies `done`; returns every line read.
fn read_until(rx: &mpsc::Receiver<String>, done: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let finished = done(&line);
                seen.push(line);
                if finished {
                    return seen;
                }
            }
            Err(_) => panic!("no matching line within 20 s; got: {seen:#?}"),
        }
    }
}

#[test]
fn listen_forwards_prints_each_capture_and_attempt_and_turns_forwarding_off_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().args(args).arg("--data").arg(&data).output().unwrap();
    assert!(run(&["endpoints", "create", "--name", "in", "--prefix", "/in"]).status.success());

    let app = format!("{receiver}/app");
    let mut listen = hookbench()
        .args(["listen", "--endpoint", "/in", "--forward-to", &app, "--wait", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let guard_pid = listen.id();
    let lines = lines_of(&mut listen);
    let started = read_until(&lines, |l| l.starts_with("forwarding "));
    assert!(started[0].contains(&app) && started[0].contains("/in"), "{started:?}");

    // --wait: the sender gets the app's answer (the default endpoint's receipt, 200).
    assert_eq!(post(&format!("{receiver}/in/orders"), r#"{"id":"ord_1"}"#), "HTTP/1.1 200 OK");
    let printed = read_until(&lines, |l| l.contains("<-- event"));
    assert!(printed.iter().any(|l| l.contains("--> capture") && l.contains("POST /in/orders")), "{printed:#?}");
    let attempt = printed.last().unwrap();
    assert!(attempt.contains(&app) && attempt.contains("[200] attempt 1"), "{attempt}");

    // The app got it exactly as sent: read it as a consumer of the default endpoint, twice.
    let first = run(&["consume", "--endpoint", "1", "--consumer", "t"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let got: Vec<serde_json::Value> = stdout_of(&first).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.len(), 1, "one JSON line per capture: {got:#?}");
    assert_eq!(got[0]["path"], "/app");
    assert_eq!(got[0]["body_base64"], "eyJpZCI6Im9yZF8xIn0=", "the body as received at /in");
    // Names arrive lower-cased: the sender's HTTP client writes them so (values and order are kept).
    let headers = got[0]["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case("x-tag") && h["value"] == "cli"));
    let again = run(&["consume", "--endpoint", "1", "--consumer", "t"]);
    assert_eq!(stdout_of(&again), "", "acknowledged after printing: nothing comes twice");

    // Ctrl-C: forwarding goes back off.
    let interrupted = Command::new("kill").args(["-INT", &guard_pid.to_string()]).status().unwrap();
    assert!(interrupted.success());
    read_until(&lines, |l| l.starts_with("forwarding off"));
    assert!(listen.wait().unwrap().success(), "Ctrl-C is a normal end");
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&run(&["endpoints", "show", "2"]))).unwrap();
    assert_eq!(shown["path_prefix"], "/in");
    assert_eq!(shown["forward"], serde_json::Value::Null, "forwarding is off again: {shown}");
    assert_eq!(post(&format!("{receiver}/in/later"), "{}"), "HTTP/1.1 200 OK");
    let later = run(&["consume", "--endpoint", "/in", "--consumer", "t"]);
    let later = stdout_of(&later);
    let captured: Vec<serde_json::Value> = later.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let last = captured.last().unwrap();
    assert_eq!((last["path"].as_str(), last["forwards"].as_array().map(Vec::len)), (Some("/in/later"), Some(0)));
}

#[test]
fn held_forwards_are_released_from_the_command_line_one_with_a_new_body_or_all() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().args(args).arg("--data").arg(&data).output().unwrap();
    assert!(run(&["endpoints", "create", "--name", "gate", "--prefix", "/gate"]).status.success());
    let mut listen = hookbench()
        .args(["listen", "--endpoint", "/gate", "--forward-to", &format!("{receiver}/app"), "--hold", "--keep"])
        .arg("--data")
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut listen);
    read_until(&lines, |l| l.starts_with("forwarding "));
    for n in 0..3 {
        assert_eq!(post(&format!("{receiver}/gate"), &format!(r#"{{"n":{n}}}"#)), "HTTP/1.1 200 OK");
    }
    let held = read_until(&lines, |l| l.contains("event 3 held"));
    assert!(held.iter().any(|l| l.contains("hookbench release 1")), "{held:#?}");

    let body = dir.path().join("edited.json");
    std::fs::write(&body, r#"{"n":0,"edited":true}"#).unwrap();
    let one = run(&["release", "1", "--body", &format!("@{}", body.display())]);
    assert!(stdout_of(&one).contains("event 1 released"), "{}", String::from_utf8_lossy(&one.stderr));
    let again = run(&["release", "1"]);
    assert_eq!(again.status.code(), Some(1), "only held events are released");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not held"));
    let rest = run(&["release", "--endpoint", "/gate"]);
    assert!(stdout_of(&rest).contains("released 2 held event(s)"), "{}", stdout_of(&rest));
    read_until(&lines, |l| l.contains("<-- event 3"));
    let _ = listen.kill();
    let _ = listen.wait();

    let app = run(&["consume", "--endpoint", "1"]);
    let bodies: Vec<String> = stdout_of(&app)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["body_base64"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(bodies.contains(&"eyJuIjowLCJlZGl0ZWQiOnRydWV9".to_owned()), "the edited body reached the app: {bodies:?}");
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&run(&["endpoints", "show", "2"]))).unwrap();
    assert_eq!(shown["forward"]["hold"], true, "--keep leaves forwarding on");
}

#[test]
fn a_kill_right_after_the_2xx_never_loses_a_forward_the_capture_and_its_event_are_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (serve_guard, data, receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().args(args).arg("--data").arg(&data).output().unwrap();
    assert!(run(&["endpoints", "create", "--name", "k", "--prefix", "/k"]).status.success());
    // Held, so the app (nobody listening) is never tried: what is checked is only what was stored.
    let mut listen = hookbench()
        .args(["listen", "--endpoint", "/k", "--forward-to", "http://127.0.0.1:9/app", "--hold", "--keep", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut listen);
    read_until(&lines, |l| l.starts_with("forwarding "));
    let _ = listen.kill();
    let _ = listen.wait();
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&run(&["endpoints", "show", "2"]))).unwrap();
    assert_eq!(shown["forward"]["hold"], true, "{shown}");

    let count = 25;
    for n in 0..count {
        assert_eq!(post(&format!("{receiver}/k"), &format!(r#"{{"n":{n}}}"#)), "HTTP/1.1 200 OK");
    }
    drop(serve_guard); // SIGKILL right after the last 2xx
    std::fs::remove_file(dir.path().join("ready.json")).unwrap();
    let (_serve, _data, _receiver) = serve(dir.path());

    let out = run(&["consume", "--endpoint", "/k"]);
    let captures: Vec<serde_json::Value> = stdout_of(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(captures.len(), count, "every acknowledged capture survived");
    for c in &captures {
        let forwards = c["forwards"].as_array().unwrap();
        assert_eq!(forwards.len(), 1, "capture {} has its forward event: {c}", c["id"]);
        assert_eq!(forwards[0]["state"], "held", "still held after the restart");
    }
}
