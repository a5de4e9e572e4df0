//! `hookbench send`, `destinations` and `events` against a real `hookbench serve`.

use super::*;

#[test]
fn send_wait_follows_each_attempt_and_exits_0_once_delivered_and_1_for_a_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    // The data dir through the environment: `send` takes `--data` for its payload.
    let run =
        |cmd: &str, args: &[&str]| hookbench().arg(cmd).args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    let payload = dir.path().join("event.json");
    std::fs::write(&payload, r#"{"type":"invoice.paid"}"#).unwrap();
    let payload_arg = format!("@{}", payload.display());

    assert!(run("fault", &["set", "default", "--status", "503", "--fail-first", "1"]).status.success());
    let url = format!("{receiver}/cli");
    let policy = r#"{"schedule":{"kind":"delays","list":["0","100ms","5s"]},"jitter_pct":0}"#;
    let sent = run(
        "send",
        &[
            "--to",
            &url,
            "--data",
            &payload_arg,
            "-H",
            "X-Test: yes",
            "--secret",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "--policy",
            policy,
            "--wait",
        ],
    );
    let out = stdout_of(&sent);
    assert_eq!(sent.status.code(), Some(0), "delivered: {out}{}", String::from_utf8_lossy(&sent.stderr));
    assert!(out.contains("attempt 1") && out.contains("503 is retryable"), "the failed attempt is printed: {out}");
    assert!(out.contains("attempt 2") && out.contains("delivered on attempt 2"), "{out}");

    assert!(run("fault", &["set", "default", "--status", "400"]).status.success());
    let dead = run("send", &["--to", &url, "--data", "{}", "--policy", "aggressive", "--wait"]);
    assert_eq!(dead.status.code(), Some(1), "a dead letter exits 1: {}", stdout_of(&dead));
    assert!(stdout_of(&dead).contains("dead letter: 400 is not retryable"), "{}", stdout_of(&dead));

    let listed = stdout_of(&run("events", &["list", "--state", "dead"]));
    assert!(listed.contains("dead") && listed.contains("400"), "{listed}");
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&run("events", &["show", "1"]))).unwrap();
    assert_eq!(shown["state"], "delivered");
    assert_eq!(shown["attempts"][1]["request"]["headers"][0]["name"], "X-Test", "the extra header was sent");
}

#[test]
fn destinations_are_created_updated_used_and_deleted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    // The data dir through the environment: `send` takes `--data` for its payload.
    let run =
        |cmd: &str, args: &[&str]| hookbench().arg(cmd).args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    let url = format!("{receiver}/app");
    let created =
        run("destinations", &["create", "--name", "app", "--url", &url, "--policy", "svix", "--max-in-flight", "2"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(stdout_of(&created).contains("created destination 1 \"app\""), "{}", stdout_of(&created));
    let updated = run("destinations", &["update", "1", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
    assert!(updated.status.success(), "{}", String::from_utf8_lossy(&updated.stderr));
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&run("destinations", &["show", "1"]))).unwrap();
    assert_eq!(shown["signing"]["scheme"]["kind"], "standard_webhooks", "signed with Standard Webhooks by default");
    assert_eq!(shown["limits"]["max_in_flight"], 2, "an update keeps what it was not told to change");
    assert_eq!(shown["retry"]["schedule"]["list"][1], "5s", "the svix preset");

    let sent = run("send", &["--destination", "app", "--data", "{}", "--wait"]);
    assert_eq!(sent.status.code(), Some(0), "{}{}", stdout_of(&sent), String::from_utf8_lossy(&sent.stderr));
    let bad = run("destinations", &["create", "--name", "x", "--url", "ftp://nope"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("url:"), "the field is named");
    assert!(run("destinations", &["delete", "1"]).status.success());
    assert!(stdout_of(&run("destinations", &["list"])).contains("no destinations"));
}

#[test]
fn a_kill_9_mid_delivery_loses_no_event_and_the_interrupted_attempts_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A fixed receiver port, so the events' URL still works after the restart.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let start = |ready: &std::path::Path| {
        let child = hookbench()
            .args(["serve", "--receiver", &format!("127.0.0.1:{port}"), "--api", "127.0.0.1:0"])
            .arg("--data")
            .arg(&data)
            .arg("--ready-file")
            .arg(ready)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let serve = Serve { child };
        wait_for_file(ready);
        serve
    };
    let run =
        |cmd: &str, args: &[&str]| hookbench().arg(cmd).args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    let mut serve = start(&dir.path().join("ready-1.json"));
    // Slow answers keep attempts in flight when the process dies.
    assert!(run("fault", &["set", "default", "--latency", "3000"]).status.success());
    let count = 20;
    let url = format!("http://127.0.0.1:{port}/crash");
    for n in 0..count {
        let sent = run("send", &["--to", &url, "--data", &format!("{{\"n\":{n}}}"), "--policy", "aggressive"]);
        assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stdout_of(&run("events", &["list", "--state", "delivering"])).contains("delivering") {
        assert!(Instant::now() < deadline, "no attempt ever went in flight");
        std::thread::sleep(Duration::from_millis(20));
    }
    serve.child.kill().unwrap(); // SIGKILL: no shutdown, no last commit
    serve.child.wait().unwrap();

    let _serve = start(&dir.path().join("ready-2.json"));
    assert!(run("fault", &["clear"]).status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page: serde_json::Value =
            serde_json::from_str(&stdout_of(&run("events", &["list", "--limit", "500", "--json"]))).unwrap();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), count, "every event survived the kill");
        if items.iter().all(|e| e["state"] == "delivered") {
            break;
        }
        assert!(Instant::now() < deadline, "not all delivered after the restart: {page}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let first: serde_json::Value = serde_json::from_str(&stdout_of(&run("events", &["show", "1"]))).unwrap();
    assert_eq!(first["attempts"][0]["state"], "interrupted", "the attempt cut short is recorded as such: {first}");
    assert_eq!(first["attempts"][0]["error_class"], "interrupted");
    assert_eq!(first["marks"][0]["kind"], "recovered");
}

#[test]
fn settings_show_and_change_the_global_time_scale() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, _receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().arg("settings").args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    assert!(stdout_of(&run(&[])).contains("time scale  1×"));
    let changed = run(&["--time-scale", "3600", "--json"]);
    assert!(changed.status.success());
    let doc: serde_json::Value = serde_json::from_str(&stdout_of(&changed)).unwrap();
    assert_eq!(doc["time_scale"], 3600.0);
    let refused = run(&["--time-scale", "0"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("time scale"), "{:?}", refused);
    assert!(stdout_of(&run(&[])).contains("3600×"), "the change is kept");
}
