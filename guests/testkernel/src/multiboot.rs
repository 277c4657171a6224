//! The Multiboot 1 information structure the loader left in memory: the
//! command line, the memory sizes, the modules and the memory map.

pub struct Info {
    base: u64,
}

impl Info {
    pub fn at(addr: u32) -> Self {
        Self {
            base: u64::from(addr),
        }
    }

    fn word(&self, offset: u64) -> u32 {
        // SAFETY: the loader placed the structure in RAM, identity-mapped.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    pub fn flags(&self) -> u32 {
        self.word(0)
    }

    /// KiB of RAM below 640 KiB (flag bit 0), else 0.
    pub fn mem_lower_kib(&self) -> u64 {
        if self.flags() & 1 != 0 {
            u64::from(self.word(4))
        } else {
            0
        }
    }

    /// The modules (flag bit 3): start, end and string address each.
    pub fn modules(&self) -> impl Iterator<Item = Module> + '_ {
        let (n, at) = if self.flags() & 8 != 0 {
            (self.word(20), u64::from(self.word(24)))
        } else {
            (0, 0)
        };
        (0..u64::from(n)).map(move |i| {
            let m = Info::at((at + 16 * i) as u32);
            Module {
                start: u64::from(m.word(0)),
                end: u64::from(m.word(4)),
                string: cstr(u64::from(m.word(8))),
            }
        })
    }

    /// The memory map (flag bit 6): base, length and type of each entry.
    pub fn memory_map(&self) -> impl Iterator<Item = (u64, u64, u32)> + '_ {
        let (len, at) = if self.flags() & 64 != 0 {
            (u64::from(self.word(44)), u64::from(self.word(48)))
        } else {
            (0, 0)
        };
        let mut off = 0;
        core::iter::from_fn(move || {
            if off + 24 > len {
                return None;
            }
            // Each entry: size (not counting itself), base, length, type.
            let e = Info::at((at + off) as u32);
            let q = |o: u64| u64::from(e.word(o)) | (u64::from(e.word(o + 4)) << 32);
            off += 4 + u64::from(e.word(0));
            Some((q(4), q(12), e.word(20)))
        })
    }

    /// KiB of RAM above 1 MiB (flag bit 0), else 0.
    pub fn mem_upper_kib(&self) -> u64 {
        if self.flags() & 1 != 0 {
            u64::from(self.word(8))
        } else {
            0
        }
    }

    /// The command line (flag bit 2), without its NUL.
    pub fn cmdline(&self) -> &'static [u8] {
        if self.flags() & 4 == 0 {
            return b"";
        }
        cstr(u64::from(self.word(16)))
    }

    /// The value of `key` (e.g. `b"test="`) on the command line.
    pub fn arg(&self, key: &[u8]) -> Option<&'static [u8]> {
        self.cmdline()
            .split(|&b| b == b' ')
            .find_map(|w| w.strip_prefix(key))
    }
}

/// A boot module as the loader placed it.
pub struct Module {
    pub start: u64,
    pub end: u64,
    pub string: &'static [u8],
}

/// The NUL-terminated string at `at`, at most 4 KiB of it.
fn cstr(at: u64) -> &'static [u8] {
    if at == 0 {
        return b"";
    }
    let mut len = 0;
    // SAFETY: a NUL-terminated string the loader placed in RAM (identity-
    // mapped); at most 4 KiB is read.
    unsafe {
        while len < 4096 && *((at + len) as *const u8) != 0 {
            len += 1;
        }
        core::slice::from_raw_parts(at as *const u8, len as usize)
    }
}
