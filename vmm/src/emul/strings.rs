//! STOS, LODS and MOVS with a device register on one side.
//!
//! The source is DS:RSI (or the segment of a prefix), the destination
//! always ES:RDI. An element runs while one of its operands lies in the
//! faulting page; the first element must, later ones pause the instruction
//! when none does (the guest re-executes it and faults on the next device
//! page by itself, or runs on natively in RAM). The other side of MOVS goes
//! to RAM or, outside RAM, to the bus: MOVS between two device pages (a
//! frame buffer scrolling) works. Both sides of MOVS are translated before
//! the read, so a #PF on the destination does not swallow a device read.

use abi::vcpu::VcpuState;
use iced_x86::{Code, Register};

use super::access::Env;
use super::fetch::Fetched;
use super::regs::{Gpr, RAX, RDI, RSI};
use super::rep::Str;
use super::{Fault, MmioBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Stos,
    Lods,
    Movs,
}

fn kind(code: Code) -> Option<(Kind, u8)> {
    use Code as C;
    Some(match code {
        C::Stosb_m8_AL => (Kind::Stos, 1),
        C::Stosw_m16_AX => (Kind::Stos, 2),
        C::Stosd_m32_EAX => (Kind::Stos, 4),
        C::Stosq_m64_RAX => (Kind::Stos, 8),
        C::Lodsb_AL_m8 => (Kind::Lods, 1),
        C::Lodsw_AX_m16 => (Kind::Lods, 2),
        C::Lodsd_EAX_m32 => (Kind::Lods, 4),
        C::Lodsq_RAX_m64 => (Kind::Lods, 8),
        C::Movsb_m8_m8 => (Kind::Movs, 1),
        C::Movsw_m16_m16 => (Kind::Movs, 2),
        C::Movsd_m32_m32 => (Kind::Movs, 4),
        C::Movsq_m64_m64 => (Kind::Movs, 8),
        _ => return None,
    })
}

/// Whether `code` is a string instruction this module carries out.
pub(super) fn is_string(code: Code) -> bool {
    kind(code).is_some()
}

/// Carries out a string instruction ([`is_string`]).
pub(super) fn emulate(
    s: &mut VcpuState,
    env: &Env,
    bus: &mut dyn MmioBus,
    f: &Fetched,
) -> Result<(), Fault> {
    let (kind, size) = kind(f.instr.code()).ok_or(Fault::unsupported())?;
    let st = Str::of(&f.instr, size, s).ok_or(Fault::unsupported())?;
    let src_seg = f.instr.memory_segment();
    let acc = Gpr::new(RAX, size);
    let mode = env.mode;
    // An element none of whose operands is in the faulting page.
    let elsewhere = |first: bool| {
        if first {
            Err(Fault::Mismatch)
        } else {
            Ok(false)
        }
    };
    st.run(s, mode, f.len(), |s, first| {
        match kind {
            Kind::Stos => {
                let dst = env.place(s, st.linear(s, mode, Register::ES, RDI)?, size, true)?;
                if !dst.touches(env.page) {
                    return elsewhere(first);
                }
                env.store(bus, &dst, acc.read(s))?;
                st.advance(s, RDI);
            }
            Kind::Lods => {
                let src = env.place(s, st.linear(s, mode, src_seg, RSI)?, size, false)?;
                if !src.touches(env.page) {
                    return elsewhere(first);
                }
                let v = env.load(bus, &src)?;
                acc.write(s, v);
                st.advance(s, RSI);
            }
            Kind::Movs => {
                let src = env.place(s, st.linear(s, mode, src_seg, RSI)?, size, false)?;
                let dst = env.place(s, st.linear(s, mode, Register::ES, RDI)?, size, true)?;
                if !src.touches(env.page) && !dst.touches(env.page) {
                    return elsewhere(first);
                }
                let v = env.load(bus, &src)?;
                env.store(bus, &dst, v)?;
                st.advance(s, RSI);
                st.advance(s, RDI);
            }
        }
        Ok(true)
    })
}
