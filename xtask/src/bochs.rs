//! The Bochs configuration for a run, and what Bochs' exit means.
//!
//! Bochs has no `-kernel`, so it always boots the GRUB ISO. Debian's build has its internal
//! debugger enabled and no `nogui`/`term` display (only `rfb` and `wx` plugins ship), so it runs
//! headless with `display_library: rfb, options="timeout=0"` (no wait for a VNC client) and is
//! started as `bochs -q -f bochsrc -rc RCFILE` with RCFILE holding `continue` then `quit`.
//!
//! Exit status, measured with Bochs 2.7 (Debian 2.7+dfsg-4+deb12u1): both ACPI power-off
//! (SLP_EN with the S5 sleep type written to PM1a_CNT) and the string `Shutdown` written to port
//! 0x8900 end Bochs through a panic ("ACPI control: soft power off", "Shutdown port: shutdown
//! requested"), which `panic: action=fatal` turns into **exit status 1**. Any other panic ends
//! with 1 as well, so the status alone does not prove a power-off: Bochs prints the reason after
//! "Bochs is exiting with the following message:", which [`exit_message`] extracts and xtask
//! prints as `bochs: exit: …`.
//!
//! Two more facts found on the way: Debian's ALSA sound plugin aborts Bochs ("buffer overflow
//! detected") on a machine without a sound card, so the sound drivers are set to `dummy`; and
//! the emulated UART resets to 5-bit characters, so a kernel must program the line control
//! register (8N1) before its output is readable, and wait for the transmitter to drain (LSR bit
//! 6) before powering off, or the last characters are lost.

use std::path::Path;

/// Bochs' exit status after an ACPI power-off or a `Shutdown` on port 0x8900.
pub const POWER_OFF_STATUS: i32 = 1;

/// The debugger commands Bochs reads at start: run, and leave if the simulation ever stops.
pub const RC: &str = "continue\nquit\n";

pub const PROGRAM: &str = "bochs";

/// One Bochs machine.
pub struct Config<'a> {
    pub cpu_model: &'a str,
    pub cpus: u32,
    pub mem_mib: u32,
    pub iso: &'a Path,
    /// COM1 output.
    pub console: &'a Path,
    /// Bochs' own log.
    pub log: &'a Path,
}

/// The bochsrc text.
pub fn bochsrc(cfg: &Config<'_>) -> String {
    format!(
        "# Written by cargo xtask run.\n\
         megs: {mem}\n\
         cpu: model={model}, count={cpus}, ips=200000000, reset_on_triple_fault=0\n\
         romimage: file=/usr/share/bochs/BIOS-bochs-latest\n\
         vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n\
         ata0-master: type=cdrom, path=\"{iso}\", status=inserted\n\
         boot: cdrom\n\
         com1: enabled=1, mode=file, dev=\"{console}\"\n\
         clock: sync=none\n\
         display_library: rfb, options=\"timeout=0\"\n\
         port_e9_hack: enabled=1\n\
         sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n\
         speaker: enabled=0\n\
         log: \"{log}\"\n\
         panic: action=fatal\n\
         error: action=report\n\
         info: action=report\n\
         debug: action=ignore\n",
        mem = cfg.mem_mib,
        model = cfg.cpu_model,
        cpus = cfg.cpus,
        iso = cfg.iso.display(),
        console = cfg.console.display(),
        log = cfg.log.display(),
    )
}

/// The reason Bochs gave for stopping, from its stdout/stderr.
pub fn exit_message(output: &str) -> Option<String> {
    let mut lines = output.lines();
    lines.find(|l| l.contains("Bochs is exiting with the following message:"))?;
    let message: Vec<&str> = lines
        .take_while(|l| !l.starts_with("====="))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (!message.is_empty()).then(|| message.join(" "))
}

/// Whether Bochs' exit message is one of the two power-off requests.
pub fn is_power_off(message: &str) -> bool {
    message.contains("ACPI control: soft power off")
        || message.contains("Shutdown port: shutdown requested")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bochsrc_names_the_machine_and_the_files() {
        let rc = bochsrc(&Config {
            cpu_model: "corei7_skylake_x",
            cpus: 2,
            mem_mib: 256,
            iso: Path::new("/w/target/images/run/hypervisor.iso"),
            console: Path::new("/w/target/test-logs/b.log"),
            log: Path::new("/w/target/images/run/bochs/bochs.log"),
        });
        for line in [
            "megs: 256\n",
            "cpu: model=corei7_skylake_x, count=2, ips=200000000",
            "ata0-master: type=cdrom, path=\"/w/target/images/run/hypervisor.iso\", status=inserted\n",
            "boot: cdrom\n",
            "com1: enabled=1, mode=file, dev=\"/w/target/test-logs/b.log\"\n",
            "display_library: rfb, options=\"timeout=0\"\n",
            "log: \"/w/target/images/run/bochs/bochs.log\"\n",
            "panic: action=fatal\n",
        ] {
            assert!(rc.contains(line), "missing {line:?} in\n{rc}");
        }
    }

    #[test]
    fn extracts_the_exit_message() {
        let out = "Next at t=0\n\
            ========================================================================\n\
            Bochs is exiting with the following message:\n\
            [ACPI  ] ACPI control: soft power off\n\
            ========================================================================\n\
            (0).[739783675] [0x000000100059] out dx, ax\n";
        assert_eq!(
            exit_message(out).as_deref(),
            Some("[ACPI  ] ACPI control: soft power off")
        );
        assert!(is_power_off(&exit_message(out).unwrap()));
        assert!(!is_power_off("[CPU0  ] triple fault with no resolution"));
        assert_eq!(exit_message("ALSA lib pcm.c: Unknown PCM default\n"), None);
    }
}
