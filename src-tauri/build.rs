//! Generates Tauri's context (config, capabilities, embedded `ui/dist`) at compile time.

fn main() {
    tauri_build::build()
}
