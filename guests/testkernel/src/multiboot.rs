//! The Multiboot 1 information structure the loader left in memory: the
//! command line and the memory sizes.

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

    fn flags(&self) -> u32 {
        self.word(0)
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
        let at = self.word(16) as u64;
        let mut len = 0;
        // SAFETY: a NUL-terminated string the loader placed in RAM; at most
        // 4 KiB is read.
        unsafe {
            while len < 4096 && *((at + len) as *const u8) != 0 {
                len += 1;
            }
            core::slice::from_raw_parts(at as *const u8, len as usize)
        }
    }

    /// The value of `key` (e.g. `b"test="`) on the command line.
    pub fn arg(&self, key: &[u8]) -> Option<&'static [u8]> {
        self.cmdline()
            .split(|&b| b == b' ')
            .find_map(|w| w.strip_prefix(key))
    }
}
