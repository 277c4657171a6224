//! Random instruction bytes, aimed at the emulator's paths, in every mode:
//! nothing the guest puts in memory or registers may panic the emulator.

use abi::vcpu::io;

use super::*;
use crate::emul::{emulate_mmio, emulate_string_io};

/// xorshift64: reproducible noise.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Opcodes the emulator carries out, to aim the noise at its paths.
const OPCODES: [&[u8]; 40] = [
    &[0x88],
    &[0x89],
    &[0x8a],
    &[0x8b],
    &[0xc6],
    &[0xc7],
    &[0x0f, 0xb6],
    &[0x0f, 0xbf],
    &[0x0f, 0xbe],
    &[0x63],
    &[0x01],
    &[0x03],
    &[0x08],
    &[0x0b],
    &[0x11],
    &[0x1a],
    &[0x21],
    &[0x2b],
    &[0x30],
    &[0x39],
    &[0x3a],
    &[0x80],
    &[0x81],
    &[0x83],
    &[0x84],
    &[0x85],
    &[0x86],
    &[0x87],
    &[0xf6],
    &[0xf7],
    &[0xfe],
    &[0xff],
    &[0x0f, 0xa3],
    &[0x0f, 0xab],
    &[0x0f, 0xba],
    &[0xa1],
    &[0xa2],
    &[0xa5],
    &[0xab],
    &[0xac],
];
const PREFIXES: [u8; 12] = [
    0x66, 0x67, 0xf3, 0xf2, 0xf0, 0x64, 0x65, 0x26, 0x2e, 0x36, 0x3e, 0x48,
];

/// Instruction bytes: half pure noise, half a supported opcode with noisy
/// prefixes, ModRM and the rest.
fn instruction(noise: &mut Noise, opcodes: &[&[u8]]) -> [u8; 15] {
    let mut bytes = [0u8; 15];
    for b in &mut bytes {
        *b = noise.next() as u8;
    }
    if noise.next().is_multiple_of(2) {
        return bytes;
    }
    let mut n = 0;
    while noise.next().is_multiple_of(3) && n < 4 {
        bytes[n] = PREFIXES[(noise.next() % 12) as usize];
        n += 1;
    }
    let op = opcodes[(noise.next() % opcodes.len() as u64) as usize];
    bytes[n..n + op.len()].copy_from_slice(op);
    // ModRM: mostly a memory operand without or with a small displacement.
    bytes[n + op.len()] &= 0x7f;
    bytes
}

#[test]
fn random_bytes_never_panic() {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let io_ops: [&[u8]; 4] = [&[0x6c], &[0x6d], &[0x6e], &[0x6f]];
    let vms = [
        Vm::long(),
        Vm::prot32(Paging::Bits32),
        Vm::prot32(Paging::Pae),
        Vm::real(),
        Vm::paged(Paging::Long5),
    ];
    let (mut done, mut io_done) = (0, 0);
    for mut vm in vms {
        let start = vm.s;
        let near = if vm.s.cr0 & CR0_PG == 0 {
            0xb8000
        } else {
            MMIO_LIN
        };
        let fault = if vm.s.cr0 & CR0_PG == 0 {
            0xb8000
        } else {
            MMIO
        };
        for _ in 0..4000 {
            vm.s = start;
            for r in 0..16 {
                vm.s.gpr[r] = match noise.next() % 8 {
                    0 => noise.next(),
                    1 => noise.next() & 0xffff,
                    2 => DATA + (noise.next() & 0xfff),
                    _ => near + (noise.next() & 0xff),
                };
            }
            vm.s.gpr[1] &= 0xff; // short REPs
            vm.s.rflags = 2 | (noise.next() & 0xcd5);
            vm.code(&instruction(&mut noise, &OPCODES));
            let mut bus = Bus::reading(noise.next());
            done += u32::from(emulate_mmio(&mut vm.s, &vm.ram, &mut bus, fault).is_ok());

            vm.s = start;
            vm.s.gpr[1] = noise.next() % 64;
            vm.s.gpr[RSI] = DATA + (noise.next() & 0xfff);
            vm.s.gpr[7] = DATA + (noise.next() & 0xfff);
            vm.s.rflags = 2 | (noise.next() & 0x400);
            let port = noise.next() as u16;
            vm.s.gpr[2] = u64::from(port);
            let size = [1, 2, 4][(noise.next() % 3) as usize];
            let flags = noise.next() & (io::IN | io::REP);
            vm.s.qual[0] = io::encode(port, size, flags | io::STRING);
            vm.code(&instruction(&mut noise, &io_ops));
            io_done += u32::from(emulate_string_io(&mut vm.s, &vm.ram, &mut bus).is_ok());
            assert!(bus.log.len() < 10_000);
        }
    }
    // The noise reaches the instructions' semantics, not only the decoder.
    assert!(done > 2000, "{done} MMIO instructions carried out");
    assert!(io_done > 300, "{io_done} INS/OUTS carried out");
}
