//! Guest descriptions: one line per guest, as root-pd reads them from a
//! configuration file and hands them to each VMM.
//!
//! ```text
//! # comment
//! vm pit kernel=testkernel.elf cmdline="test=pit" cpus=1 mem=16M
//! wait
//! ```
//!
//! A `vm` line names the guest and its settings: `kernel=` (a boot module,
//! required), `cmdline="..."`, `modules=a,b` (boot modules, in order),
//! `cpus=` (1–8 vCPUs, default 1), `mem=` (RAM in bytes with an optional
//! `K`, `M` or `G` suffix; 2 MiB to 3 GiB, a multiple of 2 MiB; default
//! 32M) and `cpu=` (the host CPU of vCPU 0; the rest follow round robin;
//! default: root-pd's choice). `wait` waits for every guest started so far
//! to end. Errors name the line and what is wrong with it.

use alloc::string::String;
use alloc::vec::Vec;

pub const MAX_VCPUS: u32 = 8;
pub const MIN_MEM: u64 = 2 << 20;
pub const MAX_MEM: u64 = 3 << 30;
const DEFAULT_MEM: u64 = 32 << 20;
pub const MAX_NAME: usize = 15;

/// One guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmSpec {
    pub name: String,
    pub kernel: String,
    pub cmdline: String,
    pub modules: Vec<String>,
    pub cpus: u32,
    pub mem: u64,
    /// Host CPU of vCPU 0, if the line says.
    pub cpu: Option<u32>,
}

/// One line that does something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Vm(VmSpec),
    Wait,
}

/// What is wrong with a line (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub what: &'static str,
}

/// Parses a whole configuration.
pub fn parse(text: &[u8]) -> Result<Vec<Item>, ConfigError> {
    let mut items = Vec::new();
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let err = |what| ConfigError { line: i + 1, what };
        let line = core::str::from_utf8(raw).map_err(|_| err("not UTF-8"))?;
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let item = parse_line(line).map_err(err)?;
        if let Item::Vm(v) = &item {
            let dup = items
                .iter()
                .any(|it| matches!(it, Item::Vm(o) if o.name == v.name));
            if dup {
                return Err(err("a guest of this name exists already"));
            }
        }
        items.push(item);
    }
    Ok(items)
}

/// Splits a line into words; a double-quoted part is one word (quotes
/// removed) and may hold spaces.
fn words(line: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' | '\t' if !quoted => {
                if any {
                    out.push(core::mem::take(&mut cur));
                    any = false;
                }
            }
            _ => {
                cur.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err("unterminated quote");
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}

/// Parses one non-empty line without its comment.
pub fn parse_line(line: &str) -> Result<Item, &'static str> {
    let w = words(line)?;
    match w.first().map(String::as_str) {
        Some("wait") if w.len() == 1 => Ok(Item::Wait),
        Some("wait") => Err("`wait` takes no arguments"),
        Some("vm") => parse_vm(&w[1..]).map(Item::Vm),
        _ => Err("a line starts with `vm` or is `wait`"),
    }
}

fn parse_vm(w: &[String]) -> Result<VmSpec, &'static str> {
    let name = w.first().ok_or("`vm` needs a name")?;
    let name_ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.contains('=')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !name_ok {
        return Err("a guest name is 1-15 letters, digits, '-' or '_'");
    }
    let mut v = VmSpec {
        name: name.clone(),
        kernel: String::new(),
        cmdline: String::new(),
        modules: Vec::new(),
        cpus: 1,
        mem: DEFAULT_MEM,
        cpu: None,
    };
    for word in &w[1..] {
        let (key, value) = word.split_once('=').ok_or("settings are key=value")?;
        match key {
            "kernel" => v.kernel = value.into(),
            "cmdline" => v.cmdline = value.into(),
            "modules" => {
                v.modules = value
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect()
            }
            "cpus" => v.cpus = number(value).ok_or("cpus= wants a number")? as u32,
            "mem" => v.mem = size(value).ok_or("mem= wants a size such as 64M")?,
            "cpu" => v.cpu = Some(number(value).ok_or("cpu= wants a number")? as u32),
            _ => return Err("unknown setting (kernel, cmdline, modules, cpus, mem, cpu)"),
        }
    }
    if v.kernel.is_empty() {
        return Err("kernel= is missing");
    }
    if v.cpus == 0 || v.cpus > MAX_VCPUS {
        return Err("cpus= must be 1 to 8");
    }
    if !(MIN_MEM..=MAX_MEM).contains(&v.mem) || !v.mem.is_multiple_of(MIN_MEM) {
        return Err("mem= must be a multiple of 2M from 2M to 3G");
    }
    Ok(v)
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    s.parse().ok()
}

fn size(s: &str) -> Option<u64> {
    let (digits, shift) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 10),
        b'M' | b'm' => (&s[..s.len() - 1], 20),
        b'G' | b'g' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    number(digits)?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests;
