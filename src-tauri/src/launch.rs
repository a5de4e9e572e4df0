//! Starts the engine in-process at the chosen placement, moving to a free port when a preferred one is taken.

use std::net::SocketAddr;

use anyhow::Context;
use hookbench_http::{Running, ServeConfig, StartError};

use crate::preferences::Placement;

/// The engine as started, and whether it had to leave a preferred port.
pub struct Launched {
    pub running: Running,
    pub port_fallback: bool,
}

/// The config to retry with after `err`, or `None` when retrying can't help.
///
/// Only a taken port that isn't already "any free port" is worth a retry, and only on the listener that
/// hit it; the role is matched by address, so the engine's wording of roles doesn't matter here.
pub fn fallback_for(config: &ServeConfig, err: &StartError) -> Option<ServeConfig> {
    let StartError::PortInUse { addr, .. } = err else {
        return None;
    };
    if addr.port() == 0 {
        return None;
    }
    let any_port = |a: SocketAddr| SocketAddr::new(a.ip(), 0);
    let mut next = config.clone();
    if *addr == config.receiver_addr {
        next.receiver_addr = any_port(config.receiver_addr);
    } else if *addr == config.api_addr {
        next.api_addr = any_port(config.api_addr);
    } else {
        return None;
    }
    Some(next)
}

pub fn serve_config(placement: &Placement) -> ServeConfig {
    let mut config = ServeConfig::new(placement.data_dir.clone());
    config.receiver_addr = placement.receiver_addr;
    config.api_addr = placement.api_addr;
    // The webview loads the bundle itself; the API listener's copy is for browsers.
    config.ui_dir = None;
    config
}

/// Starts the engine; each listener whose preferred port is taken gets a free one instead.
pub async fn start(placement: &Placement) -> anyhow::Result<Launched> {
    std::fs::create_dir_all(&placement.data_dir)
        .with_context(|| format!("creating the data folder {}", placement.data_dir.display()))?;
    let mut config = serve_config(placement);
    let mut port_fallback = false;
    // At most one retry per listener: a third attempt could only repeat an error already handled.
    for _ in 0..3 {
        match hookbench_http::start(config.clone()).await {
            Ok(running) => {
                return Ok(Launched { running, port_fallback });
            }
            Err(err) => match fallback_for(&config, &err) {
                Some(next) => {
                    // Not the error's own text: it suggests CLI flags the desktop doesn't have.
                    if let StartError::PortInUse { role, addr } = &err {
                        tracing::warn!(%addr, "the {role} port is taken; using a free port instead");
                    }
                    config = next;
                    port_fallback = true;
                }
                None => {
                    return Err(err).with_context(|| {
                        format!("starting the engine with its data in {}", placement.data_dir.display())
                    });
                }
            },
        }
    }
    anyhow::bail!("starting the engine: the ports kept being taken while falling back to free ones")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::path::PathBuf;

    fn placement(dir: PathBuf, receiver: SocketAddr, api: SocketAddr) -> Placement {
        Placement { receiver_addr: receiver, api_addr: api, data_dir: dir }
    }

    fn loopback(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn a_taken_receiver_port_is_retried_on_a_free_port_keeping_the_api_port() {
        let config = serve_config(&placement(PathBuf::from("/d"), loopback(9000), loopback(9001)));
        let err = StartError::PortInUse { role: "receiver", addr: loopback(9000) };
        let next = fallback_for(&config, &err).expect("a taken preferred port is retried");
        assert_eq!(next.receiver_addr, loopback(0), "the receiver moves to any free port");
        assert_eq!(next.api_addr, loopback(9001), "the API keeps its preferred port");
    }

    #[test]
    fn a_taken_api_port_is_retried_on_a_free_port() {
        let config = serve_config(&placement(PathBuf::from("/d"), loopback(9000), loopback(9001)));
        let err = StartError::PortInUse { role: "api", addr: loopback(9001) };
        let next = fallback_for(&config, &err).expect("a taken preferred port is retried");
        assert_eq!(next.api_addr, loopback(0));
        assert_eq!(next.receiver_addr, loopback(9000));
    }

    #[test]
    fn other_start_errors_are_not_retried() {
        let config = serve_config(&placement(PathBuf::from("/d"), loopback(9000), loopback(9001)));
        let err = StartError::Bind {
            role: "receiver",
            addr: loopback(9000),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(fallback_for(&config, &err).is_none(), "a permission problem stays a permission problem");
        let already_any = serve_config(&placement(PathBuf::from("/d"), loopback(0), loopback(9001)));
        let err = StartError::PortInUse { role: "receiver", addr: loopback(0) };
        assert!(fallback_for(&already_any, &err).is_none(), "port 0 has nowhere else to fall back to");
    }

    #[test]
    fn the_engine_starts_on_free_ports_when_both_preferred_ports_are_taken() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let taken_receiver = TcpListener::bind(loopback(0)).expect("bind a port to occupy");
        let taken_api = TcpListener::bind(loopback(0)).expect("bind a port to occupy");
        let receiver = taken_receiver.local_addr().expect("bound address");
        let api = taken_api.local_addr().expect("bound address");
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        runtime.block_on(async {
            let launched =
                start(&placement(dir.path().join("data"), receiver, api)).await.expect("taken ports are not fatal");
            assert!(launched.port_fallback, "the UI is told the ports moved");
            assert_ne!(launched.running.receiver_addr.port(), receiver.port(), "the receiver left the taken port");
            assert_ne!(launched.running.api_addr.port(), api.port(), "the API left the taken port");
            assert!(dir.path().join("data").is_dir(), "the data folder was created");
            launched.running.shutdown().await;
        });
    }

    #[test]
    fn a_data_folder_that_is_a_file_fails_with_a_reason_naming_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"x").expect("write a file");
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let result = runtime.block_on(start(&placement(file.clone(), loopback(0), loopback(0))));
        let err = result.err().expect("a file can't hold the store");
        let message = format!("{err:#}");
        assert!(message.contains(&file.display().to_string()), "the reason names the path: {message}");
    }
}
