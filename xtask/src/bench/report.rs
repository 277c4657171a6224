//! How `bench` reports: the console table, `results.json`, and the facts
//! that go with them (platform name, host CPU model, date).

use super::*;

/// The results as an aligned table with a header.
pub fn table(results: &[Sample]) -> String {
    let name_w = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let value_w = results
        .iter()
        .map(|r| r.value.to_string().len())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!("{:<name_w$}  {:>value_w$}  unit\n", "name", "value");
    for r in results {
        let _ = writeln!(
            out,
            "{:<name_w$}  {:>value_w$}  {}",
            r.name, r.value, r.unit
        );
    }
    out
}

/// How the figures were taken.
pub struct Setup {
    pub platform: Platform,
    pub icount: bool,
    pub cpu: String,
    pub smp: u32,
    /// ISO 8601, UTC.
    pub date: String,
}

impl Setup {
    /// Whether the figures repeat from run to run: Bochs, or TCG with icount.
    pub fn deterministic(&self) -> bool {
        match self.platform {
            Platform::Bochs => true,
            Platform::Tcg => self.icount,
            Platform::Kvm => false,
        }
    }
}

/// The contents of `results.json`.
pub fn results_json(setup: &Setup, results: &[Sample]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|r| json!({"name": r.name, "value": r.value, "unit": r.unit}))
        .collect();
    json!({
        "accel": accel_name(setup.platform),
        "deterministic": setup.deterministic(),
        "icount": setup.icount,
        "cpu": setup.cpu,
        "smp": setup.smp,
        "results": results,
        "date": setup.date,
    })
}

fn accel_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Kvm => "kvm",
        Platform::Tcg => "tcg",
        Platform::Bochs => "bochs",
    }
}

/// The first `model name` of /proc/cpuinfo.
pub fn host_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .filter(|l| l.starts_with("model name"))
        .find_map(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
        .filter(|model| !model.is_empty())
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso8601(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}
