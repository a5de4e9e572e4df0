//! Shared by the crash-safety scenarios: start the real `hookbench serve` on port 0, kill it with
//! SIGKILL, start it again on the same data directory, and read its database afterwards.
//!
//! The binary is `HOOKBENCH_BIN` when set, else `<workspace>/target/debug/hookbench` (built by
//! `cargo build -p hookbench-cli`; `make test` builds it before this suite runs).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// How long a start may take before the scenario gives up (a debug build on a busy CI machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `hookbench` binary under test; panics with what to do when it is missing.
pub fn hookbench_bin() -> PathBuf {
    let path = match std::env::var_os("HOOKBENCH_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
            target.join("debug").join("hookbench")
        }
    };
    assert!(
        path.is_file(),
        "the hookbench binary is not at {}: build it first with `cargo build -p hookbench-cli`, or point HOOKBENCH_BIN at it",
        path.display()
    );
    path
}

/// The seed of a scenario's random choices: `HOOKBENCH_SCENARIO_SEED` when set, else new each run.
/// Printed, so a failing run can be repeated.
pub fn seed(scenario: &str) -> u64 {
    let seed = match std::env::var("HOOKBENCH_SCENARIO_SEED") {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("HOOKBENCH_SCENARIO_SEED={text} is not a number")),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64),
    };
    println!("[{scenario}] seed {seed} (repeat with HOOKBENCH_SCENARIO_SEED={seed})");
    seed
}

/// A running `hookbench serve`. Dropping it kills the process.
pub struct Serve {
    child: Option<Child>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    starts: u32,
    pub data: PathBuf,
    pub token: String,
    pub receiver_url: String,
    pub api_url: String,
    client: reqwest::Client,
}

impl Serve {
    /// Starts `hookbench serve` with its data in `<dir>/data`, both listeners on port 0.
    pub fn start(dir: &Path, token: &str) -> Serve {
        Self::start_with_env(dir, token, &[])
    }

    /// Like `start`, with extra environment variables for the process (test hooks).
    pub fn start_with_env(dir: &Path, token: &str, env: &[(&str, &str)]) -> Serve {
        Self::start_with_data(dir, &dir.join("data"), token, env)
    }

    /// Like `start_with_env`, with the data directory somewhere else than `dir` (which keeps the
    /// ready file and the logs).
    pub fn start_with_data(dir: &Path, data: &Path, token: &str, env: &[(&str, &str)]) -> Serve {
        let mut serve = Serve {
            child: None,
            dir: dir.to_owned(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            starts: 0,
            data: data.to_owned(),
            token: token.to_owned(),
            receiver_url: String::new(),
            api_url: String::new(),
            client: client(),
        };
        serve.restart();
        serve
    }

    /// Starts the process again on the same data dir and token (after `kill9`); new ports.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart() needs the previous process gone (kill9 first)");
        self.starts += 1;
        let ready = self.dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let log_path = self.log_path();
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create the log file {}: {e}", log_path.display()));
        let mut cmd = Command::new(hookbench_bin());
        cmd.args(["serve", "--receiver", "127.0.0.1:0", "--api", "127.0.0.1:0", "--token", &self.token])
            .arg("--data")
            .arg(&self.data)
            .arg("--ready-file")
            .arg(&ready)
            .env_remove("HOOKBENCH_TOKEN")
            .env_remove("HOOKBENCH_DATA_DIR")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start hookbench serve: {e}"));
        let deadline = Instant::now() + START_TIMEOUT;
        let doc = loop {
            if let Ok(text) = std::fs::read_to_string(&ready)
                && let Ok(doc) = serde_json::from_str::<Value>(&text)
            {
                break doc;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("hookbench serve exited during start ({status}): {}", self.log());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("hookbench serve wrote no ready file within {START_TIMEOUT:?}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let field = |name: &str| {
            doc[name].as_str().map(str::to_owned).unwrap_or_else(|| panic!("the ready file has no {name}: {doc}"))
        };
        assert_eq!(field("token"), self.token, "the same token after a restart");
        self.receiver_url = field("receiver_url");
        self.api_url = field("api_url");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown, no last commit, no checkpoint. Waits until the process is gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` sends SIGKILL on Unix.
            child.kill().unwrap_or_else(|e| panic!("cannot SIGKILL hookbench serve: {e}"));
            let _ = child.wait();
        }
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join(format!("serve-{}.log", self.starts))
    }

    /// What the current (or last) process wrote to stderr, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// `GET <api>/<path>` with the token: status and JSON body (`null` when the body is not JSON).
    pub async fn api_get(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}{path}", self.api_url)).bearer_auth(&self.token).send().await;
        json_of(res, path).await
    }

    /// `POST <api>/<path>` with a JSON body and the token.
    pub async fn api_post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self.client.post(format!("{}{path}", self.api_url)).bearer_auth(&self.token).json(body).send().await;
        json_of(res, path).await
    }

    /// `DELETE <api>/<path>` with the token.
    pub async fn api_delete(&self, path: &str) -> (u16, Value) {
        let res = self.client.delete(format!("{}{path}", self.api_url)).bearer_auth(&self.token).send().await;
        json_of(res, path).await
    }

    /// Opens the database read-only (WAL: fine beside the running engine).
    pub fn db(&self) -> rusqlite::Connection {
        open_db(&self.data)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn json_of(res: reqwest::Result<reqwest::Response>, what: &str) -> (u16, Value) {
    let res = res.unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap_or_else(|e| panic!("{what}: body not read: {e}"));
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// An HTTP client for loopback: no proxy from the environment, a generous timeout (a hang shows
/// up as an error instead of a stuck test).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap_or_else(|e| panic!("cannot build an HTTP client: {e}"))
}

/// Opens `<data>/hookbench.db` read-only.
pub fn open_db(data: &Path) -> rusqlite::Connection {
    use rusqlite::OpenFlags;
    let path = data.join("hookbench.db");
    let conn = rusqlite::Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("cannot open {} read-only: {e}", path.display()));
    conn.busy_timeout(Duration::from_secs(10)).unwrap_or_else(|e| panic!("busy_timeout: {e}"));
    conn
}

/// `PRAGMA integrity_check`: `"ok"` or SQLite's list of problems.
pub fn integrity_check(conn: &rusqlite::Connection) -> String {
    let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap_or_else(|e| panic!("integrity_check: {e}"));
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap_or_else(|e| panic!("integrity_check: {e}"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("integrity_check: {e}"));
    rows.join("\n")
}

/// The value of the first header named `name` (any case) in a capture's stored headers JSON.
pub fn stored_header(headers_json: &[u8], name: &str) -> Option<String> {
    let headers: Value = serde_json::from_slice(headers_json).ok()?;
    headers.as_array()?.iter().find_map(|h| {
        let matches = h["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name));
        if matches { h["value"].as_str().map(str::to_owned) } else { None }
    })
}

/// Milliseconds since the Unix epoch (the engine's clock in these runs).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
