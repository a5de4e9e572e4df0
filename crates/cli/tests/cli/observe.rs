//! `hookbench captures`, `metrics` and `alerts` against a real `hookbench serve`.

use super::*;

#[test]
fn captures_are_searched_metrics_printed_and_a_dead_letter_makes_alerts_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (_serve, data, receiver) = serve(dir.path());
    let run = |args: &[&str]| hookbench().args(args).env("HOOKBENCH_DATA_DIR", &data).output().unwrap();
    let sent =
        run(&["send", "--to", &format!("{receiver}/shop/orders"), "--data", r#"{"note":"blue teapot"}"#, "--wait"]);
    assert!(sent.status.success(), "{sent:?}");
    let found = stdout_of(&run(&["captures", "--search", "teapot"]));
    assert!(found.contains("/shop/orders") && found.contains("1 matching"), "{found}");
    assert!(stdout_of(&run(&["captures", "--search", "kettle"])).contains("0 matching"));

    let quiet = run(&["alerts"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stdout_of(&quiet));
    let dead = run(&["send", "--to", "http://127.0.0.1:9/nowhere", "--data", "{}", "--policy", "none", "--wait"]);
    assert_eq!(dead.status.code(), Some(1));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let firing = run(&["alerts"]);
        if firing.status.code() == Some(1) {
            assert!(
                stdout_of(&firing).contains("FIRING  1 dead letter for http://127.0.0.1:9"),
                "{}",
                stdout_of(&firing)
            );
            break;
        }
        assert!(Instant::now() < deadline, "no alert within 15 s: {}", stdout_of(&firing));
        std::thread::sleep(Duration::from_millis(250));
    }
    let table = stdout_of(&run(&["metrics", "--window", "15m"]));
    assert!(table.contains("http://127.0.0.1:9") && table.contains("Default"), "{table}");
    let prom = stdout_of(&run(&["metrics", "--prometheus"]));
    assert!(prom.contains("# TYPE hookbench_retry_queue gauge"), "{prom}");
    let set = run(&["alerts", "set", "--dead-letters-max", "5"]);
    assert!(set.status.success() && stdout_of(&set).contains("\"dead_letters_max\": 5"));
}
