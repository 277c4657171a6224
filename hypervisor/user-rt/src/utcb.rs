//! The calling EC's UTCB: the page through which its messages travel.
//!
//! The hypervisor maps each EC's UTCB where the EC's creator asked
//! (`EcSpec::utcb`; `abi::ROOT_UTCB_ADDRESS` for the root EC), so the program
//! knows the address: it chose it. A [`Utcb`] handle is made once per EC from
//! that address and kept by the EC. Each EC must use its own UTCB and only
//! one handle to it: the hypervisor reads and writes the page on the EC's
//! behalf (a call writes the reply into it, an incoming call or exception
//! fills it), so two ECs sharing one would corrupt each other's messages.
//! [`crate::Portal::call`] borrows the handle mutably, so no slice of the
//! words outlives a call that rewrites them.

use abi::utcb::{EXC_STATE_WORDS, UTCB_WORDS};
use abi::vcpu::{VcpuState, VCPU_STATE_WORDS};
use abi::{ExcState, Mtd};

const _: () = assert!(VCPU_STATE_WORDS <= UTCB_WORDS);

/// The calling EC's UTCB. Not `Send`: it belongs to one EC.
pub struct Utcb {
    page: &'static mut abi::Utcb,
    _one_ec: core::marker::PhantomData<*mut ()>,
}

impl Utcb {
    /// The UTCB mapped at `addr`.
    ///
    /// # Safety
    /// 1. `addr` is the address the calling EC's UTCB was mapped at (its
    ///    creator's `EcSpec::utcb`, or `abi::ROOT_UTCB_ADDRESS` in the root
    ///    EC), and the EC keeps running in its PD while the handle lives.
    /// 2. No other handle or reference to that page exists while this one
    ///    lives, and the handle stays with the calling EC.
    pub unsafe fn at(addr: u64) -> Self {
        // SAFETY: by contract 1 the hypervisor maps a 4 KiB, page-aligned,
        // read-write page at `addr` for as long as the EC exists, so it is
        // valid and aligned for `abi::Utcb` (one page of plain `u64`s, any
        // bit pattern valid); by contract 2 this is the only reference. The
        // hypervisor writes the page only inside hypercalls made by this EC
        // (or before it runs a handler), never while Rust code reads it.
        let page = unsafe { &mut *(addr as *mut abi::Utcb) };
        Self {
            page,
            _one_ec: core::marker::PhantomData,
        }
    }

    /// Where the page is mapped.
    pub fn address(&self) -> u64 {
        core::ptr::from_ref::<abi::Utcb>(self.page) as u64
    }

    /// All message words.
    pub fn words(&self) -> &[u64; UTCB_WORDS] {
        &self.page.words
    }

    /// All message words, to write a message or a reply.
    pub fn words_mut(&mut self) -> &mut [u64; UTCB_WORDS] {
        &mut self.page.words
    }

    /// How many words the last message received carried.
    pub fn received(&self) -> usize {
        usize::try_from(self.page.received).map_or(UTCB_WORDS, |n| n.min(UTCB_WORDS))
    }

    /// The words of the last message received.
    pub fn message(&self) -> &[u64] {
        &self.page.words[..self.received()]
    }

    /// For an exception message: which parts of the state were transferred.
    pub fn mtd(&self) -> Mtd {
        Mtd(self.page.mtd)
    }

    /// The faulting EC's state of an exception message (parts the portal's
    /// MTD did not select read as 0).
    pub fn exc_state(&self) -> ExcState {
        ExcState::from_words(self.exc_words())
    }

    /// Writes `state` where an exception reply takes it from; the reply's
    /// MTD says which parts are written back.
    pub fn set_exc_state(&mut self, state: &ExcState) {
        let words = state.to_words();
        self.page.words[..EXC_STATE_WORDS].copy_from_slice(&words);
    }

    /// The vCPU state of an exit message (parts the portal's MTD did not
    /// select read as 0); [`Utcb::mtd`] says which parts came.
    pub fn vcpu_state(&self) -> VcpuState {
        VcpuState::from_words(self.vcpu_words())
    }

    /// Writes `state` where the answer to a vCPU exit takes it from; the
    /// reply's MTD (`crate::sys::reply_vcpu`) says which parts are loaded.
    pub fn set_vcpu_state(&mut self, state: &VcpuState) {
        let words = state.to_words();
        self.page.words[..VCPU_STATE_WORDS].copy_from_slice(&words);
    }

    fn vcpu_words(&self) -> &[u64; VCPU_STATE_WORDS] {
        self.page
            .words
            .first_chunk()
            .expect("a VcpuState fits in the UTCB (asserted above)")
    }

    fn exc_words(&self) -> &[u64; EXC_STATE_WORDS] {
        self.page
            .words
            .first_chunk()
            .expect("an ExcState fits in the UTCB (checked in abi)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> u64 {
        let page = Box::new(abi::Utcb {
            received: 0,
            mtd: 0,
            words: [0; UTCB_WORDS],
        });
        Box::into_raw(page) as u64
    }

    #[test]
    fn words_and_received_count_read_the_page() {
        let addr = page();
        // SAFETY: a fresh, leaked page that only this handle uses.
        let mut u = unsafe { Utcb::at(addr) };
        assert_eq!(u.address(), addr);
        u.words_mut()[..3].copy_from_slice(&[7, 8, 9]);
        u.page.received = 2;
        assert_eq!(u.received(), 2);
        assert_eq!(u.message(), &[7, 8]);
        u.page.received = u64::MAX;
        assert_eq!(u.received(), UTCB_WORDS, "a bad count is clamped");
        assert_eq!(u.words()[2], 9);
    }

    #[test]
    fn exception_state_round_trips_through_the_words() {
        // SAFETY: as above.
        let mut u = unsafe { Utcb::at(page()) };
        let s = ExcState {
            rip: 0x40_1000,
            rsp: 0x7000,
            vector: 14,
            cr2: 0xdead_0000,
            ..ExcState::default()
        };
        u.set_exc_state(&s);
        assert_eq!(u.exc_state(), s);
        assert_eq!(u.words()[..EXC_STATE_WORDS], s.to_words());
        u.page.mtd = Mtd::RIP | Mtd::QUAL;
        assert!(u.mtd().has(Mtd::QUAL));
    }

    #[test]
    fn vcpu_state_round_trips_through_the_words() {
        use abi::vcpu::{mtd, word};
        // SAFETY: as above.
        let mut u = unsafe { Utcb::at(page()) };
        let mut s = VcpuState {
            rip: 0xfff0,
            inst_len: 2,
            qual: [0x80, 0],
            cr0: 0x10,
            tsc_offset: 1 << 60,
            ..VcpuState::default()
        };
        s.gpr[1] = 0xc000_0080;
        u.set_vcpu_state(&s);
        assert_eq!(u.vcpu_state(), s);
        assert_eq!(u.words()[word::RIP], 0xfff0);
        assert_eq!(u.words()[word::GPR + 1], 0xc000_0080);
        assert_eq!(u.words()[VCPU_STATE_WORDS], 0, "nothing written beyond");
        u.words_mut()[word::INST_LEN] = 3;
        assert_eq!(u.vcpu_state().inst_len, 3);
        u.page.mtd = mtd::ALL;
        assert!(u.mtd().has(mtd::CR | mtd::INTERCEPTS));
    }
}
