//! Capabilities as user programs name them: selectors, capability range
//! descriptors (CRDs) and the rights bits of each kind of capability.
//!
//! A PD has three capability spaces. The *object space* maps selectors to
//! capabilities for kernel objects; the *memory space* maps virtual pages to
//! physical pages with access rights; the *I/O space* grants I/O ports. A CRD
//! names a naturally aligned range of one space: `2^order` units starting at
//! `base`, where a unit is a selector, a 4 KiB page or a port.

/// An object-space selector.
pub type Selector = u64;

/// Selectors per object space: `0..OBJ_SPACE_SELECTORS`.
pub const OBJ_SPACE_SELECTORS: u64 = 1 << 18;
/// Pages per memory space: the user half, `0..USER_END`.
pub const MEM_SPACE_PAGES: u64 = 1 << 35;
/// The end (exclusive) of the user half of every address space.
pub const USER_END: u64 = MEM_SPACE_PAGES << 12;
/// Ports per I/O space.
pub const IO_SPACE_PORTS: u64 = 1 << 16;
/// The largest order a CRD can carry (five bits).
pub const MAX_ORDER: u8 = 31;

/// Which space a CRD names.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// Nothing: a null CRD.
    Null = 0,
    /// The memory space; units are 4 KiB pages.
    Mem = 1,
    /// The I/O-port space; units are ports.
    Io = 2,
    /// The object space; units are selectors.
    Obj = 3,
}

impl Space {
    /// The number of units this space has.
    pub fn units(self) -> u64 {
        match self {
            Self::Null => 0,
            Self::Mem => MEM_SPACE_PAGES,
            Self::Io => IO_SPACE_PORTS,
            Self::Obj => OBJ_SPACE_SELECTORS,
        }
    }
}

/// A capability range descriptor, one `u64`:
/// bits 0–1 space, 2–6 rights, 7–11 order, 12–63 base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crd(pub u64);

impl Crd {
    /// Builds a CRD; the fields are truncated to their widths.
    pub const fn new(space: Space, base: u64, order: u8, rights: u8) -> Self {
        Self(
            (base << 12)
                | ((order as u64 & 0x1f) << 7)
                | ((rights as u64 & 0x1f) << 2)
                | space as u64,
        )
    }
    /// A CRD for one object selector.
    pub const fn obj(sel: Selector, rights: u8) -> Self {
        Self::new(Space::Obj, sel, 0, rights)
    }
    /// A CRD for `2^order` pages starting at page number `page`.
    pub const fn mem(page: u64, order: u8, rights: u8) -> Self {
        Self::new(Space::Mem, page, order, rights)
    }
    /// A CRD for `2^order` ports starting at `port`.
    pub const fn io(port: u64, order: u8) -> Self {
        Self::new(Space::Io, port, order, rights::io::ACCESS)
    }
    pub const fn space(self) -> Space {
        match self.0 & 3 {
            0 => Space::Null,
            1 => Space::Mem,
            2 => Space::Io,
            _ => Space::Obj,
        }
    }
    pub const fn rights(self) -> u8 {
        ((self.0 >> 2) & 0x1f) as u8
    }
    pub const fn order(self) -> u8 {
        ((self.0 >> 7) & 0x1f) as u8
    }
    pub const fn base(self) -> u64 {
        self.0 >> 12
    }
    /// Units covered: `2^order`.
    pub const fn count(self) -> u64 {
        1 << self.order()
    }
    /// Whether the range is naturally aligned and inside its space.
    pub fn is_valid_range(self) -> bool {
        let (base, count) = (self.base(), self.count());
        self.space() != Space::Null
            && base % count == 0
            && base
                .checked_add(count)
                .is_some_and(|end| end <= self.space().units())
    }
}

/// What an object capability refers to (returned by `Lookup`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjType {
    Pd = 1,
    Ec = 2,
    Sc = 3,
    Pt = 4,
    Sm = 5,
}

impl ObjType {
    pub fn from_raw(raw: u64) -> Option<Self> {
        Some(match raw {
            1 => Self::Pd,
            2 => Self::Ec,
            3 => Self::Sc,
            4 => Self::Pt,
            5 => Self::Sm,
            _ => return None,
        })
    }
}

/// Rights bits. A delegated capability gets the source's rights ANDed with
/// the mask the delegator gives; rights can only shrink along a derivation.
pub mod rights {
    /// All five bits: "whatever the source has".
    pub const ALL: u8 = 0x1f;

    /// Memory capabilities. Without `READ` nothing is mapped (x86 cannot
    /// express write-only or execute-only pages).
    pub mod mem {
        pub const READ: u8 = 1 << 0;
        pub const WRITE: u8 = 1 << 1;
        pub const EXEC: u8 = 1 << 2;
        pub const RW: u8 = READ | WRITE;
        pub const RWX: u8 = READ | WRITE | EXEC;
    }

