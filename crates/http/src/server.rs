//! Starts the engine and both listeners; stops them cleanly. Used by `hookbench serve`, the
//! desktop shell and the tests alike.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hookbench_domain::{Clock, SystemClock};
use hookbench_engine::{DEFAULT_MAX_BODY_BYTES, Engine, EngineConfig, EngineError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::control::{self, AppState, Guard};
use crate::ui::UiSource;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub receiver_addr: SocketAddr,
    pub api_addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: a random token for this launch.
    pub token: Option<String>,
    pub max_body_bytes: usize,
    /// Serve the UI from this folder instead of the bundle built into the binary.
    pub ui_dir: Option<PathBuf>,
    /// Extra browser origins allowed to call the API (the desktop webview's are always allowed).
    pub allowed_origins: Vec<String>,
    /// A receiver that has not had a request's whole head by then closes the connection.
    pub header_timeout: Duration,
    /// A body that has not fully arrived by then gets 408 and is not stored.
    pub body_timeout: Duration,
    /// Listen on addresses other than loopback. Without it, `start` refuses such addresses.
    pub allow_remote: bool,
}

pub const DEFAULT_RECEIVER_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9000);
pub const DEFAULT_API_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9001);

impl ServeConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            receiver_addr: DEFAULT_RECEIVER_ADDR,
            api_addr: DEFAULT_API_ADDR,
            data_dir,
            token: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            ui_dir: None,
            allowed_origins: Vec::new(),
            header_timeout: crate::receiver::DEFAULT_HEADER_TIMEOUT,
            body_timeout: crate::receiver::DEFAULT_BODY_TIMEOUT,
            allow_remote: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("port {} is already in use ({role} at {addr}); pick another with --{role} ADDR or stop what is using it", addr.port())]
    PortInUse { role: &'static str, addr: SocketAddr },
    #[error("cannot listen on {addr} ({role}): {source}")]
    Bind { role: &'static str, addr: SocketAddr, source: std::io::Error },
    #[error(
        "refusing to listen on {addr} ({role}): it is reachable from other machines; pass --allow-remote if that is what you want"
    )]
    RemoteNotAllowed { role: &'static str, addr: SocketAddr },
    #[error("cannot prepare the data directory {dir}: {source}")]
    DataDir { dir: PathBuf, source: std::io::Error },
    #[error("cannot open the store: {0}")]
    Store(#[from] EngineError),
}

/// A running engine with its two listeners.
pub struct Running {
    pub receiver_url: String,
    pub api_url: String,
    pub token: String,
    pub receiver_addr: SocketAddr,
    pub api_addr: SocketAddr,
    engine: Arc<Engine>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    connection_file: PathBuf,
}

impl Running {
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Stops accepting, lets requests in flight finish (briefly), then closes the store.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(10), task).await.is_err() {
                tracing::warn!("a listener did not stop within 10 s");
            }
        }
        self.engine.shutdown().await;
        // Only our own file: another engine on the same data dir may have replaced it.
        if let Ok(text) = std::fs::read_to_string(&self.connection_file)
            && text.contains(&self.token)
        {
            let _ = std::fs::remove_file(&self.connection_file);
        }
    }
}

async fn bind(role: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => StartError::PortInUse { role, addr },
        _ => StartError::Bind { role, addr, source },
    })
}

