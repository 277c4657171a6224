//! A running emulator process that never outlives xtask.
//!
//! Three layers make sure of it: the child asks the kernel for SIGKILL when xtask dies
//! (`PR_SET_PDEATHSIG`, which also covers xtask being killed outright); a scripted run puts the
//! emulator in its own process group so stopping it kills the whole group; and dropping an
//! [`Emulator`] that has not exited kills it and reaps it (errors, timeouts, panics).

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};

use anyhow::{Context, Result};

pub struct Emulator {
    child: Child,
    name: String,
    /// Whether the child leads its own process group (kill the group, not just the child).
    own_group: bool,
    exited: Option<ExitStatus>,
}

impl Emulator {
    /// Starts `cmd`. With `own_group`, the emulator gets its own process group: right for a
    /// scripted run, wrong for an interactive one, where it must stay in the terminal's
    /// foreground group to read the keyboard and receive Ctrl-C.
    pub fn spawn(mut cmd: Command, own_group: bool) -> Result<Self> {
        let name = cmd.get_program().to_string_lossy().into_owned();
        if own_group {
            cmd.process_group(0);
        }
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure runs in the forked child before exec and calls only prctl and
        // getppid, which are async-signal-safe; it allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // xtask may have died before prctl took effect.
                if libc::getppid() != parent {
                    return Err(io::Error::other("xtask exited while starting the emulator"));
                }
                Ok(())
            });
        }
        let child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        Ok(Emulator {
            child,
            name,
            own_group,
            exited: None,
        })
    }

    /// The exit status if the emulator has exited.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self
                .child
                .try_wait()
                .with_context(|| format!("waiting for {}", self.name))?;
        }
        Ok(self.exited)
    }

    /// Waits for the emulator to exit.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.exited {
            return Ok(status);
        }
        let status = self
            .child
            .wait()
            .with_context(|| format!("waiting for {}", self.name))?;
        self.exited = Some(status);
        Ok(status)
    }

    /// Kills the emulator (its whole process group when it has one) and reaps it.
    pub fn kill(&mut self) {
        if self.exited.is_some() {
            return;
        }
        let pid = self.child.id() as libc::pid_t;
        if self.own_group {
            // SAFETY: kill has no memory-safety preconditions; the group id is the pid of our
            // unreaped child, so it cannot name anyone else's group.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        } else {
            let _ = self.child.kill();
        }
        self.exited = self.child.wait().ok();
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An exit status as a sentence fragment: "exit status 33" or "killed by signal 9".
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => status.to_string(),
    }
}

/// The status xtask passes on for an interactive run: the code, or 128 + signal like a shell.
pub fn shell_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.saturating_add(signal as u8),
        (None, None) => 1,
    }
}

/// Whether a process exists and is not a zombie waiting for a reaper.
#[cfg(test)]
pub fn alive(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
            state != Some(Some('Z'))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn dropping_kills_the_whole_group() {
        // A shell that starts a grandchild, then waits: both must go.
        let dir = std::env::temp_dir().join(format!("xtask-emu-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pidfile = dir.join("grandchild.pid");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!("sleep 30 & echo $! > {}; wait", pidfile.display()),
        ]);
        let emu = Emulator::spawn(cmd, true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let grandchild = loop {
            if let Ok(text) = std::fs::read_to_string(&pidfile) {
                if let Ok(pid) = text.trim().parse::<libc::pid_t>() {
                    break pid;
                }
            }
            assert!(Instant::now() < deadline, "grandchild never started");
            std::thread::sleep(Duration::from_millis(10));
        };
        let child = emu.child.id() as libc::pid_t;
        assert!(alive(grandchild));
        drop(emu);
        std::thread::sleep(Duration::from_millis(100));
        assert!(!alive(child), "emulator survived");
        assert!(!alive(grandchild), "emulator's child survived");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn reports_exit_codes_and_signals() {
        let mut emu = Emulator::spawn(Command::new("false"), false).unwrap();
        let status = emu.wait().unwrap();
        assert_eq!(describe(status), "exit status 1");
        assert_eq!(shell_code(status), 1);
        let mut sleep = Command::new("sleep");
        sleep.arg("30");
        let mut emu = Emulator::spawn(sleep, true).unwrap();
        assert_eq!(emu.try_wait().unwrap(), None);
        // SAFETY: the pid is our own unreaped child.
        unsafe { libc::kill(emu.child.id() as libc::pid_t, libc::SIGTERM) };
        let status = emu.wait().unwrap();
        assert_eq!(describe(status), "killed by signal 15");
        assert_eq!(shell_code(status), 143);
    }
}
