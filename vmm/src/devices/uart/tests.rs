//! Host tests of the UART: a Linux-like driver sequence against the datasheet.

use alloc::vec::Vec;
use std::sync::{Arc, Mutex};

use super::*;
use crate::ctx::Event;
use crate::time::Time;

type Lines = Arc<Mutex<Vec<Vec<u8>>>>;

struct Sink(Lines);

impl Console for Sink {
    fn line(&mut self, text: &[u8]) {
        self.0.lock().unwrap().push(text.to_vec());
    }
}

const BASE: u64 = 0x3f8;
const RBR: u64 = 0;
const IER: u64 = 1;
const IIR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

struct Bench {
    uart: Uart,
    lines: Lines,
    events: Vec<Event>,
}

impl Bench {
    fn new() -> Self {
        let lines = Lines::default();
        Self {
            uart: Uart::new(0x3f8, 4, Box::new(Sink(lines.clone()))),
            lines,
            events: Vec::new(),
        }
    }

    fn rd(&mut self, off: u64) -> u8 {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.uart.read(&mut ctx, BASE + off, 1) as u8
    }

    fn wr(&mut self, off: u64, v: u8) {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.uart.write(&mut ctx, BASE + off, 1, u64::from(v));
    }

    fn receive(&mut self, bytes: &[u8]) -> usize {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.uart.receive(&mut ctx, bytes)
    }

    /// IRQ 4 levels driven since the last call.
    fn irq(&mut self) -> Vec<bool> {
        let v = self
            .events
            .iter()
            .map(|e| match *e {
                Event::Line { irq: 4, level } => level,
                ref e => panic!("unexpected event {e:?}"),
            })
            .collect();
        self.events.clear();
        v
    }

    fn output(&self) -> Vec<Vec<u8>> {
        self.lines.lock().unwrap().clone()
    }

    /// What Linux's 8250 driver does before printing: 115200 8N1, FIFOs on
    /// with a trigger level of 14, DTR, RTS and OUT2.
    fn linux_init(&mut self) {
        self.wr(IER, 0);
        self.wr(LCR, 0x80);
        self.wr(0, 1);
        self.wr(1, 0);
        self.wr(LCR, 0x03);
        self.wr(IIR, 0xc7);
        self.wr(MCR, 0x0b);
    }
}

#[test]
fn linux_like_init_prints_lines_through_the_sink() {
    let mut b = Bench::new();
    b.linux_init();
    assert_eq!(b.rd(IIR), 0xc1, "FIFOs on, nothing pending");
    assert_eq!(b.rd(LSR), 0x60);
    for &c in b"Hello, world\r\nsecond" {
        assert_ne!(b.rd(LSR) & 0x20, 0);
        b.wr(0, c);
    }
    assert_eq!(b.output(), [b"Hello, world".to_vec()]);
    b.uart.flush();
    b.uart.flush();
    assert_eq!(b.output()[1], b"second");
    assert_eq!(b.output().len(), 2);
    assert_eq!(b.irq(), [], "no interrupt enabled");
}

#[test]
fn long_lines_are_cut_and_odd_bytes_replaced() {
    let mut b = Bench::new();
    for _ in 0..MAX_LINE + 5 {
        b.wr(0, b'x');
    }
    for &c in b"\x1b[1m\xe2\x97\x8f\tok\n\n" {
        b.wr(0, c);
    }
    let out = b.output();
    assert_eq!(out[0], [b'x'; MAX_LINE]);
    assert_eq!(out[1], b"xxxxx.[1m...\tok");
    assert_eq!(out[2], b"");
}

