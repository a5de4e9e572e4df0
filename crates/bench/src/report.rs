//! The one table: what, measured, ceiling, ratio, target, met — printed and written as JSON.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub what: String,
    pub measured: String,
    pub ceiling: String,
    /// Measured against the ceiling, when there is one.
    pub ratio: Option<f64>,
    pub target: String,
    /// `None`: no target to meet, or not measured.
    pub met: Option<bool>,
    /// How it was measured, or why it was not.
    pub note: String,
}

impl Row {
    pub fn new(what: impl Into<String>, measured: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            measured: measured.into(),
            ceiling: "-".into(),
            ratio: None,
            target: "-".into(),
            met: None,
            note: String::new(),
        }
    }

    pub fn ceiling(mut self, ceiling: impl Into<String>, ratio: f64) -> Self {
        self.ceiling = ceiling.into();
        self.ratio = Some(ratio);
        self
    }

    pub fn target(mut self, target: impl Into<String>, met: bool) -> Self {
        self.target = target.into();
        self.met = Some(met);
        self
    }

    /// A target that this row does not decide (not measured, not built).
    pub fn target_open(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    /// 1-minute load average when the run started and ended: how busy the shared machine was.
    pub load_start: String,
    pub load_end: String,
}

impl Machine {
    pub fn read() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or_else(|| "unknown".to_owned(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
        Self {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory,
            load_start: load_average(),
            load_end: String::new(),
        }
    }
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: Machine,
    pub rows: Vec<Row>,
}

fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    }
}

impl Report {
    /// The table as Markdown (it reads as plain text in a terminal too).
    pub fn table(&self) -> String {
        let header = ["what", "measured", "ceiling", "ratio", "target", "met?"];
        let cells: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.what.clone(),
                    r.measured.clone(),
                    r.ceiling.clone(),
                    r.ratio.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}")),
                    r.target.clone(),
                    met_text(r.met).to_owned(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |row: &[String]| {
            let padded: Vec<String> =
                row.iter().zip(widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
            format!("| {} |", padded.join(" | "))
        };
        let mut out = String::new();
        out.push_str(&line(&header.map(str::to_owned)));
        out.push('\n');
        out.push_str(&format!("|{}|", widths.map(|w| "-".repeat(w + 2)).join("|")));
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row));
            out.push('\n');
        }
        let notes: Vec<String> =
            self.rows.iter().filter(|r| !r.note.is_empty()).map(|r| format!("- {}: {}", r.what, r.note)).collect();
        if !notes.is_empty() {
            out.push('\n');
            out.push_str(&notes.join("\n"));
            out.push('\n');
        }
        out
    }
}
