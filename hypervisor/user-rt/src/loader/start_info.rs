//! The start-info page: what a parent tells a program it loaded, read-only
//! at [`super::layout::START_INFO`] in the program's space.
//!
//! A plain `#[repr(C)]` page of integers, so both sides read it without
//! parsing and any bit pattern is a valid value: the argument string, the
//! machine (CPU count, TSC rate, the hypervisor's CPU features), where the program's first EC runs, and a
//! list of named *items* — capabilities the parent delegated (by selector),
//! memory it mapped (by address) and I/O ports it granted.

use abi::{ObjType, Selector};

/// "STARTIN1" as a little-endian `u64`.
pub const MAGIC: u64 = u64::from_le_bytes(*b"STARTIN1");
/// Items a start-info page carries.
pub const MAX_ITEMS: usize = 32;
/// Bytes of the argument string.
pub const ARG_BYTES: usize = 1024;
/// Bytes of an item's name.
pub const NAME_BYTES: usize = 16;

/// What an item describes.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A capability at selector `base`; `size` is its [`ObjType`].
    Cap = 1,
    /// Memory at address `base`, `size` bytes.
    Mem = 2,
    /// I/O ports `base .. base + size`.
    Io = 3,
}

/// One named item.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub name: [u8; NAME_BYTES],
    pub kind: u32,
    pub _reserved: u32,
    pub base: u64,
    pub size: u64,
}

const EMPTY: Item = Item {
    name: [0; NAME_BYTES],
    kind: 0,
    _reserved: 0,
    base: 0,
    size: 0,
};

impl Item {
    /// The name without its zero padding.
    pub fn name(&self) -> &[u8] {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(NAME_BYTES);
        &self.name[..len]
    }
}

/// The start-info page.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StartInfo {
    pub magic: u64,
    /// Online CPUs (numbered `0..cpu_count`).
    pub cpu_count: u32,
    /// The CPU the program's first EC runs on.
    pub cpu: u32,
    /// TSC frequency in kHz.
    pub tsc_khz: u64,
    /// The hypervisor's CPU features (bits of `abi::hip::feature`).
    pub features: u64,
    /// The first EC's UTCB address (also its `rdi` at start).
    pub utcb: u64,
    /// Top of the first EC's stack.
    pub stack_top: u64,
    /// The first selector the parent left free for the program.
    pub free_sel: Selector,
    pub item_count: u32,
    pub arg_len: u32,
    pub items: [Item; MAX_ITEMS],
    pub args: [u8; ARG_BYTES],
}

const _: () = assert!(core::mem::size_of::<StartInfo>() <= 4096);

impl Default for StartInfo {
    fn default() -> Self {
        Self::new()
    }
}

impl StartInfo {
    /// An empty page with the magic set.
    pub const fn new() -> Self {
        Self {
            magic: MAGIC,
            cpu_count: 0,
            cpu: 0,
            tsc_khz: 0,
            features: 0,
            utcb: 0,
            stack_top: 0,
            free_sel: 0,
            item_count: 0,
            arg_len: 0,
            items: [EMPTY; MAX_ITEMS],
            args: [0; ARG_BYTES],
        }
    }

    pub fn is_valid(&self) -> bool {
        self.magic == MAGIC
    }

    /// Sets the argument string; `false` (and nothing set) if it is too long.
    pub fn set_args(&mut self, args: &[u8]) -> bool {
        let Some(dst) = self.args.get_mut(..args.len()) else {
            return false;
        };
        dst.copy_from_slice(args);
        self.arg_len = args.len() as u32;
        true
    }

    /// The argument string.
    pub fn args(&self) -> &[u8] {
        &self.args[..(self.arg_len as usize).min(ARG_BYTES)]
    }

    /// The value of `key=value` among the space-separated arguments (the
    /// last one wins).
    pub fn arg(&self, key: &str) -> Option<&[u8]> {
        self.args()
            .split(|b| *b == b' ')
            .rev()
            .find_map(|w| w.strip_prefix(key.as_bytes())?.strip_prefix(b"="))
    }