    /// I/O-port capabilities.
    pub mod io {
        pub const ACCESS: u8 = 1 << 0;
    }

    /// Protection-domain capabilities.
    pub mod pd {
        /// Delegate from and into the PD, revoke and look up in it, read its
        /// quota.
        pub const CTRL: u8 = 1 << 0;
        /// Create objects that belong to the PD (charged to its quota).
        pub const CREATE: u8 = 1 << 1;
        /// Power off or reset the machine. Only the root PD's own PD
        /// capability carries it at boot; new PDs never get it.
        pub const MACHINE: u8 = 1 << 2;
    }

    /// Execution-context capabilities.
    pub mod ec {
        /// Reserved for controlling the EC (recall, in the virtualization
        /// work).
        pub const CTRL: u8 = 1 << 0;
        /// Bind portals to the EC (local ECs).
        pub const BIND_PT: u8 = 1 << 1;
        /// Bind a scheduling context to the EC (global ECs).
        pub const BIND_SC: u8 = 1 << 2;
    }

    /// Scheduling-context capabilities.
    pub mod sc {
        /// Read the consumed time.
        pub const CTRL: u8 = 1 << 0;
    }

    /// Portal capabilities.
    pub mod pt {
        /// Set the portal id.
        pub const CTRL: u8 = 1 << 0;
        /// Call the portal.
        pub const CALL: u8 = 1 << 1;
    }

    /// Semaphore capabilities.
    pub mod sm {
        /// Route an interrupt to the semaphore (interrupt semaphores only).
        pub const CTRL: u8 = 1 << 0;
        pub const UP: u8 = 1 << 1;
        pub const DOWN: u8 = 1 << 2;
    }
}

/// The root PD's object space at start. Selectors below [`root::FREE`] are
/// the hypervisor's gifts or reserved; the root PD allocates from `FREE` on.
pub mod root {
    use super::Selector;
    /// Event base of the root EC: exception `v` goes to portal `EVT_BASE + v`
    /// (empty at start, so a fault kills the root EC).
    pub const EVT_BASE: Selector = 0;
    /// The root PD itself (all rights, including `MACHINE`).
    pub const PD: Selector = 32;
    /// The root EC (global, on the boot CPU).
    pub const EC: Selector = 33;
    /// The root EC's scheduling context.
    pub const SC: Selector = 34;
    /// Interrupt semaphores: GSI `n` is at `GSI_BASE + n`, for
    /// `n < Hip::gsi_count`; then the MSI semaphores follow
    /// ([`crate::hip::Hip::msi_sel_base`]).
    pub const GSI_BASE: Selector = 64;
    /// The first selector the hypervisor leaves empty for the root PD.
    pub const FREE: Selector = 1024;
    /// Port ranges `[start, end)` the hypervisor keeps (the PICs and the
    /// console UART); the root PD gets every other port.
    pub const KERNEL_PORTS: [(u64, u64); 3] = [(0x20, 0x22), (0xa0, 0xa2), (0x3f8, 0x400)];
}

/// The root PD's memory space at start: physical address `p` of every RAM
/// region the hypervisor does not keep is mapped read-write (write-back) at
/// `PHYS_WINDOW + p`. The HIP's memory map says which regions those are.
pub const PHYS_WINDOW: u64 = 0x0000_1000_0000_0000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_fields_round_trip() {
        let c = Crd::new(Space::Mem, 0x12345, 9, rights::mem::RW);
        assert_eq!(c.space(), Space::Mem);
        assert_eq!(c.base(), 0x12345);
        assert_eq!(c.order(), 9);
        assert_eq!(c.rights(), rights::mem::RW);
        assert_eq!(c.count(), 512);
        assert_eq!(Crd::obj(77, 3).space(), Space::Obj);
        assert_eq!(Crd::io(0x60, 0).rights(), rights::io::ACCESS);
    }

    #[test]
    fn ranges_must_be_aligned_and_inside_the_space() {
        assert!(Crd::mem(512, 9, 1).is_valid_range());
        assert!(!Crd::mem(511, 9, 1).is_valid_range(), "misaligned");
        assert!(!Crd::io(0xfff0, 5).is_valid_range(), "past 64K ports");
        assert!(Crd::io(0, 16).is_valid_range());
        assert!(!Crd::obj(OBJ_SPACE_SELECTORS, 1).is_valid_range());
        assert!(!Crd(0).is_valid_range(), "null");
        assert!(
            Crd::mem(MEM_SPACE_PAGES - 1, 0, 1).is_valid_range(),
            "last page"
        );
        assert!(
            !Crd::mem(MEM_SPACE_PAGES, 0, 1).is_valid_range(),
            "first kernel page"
        );
    }
}