#[test]
fn loopback_probe_sees_mcr_in_msr() {
    let mut b = Bench::new();
    // The IER test of Linux's autoconfig.
    b.wr(IER, 0);
    assert_eq!(b.rd(IER) & 0x0f, 0);
    b.wr(IER, 0xff);
    assert_eq!(b.rd(IER), 0x0f, "upper IER bits read 0 on a 16550A");
    b.wr(IER, 0);
    // The loopback test: LOOP | OUT2 | RTS must read back as DCD | CTS.
    b.wr(MCR, 0x1a);
    assert_eq!(b.rd(MSR) & 0xf0, 0x90);
    b.wr(MCR, 0x1f);
    assert_eq!(b.rd(MSR) & 0xf0, 0xf0);
    b.wr(MCR, 0x1b); // OUT1 falls: trailing edge of RI
    assert_eq!(b.rd(MSR), 0xb4);
    b.wr(MCR, 0x00);
    assert_eq!(b.rd(MSR), 0xb0, "idle terminal outside loopback");
    // The FIFO test: IIR bits 7:6 = 11 identify a 16550A.
    b.wr(IIR, 0x01);
    assert_eq!(b.rd(IIR) >> 6, 3);
    b.wr(IIR, 0x00);
    assert_eq!(b.rd(IIR) >> 6, 0);
}

#[test]
fn loopback_turns_thr_bytes_into_input() {
    let mut b = Bench::new();
    b.wr(MCR, 0x10);
    b.wr(IIR, 0x01);
    b.wr(0, 0x55);
    b.wr(0, 0xaa);
    assert_eq!(b.receive(b"outside"), 0, "receiver disconnected");
    assert_eq!(b.rd(LSR) & 0x01, 1);
    assert_eq!(b.rd(RBR), 0x55);
    assert_eq!(b.rd(RBR), 0xaa);
    assert_eq!(b.rd(LSR) & 0x01, 0);
    assert!(b.output().is_empty());
}

#[test]
fn thre_interrupt_raises_and_clears_like_the_datasheet() {
    let mut b = Bench::new();
    b.linux_init();
    // Linux's THRE test: enable, read IIR, disable, enable, read IIR.
    b.wr(IER, 0x02);
    assert_eq!(b.irq(), [true]);
    assert_eq!(b.rd(IIR), 0xc2);
    assert_eq!(b.irq(), [false], "reading IIR clears THRE");
    assert_eq!(b.rd(IIR), 0xc1);
    b.wr(IER, 0x00);
    b.wr(IER, 0x02);
    assert_eq!(b.irq(), [true], "re-enabling raises it again");
    assert_eq!(b.rd(IIR), 0xc2);
    assert_eq!(b.irq(), [false]);
    // Each THR write is a new edge.
    b.wr(0, b'a');
    assert_eq!(b.irq(), [true]);
    b.wr(0, b'b');
    assert_eq!(b.irq(), [false, true]);
    b.wr(IER, 0x00);
    assert_eq!(b.irq(), [false]);
    assert_eq!(b.rd(IIR), 0xc1);
}

#[test]
fn out2_gates_the_line() {
    let mut b = Bench::new();
    b.wr(IER, 0x02);
    assert_eq!(b.irq(), [], "OUT2 clear");
    assert_eq!(b.rd(IIR), 0x02, "still pending inside the chip");
    b.wr(IER, 0x00);
    b.wr(IER, 0x02);
    b.wr(MCR, 0x08);
    assert_eq!(b.irq(), [true]);
    b.wr(MCR, 0x18);
    assert_eq!(b.irq(), [false], "loopback forces OUT2 inactive");
    b.wr(MCR, 0x00);
    assert_eq!(b.irq(), []);
}

