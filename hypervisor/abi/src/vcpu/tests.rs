use super::*;

#[test]
fn exit_numbers_round_trip() {
    for n in 0..Exit::COUNT {
        let e = Exit::from_event(n).expect("defined");
        assert_eq!(e.event(), n);
    }
    assert_eq!(Exit::from_event(Exit::COUNT), None);
    assert_eq!(Exit::Exception(14).event(), 14);
    assert_eq!(Exit::Cpuid.event(), EXCEPTIONS);
    assert_eq!(Exit::Startup.event(), Exit::COUNT - 1);
}

#[test]
fn state_round_trips_through_words() {
    let mut s = VcpuState {
        rip: 0xfff0,
        rflags: 2,
        inst_len: 2,
        qual: [0x3f8 | (1 << 16), 7],
        cr0: 0x6000_0010,
        efer: 0x500,
        xcr0: 1,
        cs: Segment {
            sel: 0xf000,
            ar: 0x9b,
            limit: 0xffff,
            base: 0xffff_0000,
        },
        tr: Segment {
            sel: 0x28,
            ar: 0x8b,
            limit: 0x67,
            base: 0x1000,
        },
        idtr: Table {
            limit: 0x3ff,
            base: 0,
        },
        pat: 0x0007_0406_0007_0406,
        inj: inj::exception(13, Some(0x18)),
        intercepts: intercept::CR4_WRITE | (1 << 6),
        tsc_offset: u64::MAX - 5,
        ..VcpuState::default()
    };
    s.gpr[4] = 0x7c00;
    s.gpr[15] = 15;
    let w = s.to_words();
    assert_eq!(w[word::RIP], 0xfff0);
    assert_eq!(w[word::INST_LEN], 2);
    assert_eq!(w[word::CR0], 0x6000_0010);
    assert_eq!(w[VCPU_STATE_WORDS - 1], s.intercepts);
    assert_eq!(VcpuState::from_words(&w), s);
}

#[test]
fn field_encodings() {
    let q = io::encode(0x3f8, 1, io::IN | io::REP);
    assert_eq!((io::port(q), io::size(q)), (0x3f8, 1));
    assert_eq!(q & io::STRING, 0);
    let c = cr::encode(4, cr::WRITE, 3);
    assert_eq!(
        (cr::number(c), cr::access(c), cr::gpr(c)),
        (4, cr::WRITE, 3)
    );
    let e = inj::exception(14, Some(6));
    assert_eq!((inj::vector(e), inj::kind_of(e), e >> 32), (14, 3, 6));
    assert_ne!(e & inj::ERROR_VALID, 0);
    assert_eq!(inj::interrupt(0x30) & inj::ERROR_VALID, 0);
}

#[test]
fn mtd_bits_are_distinct_and_all_covers_them() {
    let bits = [
        mtd::GPRS,
        mtd::RSP,
        mtd::RIP,
        mtd::RFLAGS,
        mtd::QUAL,
        mtd::CR,
        mtd::XCR0,
        mtd::DR7,
        mtd::CS_SS,
        mtd::DS_ES,
        mtd::FS_GS,
        mtd::TR_LDTR,
        mtd::GDTR_IDTR,
        mtd::SYSENTER,
        mtd::SYSCALL,
        mtd::PAT,
        mtd::INTR_STATE,
        mtd::INJ,
        mtd::TSC,
        mtd::INTERCEPTS,
    ];
    let mut seen = 0;
    for b in bits {
        assert_eq!(b.count_ones(), 1);
        assert_eq!(seen & b, 0, "bit {b:#x} used twice");
        seen |= b;
    }
    assert_eq!(seen, mtd::ALL);
}

#[test]
fn every_state_word_belongs_to_exactly_one_mtd_bit() {
    let mut w = [0u64; VCPU_STATE_WORDS];
    for (i, x) in w.iter_mut().enumerate() {
        *x = i as u64 + 1;
    }
    let s = VcpuState::from_words(&w);
    assert_eq!(s.masked(mtd::ALL), s);
    assert_eq!(s.masked(0), VcpuState::default());
    let mut owner = [None; VCPU_STATE_WORDS];
    for bit in (0..64).map(|b| 1u64 << b).filter(|b| mtd::ALL & b != 0) {
        for (i, &x) in s.masked(bit).to_words().iter().enumerate() {
            if x != 0 {
                assert_eq!(owner[i], None, "word {i} in two MTD bits");
                owner[i] = Some(bit);
            }
        }
    }
    let unowned: Vec<usize> = (0..VCPU_STATE_WORDS)
        .filter(|&i| owner[i].is_none())
        .collect();
    assert!(
        unowned.is_empty(),
        "words no MTD bit transfers: {unowned:?}"
    );
    assert_eq!(owner[4], Some(mtd::RSP));
    assert_eq!(owner[word::INST_LEN], Some(mtd::RIP));
}