fn url_of(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        // Bound to every interface: loopback is still the address to use from this machine.
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness is a broken machine; still never hand out a guessable token.
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let addr = &bytes as *const _ as usize;
        bytes[..16].copy_from_slice(&nanos.to_le_bytes());
        bytes[16..24].copy_from_slice(&(addr as u64).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn start(config: ServeConfig) -> Result<Running, StartError> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

pub async fn start_with_clock(config: ServeConfig, clock: Arc<dyn Clock>) -> Result<Running, StartError> {
    for (role, addr) in [("receiver", config.receiver_addr), ("api", config.api_addr)] {
        if !addr.ip().is_loopback() && !config.allow_remote {
            return Err(StartError::RemoteNotAllowed { role, addr });
        }
    }
    // Bind first: a port in use should be reported before anything touches the data dir.
    let receiver = bind("receiver", config.receiver_addr).await?;
    let api = bind("api", config.api_addr).await?;
    let receiver_addr = receiver.local_addr().map_err(|source| StartError::Bind {
        role: "receiver",
        addr: config.receiver_addr,
        source,
    })?;
    let api_addr =
        api.local_addr().map_err(|source| StartError::Bind { role: "api", addr: config.api_addr, source })?;
    for (role, addr) in [("receiver", receiver_addr), ("api", api_addr)] {
        if !addr.ip().is_loopback() {
            tracing::warn!(%addr, "the {role} listens beyond this machine: anyone on the network can reach it");
        }
    }

    prepare_data_dir(&config.data_dir)
        .map_err(|source| StartError::DataDir { dir: config.data_dir.clone(), source })?;
    let engine_config = EngineConfig { data_dir: config.data_dir.clone(), max_body_bytes: config.max_body_bytes };
    let engine = Engine::start(engine_config, clock).await?;
    let token = config.token.clone().filter(|t| !t.is_empty()).unwrap_or_else(new_token);
    let receiver_url = url_of(receiver_addr);
    let api_url = url_of(api_addr);

    let (stop, stopped) = watch::channel(false);
    let extra_hosts = if api_addr.ip().is_loopback() || api_addr.ip().is_unspecified() {
        Vec::new()
    } else {
        vec![match api_addr.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        }]
    };
    let guard = Arc::new(Guard::new(token.clone(), api_addr.port(), extra_hosts, config.allowed_origins.clone()));
    let state = AppState {
        engine: engine.clone(),
        receiver_url: receiver_url.clone().into(),
        api_url: api_url.clone().into(),
        token: token.clone().into(),
        shutdown: stopped.clone(),
        ui: Arc::new(config.ui_dir.clone().map_or(UiSource::Embedded, UiSource::Dir)),
    };
    let app = control::router(state, guard);

    let receiver_task = tokio::spawn(crate::receiver::serve(
        receiver,
        engine.clone(),
        crate::receiver::Timeouts { header: config.header_timeout, body: config.body_timeout },
        stopped.clone(),
    ));
    let mut api_stop = stopped;
    let api_task = tokio::spawn(async move {
        let served = axum::serve(api, app.into_make_service())
            .with_graceful_shutdown(async move {
                let _ = api_stop.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "control API stopped with an error");
        }
    });

    let connection_file = config.data_dir.join(CONNECTION_FILE);
    if let Err(e) = write_connection_file(&connection_file, &receiver_url, &api_url, &token) {
        tracing::warn!(error = %e, path = %connection_file.display(), "cannot write the connection file; the CLI will need --api and --token");
    }
    Ok(Running {
        receiver_url,
        api_url,
        token,
        receiver_addr,
        api_addr,
        engine,
        stop,
        tasks: vec![receiver_task, api_task],
        connection_file,
    })
}

/// Creates the data directory owner-only (0700) and the database file owner-only (0600) when they
/// do not exist yet, before the store opens it; SQLite gives its `-wal`/`-shm` files the mode of the
/// database file. Existing directories and files keep the mode their owner gave them.
fn prepare_data_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(dir.join(hookbench_store::DB_FILE)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Where a running engine tells local tools (the CLI) how to reach it: `{"receiver_url","api_url","token"}`,
/// readable by this user only, removed on a clean stop.
pub const CONNECTION_FILE: &str = "connection.json";

fn write_connection_file(
    path: &std::path::Path,
    receiver_url: &str,
    api_url: &str,
    token: &str,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let doc = serde_json::json!({ "receiver_url": receiver_url, "api_url": api_url, "token": token, "pid": std::process::id() });
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(doc.to_string().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