#[test]
fn received_data_interrupts_by_priority() {
    let mut b = Bench::new();
    b.linux_init();
    b.wr(IER, 0x0f);
    assert_eq!(b.irq(), [true]);
    assert_eq!(b.rd(IIR), 0xc2);
    assert_eq!(b.irq(), [false]);
    assert_eq!(b.receive(b"abc"), 3);
    assert_eq!(b.irq(), [true]);
    assert_eq!(b.rd(IIR), 0xcc, "below the trigger level: timeout");
    assert_eq!(b.receive(&[b'x'; 20]), 13, "16-byte FIFO");
    assert_eq!(b.rd(IIR), 0xc6, "overrun outranks data");
    assert_eq!(b.rd(LSR), 0x63);
    assert_eq!(b.rd(IIR), 0xc4, "at the trigger level");
    for c in *b"abc" {
        assert_eq!(b.rd(RBR), c);
    }
    for _ in 0..13 {
        b.rd(RBR);
    }
    assert_eq!(b.rd(LSR), 0x60);
    assert_eq!(b.rd(IIR), 0xc1);
    assert_eq!(b.irq(), [false]);
    assert_eq!(b.rd(RBR), b'x', "RBR keeps the last byte");
    // Modem status changes come last.
    b.wr(MCR, 0x09);
    assert_eq!(b.rd(IIR), 0xc1, "outside loopback the inputs do not change");
}

#[test]
fn without_fifo_a_second_byte_overruns_the_first() {
    let mut b = Bench::new();
    assert_eq!(b.uart.rx_room(), 1);
    assert_eq!(b.receive(b"12"), 1);
    assert_eq!(b.rd(LSR), 0x63);
    assert_eq!(b.rd(RBR), b'2');
    assert_eq!(b.rd(LSR), 0x60);
    b.wr(IIR, 0x01);
    assert_eq!(b.uart.rx_room(), 16);
    b.receive(b"zz");
    b.wr(IIR, 0x03);
    assert_eq!(b.rd(LSR) & 1, 0, "FCR bit 1 clears the receive FIFO");
}

#[test]
fn dlab_selects_the_divisor_latch() {
    let mut b = Bench::new();
    b.wr(LCR, 0x83);
    assert_eq!((b.rd(0), b.rd(1)), (12, 0));
    b.wr(0, 0x01);
    b.wr(1, 0x02);
    assert_eq!((b.rd(0), b.rd(1)), (0x01, 0x02));
    b.wr(LCR, 0x03);
    assert_eq!(b.rd(IER), 0, "IER untouched");
    b.wr(0, b'!');
    b.uart.flush();
    assert_eq!(b.output(), [b"!".to_vec()]);
    assert_eq!(b.rd(LCR), 0x03);
    b.wr(SCR, 0x5a);
    assert_eq!(b.rd(SCR), 0x5a);
}

#[test]
fn modem_status_interrupt_in_loopback_is_gated() {
    let mut b = Bench::new();
    b.wr(IER, 0x08);
    b.wr(MCR, 0x11);
    assert_eq!(b.rd(IIR), 0x00, "modem status pending");
    assert_eq!(
        b.rd(MSR),
        0x29,
        "DSR stays; CTS and DCD of the idle terminal fell"
    );
    assert_eq!(b.rd(IIR), 0x01);
    assert_eq!(b.irq(), []);
}

#[test]
fn any_access_is_answered_without_panic() {
    let mut b = Bench::new();
    assert_eq!(b.uart.ranges(), [(0x3f8, 8)]);
    assert_eq!(Uart::RANGES, &[(0x3f8, 8)]);
    let values = [0, 0xff, 0x80, 0x1f, 0x5a, 0xa5a5_a5a5, u64::MAX];
    for round in 0..3 {
        for port in BASE..BASE + 8 {
            for size in [1, 2, 4, 8] {
                for v in values {
                    let mut ctx = Ctx::new(Time::default(), 0, &mut b.events);
                    b.uart.write(&mut ctx, port, size, v ^ round);
                    b.uart.read(&mut ctx, port, size);
                    b.uart.receive(&mut ctx, b"0123456789abcdefgh");
                }
            }
        }
    }
    let mut ctx = Ctx::new(Time::default(), 0, &mut b.events);
    assert_eq!(b.uart.read(&mut ctx, BASE + 7, 2) >> 8, 0xff);
}
