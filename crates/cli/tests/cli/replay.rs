//! `hookbench replay`, `export` and `import` against a real `hookbench serve`.

use super::*;

#[test]
fn captures_are_replayed_one_and_in_bulk_exported_and_imported_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    // Requests to the receiver, sent through the outbox (`send --wait` returns once delivered).
    let post = |path: &str, body: &str| {
        let sent = run(&["send", "--to", &format!("{receiver}{path}"), "--data", body, "--wait"]);
        assert!(sent.status.success(), "{sent:?}");
    };
    for n in 0..5 {
        post("/cli/in", &format!(r#"{{"n":{n}}}"#));
    }
    let one = run(&[
        "replay",
        "capture",
        "1",
        "--to",
        &format!("{receiver}/cli/one"),
        "--body",
        r#"{"n":"edited"}"#,
        "--wait",
    ]);
    assert_eq!(one.status.code(), Some(0), "{}{}", stdout_of(&one), String::from_utf8_lossy(&one.stderr));
    assert!(stdout_of(&one).contains("replayed as event") && stdout_of(&one).contains("delivered on attempt 1"));
    let bad = run(&["replay", "capture", "1", "--to", &format!("{receiver}/x"), "--body", "{nope"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not valid JSON at line 1"), "{bad:?}");

    let dry =
        run(&["replay", "bulk", "--path-contains", "/cli/in", "--to", &format!("{receiver}/cli/bulk"), "--dry-run"]);
    assert!(stdout_of(&dry).contains("5 captures match"), "{}", stdout_of(&dry));
    let bulk = run(&[
        "replay",
        "bulk",
        "--path-contains",
        "/cli/in",
        "--to",
        &format!("{receiver}/cli/bulk"),
        "--rate",
        "50",
        "--wait",
    ]);
    let out = stdout_of(&bulk);
    assert_eq!(bulk.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&bulk.stderr));
    assert!(out.contains("5/5 [####################]") && out.contains("delivered 5"), "{out}");
    assert!(stdout_of(&run(&["replay", "status"])).contains("replay 1  done"));

    let har = dir.path().join("out.har");
    let export = run(&["export", "--path-contains", "/cli/bulk", "-o", har.to_str().unwrap()]);
    assert!(export.status.success(), "{export:?}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    assert_eq!(doc["log"]["entries"].as_array().unwrap().len(), 5);
    let imported = run(&["import", har.to_str().unwrap()]);
    assert!(stdout_of(&imported).contains("imported 5 requests (har)"), "{imported:?}");
    let curl = run(&["export", "--format", "curl", "--ids", "1"]);
    assert!(stdout_of(&curl).contains("curl") && stdout_of(&curl).contains("/cli/in"), "{}", stdout_of(&curl));
}
