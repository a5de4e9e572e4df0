//! Hookbench's desktop shell: reads preferences, starts the engine in-process, opens the main window
//! (its size and position remembered), puts up the tray icon, notifies of dead letters, and closes the
//! engine cleanly on exit. It holds no webhook logic.
//!
//! Closing the window quits the app, engine included, as ngrok's and HTTP Toolkit's do: a receiver
//! that goes on listening (and answering with fault plans) after its window is gone would surprise.
//! The tray is there while the app runs, for its state and toggles, not to keep it alive.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod launch;
mod notify;
mod preferences;
mod tray;
mod webview;

use std::path::PathBuf;
use std::sync::Mutex;

use hookbench_http::Running;
use tauri::{App, AppHandle, Manager, RunEvent, Runtime};
use tauri_plugin_store::StoreExt;
use tauri_plugin_window_state::StateFlags;

use crate::preferences::{Overrides, Placement, Preferences, SETTINGS_FILE};
use crate::webview::Connection;

/// The engine of this launch, taken out on exit to shut it down.
struct Engine(Mutex<Option<Running>>);

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    if let Some(problem) = missing_display() {
        tracing::error!("{problem}");
        return std::process::ExitCode::FAILURE;
    }

    let app = tauri::Builder::default()
        // First, so a second launch exits before it starts an engine: two engines on one data folder
        // would be two writers on one SQLite file, each blind to the other's captures.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            webview::bring_to_front(app);
        }))
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        // Size, position and maximized, saved on close and exit to `.window-state.json` in the app
        // config dir and restored when the window is created; not visibility or decorations.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .manage(Engine(Mutex::new(None)))
        .setup(|app| {
            // Don't return the error: Tauri panics on a failed setup hook.
            if let Err(err) = setup(app) {
                tracing::error!("could not open the main window: {err:#}");
                app.handle().exit(1);
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "the desktop shell could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    listen_for_termination(app.handle());
    let code = app.run_return(|app, event| {
        if let RunEvent::Exit = event {
            shut_down_engine(app);
        }
    });
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Starts the engine and opens the main window: the UI when the engine runs, else a page with the reason.
/// Only a failure to open any window at all is an error here.
fn setup<R: Runtime>(app: &mut App<R>) -> anyhow::Result<()> {
    let handle = app.handle().clone();
    let prefs = read_preferences(&handle);
    match tauri::async_runtime::block_on(start_engine(&handle, &prefs)) {
        Ok(launched) => {
            let connection = Connection {
                api_url: launched.running.api_url.clone(),
                token: launched.running.token.clone(),
                receiver_url: launched.running.receiver_url.clone(),
                desktop: true,
                port_fallback: launched.port_fallback,
            };
            tracing::info!(
                receiver = %connection.receiver_url,
                api = %connection.api_url,
                port_fallback = connection.port_fallback,
                "engine started"
            );
            let engine = launched.running.engine().clone();
            let receiver_addr = launched.running.receiver_addr;
            if let Ok(mut slot) = handle.state::<Engine>().0.lock() {
                *slot = Some(launched.running);
            }
            webview::open_app(&handle, &connection, prefs.theme)?;
            // Without a tray the app still works: the window has everything the tray offers.
            let tray_log = test_hook_path(tray::TRAY_LOG_VAR);
            if let Err(err) = tray::install(&handle, &engine, receiver_addr, connection.receiver_url.clone(), tray_log)
            {
                tracing::warn!(error = %err, "could not put up the tray icon");
            }
            let notifier = notify::notifier(&handle, test_hook_path(notify::NOTIFY_LOG_VAR));
            let window_app = handle.clone();
            let focused = move || {
                window_app.get_webview_window(webview::MAIN_WINDOW).and_then(|w| w.is_focused().ok()).unwrap_or(false)
            };
            tauri::async_runtime::spawn(notify::watch_dead_letters(engine.subscribe(), focused, notifier, notify::GAP));
        }
        Err(err) => {
            let reason = format!("{err:#}");
            tracing::error!(%reason, "the engine did not start");
            webview::open_error(&handle, &reason, prefs.theme)?;
        }
    }
    Ok(())
}

fn read_preferences<R: Runtime>(app: &AppHandle<R>) -> Preferences {
    match app.store(SETTINGS_FILE) {
        Ok(store) => {
            let (prefs, warnings) = Preferences::read(|key| store.get(key));
            for warning in warnings {
                tracing::warn!("{SETTINGS_FILE}: {warning}");
            }
            prefs
        }
        Err(err) => {
            tracing::warn!(error = %err, "could not open {SETTINGS_FILE}; using default preferences");
            Preferences::default()
        }
    }
}

async fn start_engine<R: Runtime>(app: &AppHandle<R>, prefs: &Preferences) -> anyhow::Result<launch::Launched> {
    let overrides = Overrides::read(|name| std::env::var(name).ok())?;
    let app_data_dir = app.path().app_data_dir()?;
    let placement = Placement::resolve(prefs, &overrides, &app_data_dir)?;
    launch::start(&placement).await
}

/// A file named by a test-hook variable (`HOOKBENCH_NOTIFY_LOG`, `HOOKBENCH_TRAY_LOG`), if set.
fn test_hook_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Why no window can open here, checked up front because GTK's failure to start is a panic deep in tao.
fn missing_display() -> Option<&'static str> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if cfg!(target_os = "linux") && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        Some("no display: set DISPLAY or WAYLAND_DISPLAY, or run `hookbench serve` and open the UI in a browser")
    } else {
        None
    }
}

/// SIGINT/SIGTERM leave through the normal exit path, so the engine still closes its store.
fn listen_for_termination<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                tracing::warn!("cannot listen for termination signals");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        tracing::info!("termination signal received; exiting");
        app.exit(0);
    });
}

fn shut_down_engine<R: Runtime>(app: &AppHandle<R>) {
    let running = app.state::<Engine>().0.lock().ok().and_then(|mut slot| slot.take());
    if let Some(running) = running {
        tauri::async_runtime::block_on(running.shutdown());
        tracing::info!("engine stopped");
    }
}
