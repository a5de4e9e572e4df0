//! Security of `hookbench serve` as a process: loopback unless asked, owner-only files, and no
//! secret in its output.

use super::*;

fn serve_args(dir: &std::path::Path, receiver: &str, api: &str) -> Command {
    let mut cmd = hookbench();
    cmd.args(["serve", "--receiver", receiver, "--api", api])
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--ready-file")
        .arg(dir.join("ready.json"));
    cmd
}

#[test]
fn a_non_loopback_listener_is_refused_with_exit_2_unless_allow_remote_is_given() {
    for (receiver, api, role) in [("0.0.0.0:0", "127.0.0.1:0", "receiver"), ("127.0.0.1:0", "0.0.0.0:0", "api")] {
        let dir = tempfile::tempdir().unwrap();
        let out = serve_args(dir.path(), receiver, api).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("({role})")) && stderr.contains("--allow-remote"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
        assert!(!dir.path().join("data").exists(), "refused before touching the data dir");
    }

    let dir = tempfile::tempdir().unwrap();
    let child = serve_args(dir.path(), "0.0.0.0:0", "127.0.0.1:0")
        .arg("--allow-remote")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut serve = Serve { child };
    let doc = wait_for_file(&dir.path().join("ready.json"));
    assert!(doc["receiver_url"].as_str().unwrap().starts_with("http://127.0.0.1:"), "used from here via loopback");
    let stderr = serve.child.stderr.take().unwrap();
    let warning = BufReader::new(stderr)
        .lines()
        .take(5)
        .map(Result::unwrap)
        .find(|l| l.starts_with("warning: the receiver listens on 0.0.0.0:"))
        .expect("a warning line for the remote receiver");
    assert!(warning.contains("reachable from other machines"), "{warning}");
}

#[cfg(unix)]
#[test]
fn the_data_dir_is_created_0700_and_the_database_and_token_files_0600() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let (serve, data, receiver) = serve(dir.path());
    // A capture, so the WAL files exist too.
    let wire = b"POST /perm HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
    let addr = receiver.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut stream, wire).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data dir is owner-only");
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("hookbench.db") || name == "connection.json" {
            assert_eq!(mode(&entry.path()), 0o600, "{name} is owner-only");
            files += 1;
        }
    }
    assert!(files >= 2, "at least the database and the connection file were checked ({files})");
    assert_eq!(mode(&dir.path().join("ready.json")), 0o600, "the ready file holds the token: owner-only");
    drop(serve);
}

#[test]
fn signing_secrets_and_the_token_never_appear_in_the_output_beyond_the_ui_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = "tok-7c1e5a-never-logged";
    let endpoint_secret = "whsec_RW5kcG9pbnRTZWNyZXROZXZlckxvZ2dlZA==";
    let inline_secret = "whsec_SW5saW5lU2VjcmV0TmV2ZXJMb2dnZWQx";
    let stdout_file = dir.path().join("stdout.log");
    let stderr_file = dir.path().join("stderr.log");
    let child = serve_args(dir.path(), "127.0.0.1:0", "127.0.0.1:0")
        .args(["--token", token])
        // As verbose as Hookbench's own logs go: debug for everything, trace for Hookbench.
        .env("HOOKBENCH_LOG", "debug,hookbench=trace,hookbench_http=trace,hookbench_engine=trace")
        .stdout(std::fs::File::create(&stdout_file).unwrap())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    let serve = Serve { child };
    let doc = wait_for_file(&dir.path().join("ready.json"));
    let receiver = doc["receiver_url"].as_str().unwrap().to_owned();
    let run =
        |cmd: &str, args: &[&str]| hookbench().arg(cmd).args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}{}", stdout_of(&out), String::from_utf8_lossy(&out.stderr));
        out
    };

    ok(run(
        "endpoints",
        &["create", "--prefix", "/signed", "--scheme", "standard-webhooks", "--secret", endpoint_secret, "--enforce"],
    ));
    let url = format!("{receiver}/signed/in");
    ok(run("destinations", &["create", "--name", "app", "--url", &url, "--secret", endpoint_secret]));
    // Signed sends the endpoint verifies (valid), one with another secret (invalid → 401, dead).
    ok(run("send", &["--destination", "app", "--data", r#"{"n":1}"#, "--wait"]));
    ok(run("send", &["--to", &url, "--data", r#"{"n":2}"#, "--secret", endpoint_secret, "--wait"]));
    let refused =
        run("send", &["--to", &url, "--data", r#"{"n":3}"#, "--secret", inline_secret, "--policy", "none", "--wait"]);
    assert_eq!(refused.status.code(), Some(1), "a wrong signature is refused: {}", stdout_of(&refused));
    drop(serve);

    let stdout = std::fs::read_to_string(&stdout_file).unwrap();
    let stderr = std::fs::read_to_string(&stderr_file).unwrap();
    for secret in [endpoint_secret, inline_secret] {
        let key = secret.trim_start_matches("whsec_");
        assert!(!stdout.contains(key) && !stderr.contains(key), "a signing secret leaked into the output");
    }
    assert!(!stderr.contains(token), "the token is never logged:\n{stderr}");
    let with_token: Vec<&str> = stdout.lines().filter(|l| l.contains(token)).collect();
    assert_eq!(with_token.len(), 1, "the token is printed once, in the ui: URL: {stdout}");
    assert!(with_token[0].starts_with("ui: http://127.0.0.1:") && with_token[0].ends_with(&format!("?token={token}")));
    assert!(stderr.lines().count() > 3, "the logs were verbose enough to mean something:\n{stderr}");
}
