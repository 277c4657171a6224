//! INS and OUTS: string port I/O between a port and guest RAM.
//!
//! The exit's qualification gives the port, the size and the direction,
//! but not the memory side: the address size, a segment override of OUTS
//! (SVM reports it only with decode assists, VMX in a separate field the
//! ABI does not carry). So the instruction at RIP is decoded, and it must
//! agree with the qualification (direction, size, and the port, which is
//! DX): a disagreement means the guest changed its code since the exit.
//! INS writes ES:RDI (no override), OUTS reads DS:RSI or the segment of a
//! prefix. The memory side must be RAM. INS translates and checks the
//! destination before it reads the port, so a #PF does not swallow a read
//! with side effects (a FIFO). A REP runs for up to [`MAX_REP`] elements
//! per call and leaves RIP at the instruction until RCX reaches 0.
//!
//! [`MAX_REP`]: super::MAX_REP

use abi::vcpu::{io, VcpuState};
use iced_x86::{Code, Register};

use super::access::Env;
use super::fetch::fetch;
use super::mode::Mode;
use super::regs::{RDI, RDX, RSI};
use super::rep::Str;
use super::{Fault, PortBus};
use crate::mem::GuestMemory;

/// Carries out the INS or OUTS at CS:RIP for an [`Exit::Io`] whose
/// qualification (`state.qual[0]`) has the [`io::STRING`] flag.
///
/// [`Exit::Io`]: abi::vcpu::Exit::Io
pub fn emulate_string_io(
    state: &mut VcpuState,
    mem: &dyn GuestMemory,
    io: &mut dyn PortBus,
) -> Result<(), Fault> {
    let mode = Mode::of(state);
    let f = fetch(state, mem, mode)?;
    let (input, size) = match f.instr.code() {
        Code::Insb_m8_DX => (true, 1),
        Code::Insw_m16_DX => (true, 2),
        Code::Insd_m32_DX => (true, 4),
        Code::Outsb_DX_m8 => (false, 1),
        Code::Outsw_DX_m16 => (false, 2),
        Code::Outsd_DX_m32 => (false, 4),
        _ => return Err(f.unsupported()),
    };
    let q = state.qual[0];
    let port = state.gpr[RDX] as u16;
    if input != (q & io::IN != 0) || io::size(q) != u64::from(size) || io::port(q) != port {
        return Err(Fault::Mismatch);
    }
    let st = Str::of(&f.instr, size, state).ok_or(f.unsupported())?;
    let src_seg = f.instr.memory_segment();
    let env = Env {
        mem,
        mode,
        page: u64::MAX,
    };
    st.run(state, mode, f.len(), |s, _| {
        if input {
            let p = env.place(s, st.linear(s, mode, Register::ES, RDI)?, size, true)?;
            env.ram_check(&p)?;
            let v = io.read(port, size);
            env.ram_store(&p, u64::from(v))?;
            st.advance(s, RDI);
        } else {
            let p = env.place(s, st.linear(s, mode, src_seg, RSI)?, size, false)?;
            let v = env.ram_load(&p)?;
            io.write(port, size, v as u32);
            st.advance(s, RSI);
        }
        Ok(true)
    })
    .map_err(|e| f.describe(e))
}
