//! Guest-physical memory as device models and the emulator see it.
//!
//! [`GuestMemory`] is the one way in: copies to and from guest-physical
//! addresses that fail cleanly outside RAM. [`Ram`] is the VMM's
//! implementation over the guest RAM it holds in its own address space.

/// An access touched guest-physical memory that is not RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotRam {
    pub gpa: u64,
}

/// Guest-physical memory (usable as `dyn`; the generic helpers need a
/// concrete type). `&self` for writes too: the guest writes its own
/// memory concurrently anyway, and every vCPU's handler shares one view.
pub trait GuestMemory {
    /// Copies `buf.len()` bytes from `gpa`.
    fn read(&self, gpa: u64, buf: &mut [u8]) -> Result<(), NotRam>;
    /// Copies `buf` to `gpa`.
    fn write(&self, gpa: u64, buf: &[u8]) -> Result<(), NotRam>;

    /// Reads a little-endian value of `N` bytes (N ≤ 8).
    fn read_le<const N: usize>(&self, gpa: u64) -> Result<u64, NotRam>
    where
        Self: Sized,
    {
        let mut b = [0u8; 8];
        self.read(gpa, &mut b[..N])?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes the low `N` bytes of `value`, little-endian (N ≤ 8).
    fn write_le<const N: usize>(&self, gpa: u64, value: u64) -> Result<(), NotRam>
    where
        Self: Sized,
    {
        self.write(gpa, &value.to_le_bytes()[..N])
    }
}

/// Guest RAM from guest-physical 0 up to `len`, backed by memory of the VMM.
pub struct Ram {
    base: *mut u8,
    len: u64,
}

// SAFETY: `Ram` only copies bytes through its pointer; concurrent copies race
// exactly as the guest's own vCPUs do on this memory, and no Rust reference
// to the bytes is ever formed.
unsafe impl Send for Ram {}
// SAFETY: as above.
unsafe impl Sync for Ram {}

impl Ram {
    /// RAM over a slice the VMM gives up for good.
    pub fn new(mem: &'static mut [u8]) -> Self {
        Self {
            base: mem.as_mut_ptr(),
            len: mem.len() as u64,
        }
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The offset of `[gpa, gpa + n)` if it lies inside RAM.
    fn range(&self, gpa: u64, n: usize) -> Result<usize, NotRam> {
        let end = gpa.checked_add(n as u64).ok_or(NotRam { gpa })?;
        if end > self.len {
            return Err(NotRam {
                gpa: gpa.max(self.len),
            });
        }
        Ok(gpa as usize)
    }
}

impl GuestMemory for Ram {
    fn read(&self, gpa: u64, buf: &mut [u8]) -> Result<(), NotRam> {
        let at = self.range(gpa, buf.len())?;
        // SAFETY: `range` checked that the bytes lie inside the slice `new`
        // took for good; `buf` is memory of the VMM, never guest RAM.
        unsafe { core::ptr::copy_nonoverlapping(self.base.add(at), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    fn write(&self, gpa: u64, buf: &[u8]) -> Result<(), NotRam> {
        let at = self.range(gpa, buf.len())?;
        // SAFETY: as in `read`, with the copy going the other way.
        unsafe { core::ptr::copy_nonoverlapping(buf.as_ptr(), self.base.add(at), buf.len()) };
        Ok(())
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use alloc::vec;

    /// RAM of `len` zero bytes for tests.
    pub fn ram(len: usize) -> Ram {
        Ram::new(vec![0u8; len].leak())
    }

    #[test]
    fn copies_inside_ram_and_refuses_outside() {
        let r = ram(0x1000);
        r.write(0xffc, &[1, 2, 3, 4]).unwrap();
        assert_eq!(r.read_le::<4>(0xffc), Ok(0x0403_0201));
        assert_eq!(r.write(0xffd, &[0; 4]), Err(NotRam { gpa: 0x1000 }));
        assert_eq!(r.read_le::<1>(0x1000), Err(NotRam { gpa: 0x1000 }));
        assert_eq!(r.read_le::<2>(u64::MAX), Err(NotRam { gpa: u64::MAX }));
        r.write_le::<2>(0, 0xabcd_1234).unwrap();
        assert_eq!(r.read_le::<8>(0), Ok(0x1234));
        assert_eq!(r.len(), 0x1000);
    }
}