    /// Adds an item; `false` (and nothing added) if the list is full or the
    /// name too long.
    pub fn push(&mut self, name: &str, kind: ItemKind, base: u64, size: u64) -> bool {
        let n = self.item_count as usize;
        if n >= MAX_ITEMS || name.len() > NAME_BYTES {
            return false;
        }
        let mut item = Item {
            kind: kind as u32,
            base,
            size,
            ..EMPTY
        };
        item.name[..name.len()].copy_from_slice(name.as_bytes());
        self.items[n] = item;
        self.item_count += 1;
        true
    }

    /// The items.
    pub fn items(&self) -> &[Item] {
        &self.items[..(self.item_count as usize).min(MAX_ITEMS)]
    }

    /// The item called `name` of `kind`.
    pub fn item(&self, name: &str, kind: ItemKind) -> Option<&Item> {
        self.items()
            .iter()
            .find(|i| i.name() == name.as_bytes() && i.kind == kind as u32)
    }

    /// The selector of capability `name` and its type.
    pub fn cap(&self, name: &str) -> Option<(Selector, Option<ObjType>)> {
        self.item(name, ItemKind::Cap)
            .map(|i| (i.base, ObjType::from_raw(i.size)))
    }

    /// The address and size in bytes of memory `name`.
    pub fn mem(&self, name: &str) -> Option<(u64, u64)> {
        self.item(name, ItemKind::Mem).map(|i| (i.base, i.size))
    }

    /// The first port and the number of ports of `name`.
    pub fn io(&self, name: &str) -> Option<(u64, u64)> {
        self.item(name, ItemKind::Io).map(|i| (i.base, i.size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_found_by_name_and_kind() {
        let mut s = StartInfo::new();
        assert!(s.push("self", ItemKind::Cap, 32, ObjType::Pd as u64));
        assert!(s.push("ram", ItemKind::Mem, 0x2000_0000_0000, 1 << 26));
        assert!(s.push("rtc", ItemKind::Io, 0x70, 2));
        assert_eq!(s.cap("self"), Some((32, Some(ObjType::Pd))));
        assert_eq!(s.mem("ram"), Some((0x2000_0000_0000, 1 << 26)));
        assert_eq!(s.io("rtc"), Some((0x70, 2)));
        assert_eq!(s.cap("ram"), None, "wrong kind");
        assert_eq!(s.mem("ra"), None, "prefix only");
        assert!(!s.push("a-name-that-is-too-long", ItemKind::Cap, 1, 1));
        assert_eq!(s.items().len(), 3);
    }

    #[test]
    fn the_list_fills_up_and_refuses_more() {
        let mut s = StartInfo::new();
        for i in 0..MAX_ITEMS {
            assert!(s.push("x", ItemKind::Cap, i as u64, 0));
        }
        assert!(!s.push("y", ItemKind::Cap, 0, 0));
        assert_eq!(s.items().len(), MAX_ITEMS);
        s.item_count = 1000;
        assert_eq!(s.items().len(), MAX_ITEMS, "a bad count is clamped");
    }

    #[test]
    fn arguments_are_words_with_values() {
        let mut s = StartInfo::new();
        assert!(s.is_valid());
        assert!(s.set_args(b"ktest.elf role=server n=3 role=attacker"));
        assert_eq!(s.arg("role"), Some(&b"attacker"[..]));
        assert_eq!(s.arg("n"), Some(&b"3"[..]));
        assert_eq!(s.arg("x"), None);
        assert!(!s.set_args(&[b'a'; ARG_BYTES + 1]));
        assert_eq!(
            s.arg("n"),
            Some(&b"3"[..]),
            "a refused string changes nothing"
        );
        s.arg_len = u32::MAX;
        assert_eq!(s.args().len(), ARG_BYTES);
    }
}
