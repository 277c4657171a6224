//! A set of interrupt vectors: the shape of the IRR, ISR and TMR, each 256
//! bits read as eight 32-bit registers.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VecSet([u32; 8]);

impl VecSet {
    pub fn set(&mut self, v: u8) {
        self.0[usize::from(v >> 5)] |= 1 << (v & 31);
    }

    pub fn clear(&mut self, v: u8) {
        self.0[usize::from(v >> 5)] &= !(1 << (v & 31));
    }

    pub fn put(&mut self, v: u8, on: bool) {
        if on {
            self.set(v)
        } else {
            self.clear(v)
        }
    }

    pub fn has(&self, v: u8) -> bool {
        self.0[usize::from(v >> 5)] & (1 << (v & 31)) != 0
    }

    /// The highest vector in the set.
    pub fn highest(&self) -> Option<u8> {
        let (i, w) = self.0.iter().enumerate().rev().find(|(_, w)| **w != 0)?;
        Some((i as u32 * 32 + 31 - w.leading_zeros()) as u8)
    }

    /// The 32-bit slice `i` (0–7) as the register file shows it; 0 outside.
    pub fn word(&self, i: u32) -> u32 {
        self.0.get(i as usize).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_and_words() {
        let mut s = VecSet::default();
        assert_eq!(s.highest(), None);
        s.set(0x20);
        s.set(0xff);
        s.set(0x41);
        assert_eq!(s.highest(), Some(0xff));
        s.clear(0xff);
        assert_eq!(s.highest(), Some(0x41));
        assert_eq!(s.word(1), 1);
        assert_eq!(s.word(2), 2);
        assert_eq!(s.word(8), 0);
        assert!(s.has(0x20) && !s.has(0x21));
        s.put(0x20, false);
        s.put(0, true);
        assert_eq!(s.word(1), 0);
        assert_eq!(s.highest(), Some(0x41));
        s.clear(0x41);
        assert_eq!(s.highest(), Some(0));
    }
}
