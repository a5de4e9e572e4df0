//! Desktop footprint: only what can be read without a display session here (binary and installer
//! sizes); the rest is printed as not measured, with the reason.

use std::path::{Path, PathBuf};

use crate::report::Row;

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

/// Installers a `tauri build` leaves under `bundle/` (deb, rpm, AppImage).
fn installers(bundle: &Path) -> Vec<(PathBuf, u64)> {
    let mut found = Vec::new();
    let mut stack = vec![bundle.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "deb" || e == "rpm" || e == "AppImage") {
                found.push((path.clone(), std::fs::metadata(&path).map_or(0, |m| m.len())));
            }
        }
    }
    found
}

pub fn rows(binary: Option<&Path>, bundle: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    match binary.filter(|b| b.exists()) {
        Some(bin) => {
            let size = std::fs::metadata(bin).map_or(0, |m| m.len());
            rows.push(Row::new("desktop: release binary size", mib(size)).note(format!("{}", bin.display())));
            let found = installers(bundle);
            if found.is_empty() {
                rows.push(
                    Row::new("desktop: installer size", "no bundle")
                        .target_open("reported")
                        .note(format!("no installer under {}", bundle.display())),
                );
            }
            for (path, size) in found {
                let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                rows.push(Row::new(format!("desktop: installer {name}"), mib(size)).target_open("reported"));
            }
        }
        None => rows.push(
            Row::new("desktop footprint", "skipped")
                .target_open("start ≤ 1 s, idle ≤ 150 MB, installer reported")
                .note("the release build of src-tauri is slow here: BENCH_DESKTOP=1 make bench includes it"),
        ),
    }
    rows.push(
        Row::new("desktop: start to interactive, idle memory", "not measured")
            .target_open("≤ 1 s, ≤ 150 MB")
            .note("needs the window under Xvfb with WebKitWebDriver timing the first paint; not built yet"),
    );
    rows
}
