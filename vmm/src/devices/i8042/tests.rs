//! Host tests of the PS/2 controller: each command, the keyboard, the reset paths.

use alloc::vec::Vec;

use super::*;
use crate::ctx::Event;
use crate::time::Time;

struct Bench {
    kbc: I8042,
    events: Vec<Event>,
}

impl Bench {
    fn new() -> Self {
        Self {
            kbc: I8042::new(),
            events: Vec::new(),
        }
    }

    fn rd(&mut self, port: u64) -> u8 {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.kbc.read(&mut ctx, port, 1) as u8
    }

    fn cmd(&mut self, c: u8) {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.kbc.write(&mut ctx, CMD_PORT, 1, u64::from(c));
    }

    fn data(&mut self, v: u8) {
        let mut ctx = Ctx::new(Time::default(), 0, &mut self.events);
        self.kbc.write(&mut ctx, DATA_PORT, 1, u64::from(v));
    }

    /// Reads every queued byte.
    fn drain(&mut self) -> Vec<u8> {
        let mut v = Vec::new();
        while self.rd(CMD_PORT) & ST_OBF != 0 {
            v.push(self.rd(DATA_PORT));
        }
        v
    }

    fn events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }
}

fn line(irq: u8, level: bool) -> Event {
    Event::Line { irq, level }
}

#[test]
fn status_after_reset_has_sys_and_nothing_queued() {
    let mut b = Bench::new();
    assert_eq!(b.rd(CMD_PORT), 0x14);
    assert_eq!(b.rd(DATA_PORT), 0x00);
    b.cmd(0xad);
    assert_eq!(b.rd(CMD_PORT), 0x1c, "A2: last write was a command");
    b.data(0xf4);
    assert_eq!(b.rd(CMD_PORT) & 0x0b, 0x01, "data write: OBF, A2 clear");
    assert!(b.kbc.a20());
}

#[test]
fn command_byte_reads_and_writes_and_raises_irq1() {
    let mut b = Bench::new();
    b.cmd(0x20);
    assert_eq!(b.rd(CMD_PORT) & 0x21, 0x01, "OBF from the keyboard channel");
    assert_eq!(b.events(), [line(1, true)]);
    assert_eq!(b.rd(DATA_PORT), 0x65);
    assert_eq!(b.events(), [line(1, false)]);
    b.cmd(0x60);
    b.data(0x00);
    b.cmd(0x20);
    assert_eq!(b.events(), [], "keyboard interrupt disabled");
    assert_eq!(b.rd(DATA_PORT), 0x00);
    assert_eq!(b.rd(CMD_PORT) & 0x04, 0, "SYS follows the command byte");
    b.cmd(0x7f);
    b.data(0x99);
    b.cmd(0x3f);
    assert_eq!(b.drain(), [0x99], "controller RAM");
    b.cmd(0xaa);
    assert_eq!(b.drain(), [0x55]);
    assert_eq!(b.rd(CMD_PORT) & 0x04, 0x04, "self test sets SYS");
}

#[test]
fn interface_tests_pass_and_ports_toggle() {
    let mut b = Bench::new();
    b.cmd(0xab);
    b.cmd(0xab); // answered at once: a second command queues behind
    b.cmd(0xa9);
    assert_eq!(b.drain(), [0x00, 0x00, 0x00]);
    let cb = |b: &mut Bench| {
        b.cmd(0x20);
        b.rd(DATA_PORT)
    };
    b.cmd(0xad);
    assert_eq!(cb(&mut b) & 0x30, 0x30);
    b.cmd(0xae);
    b.cmd(0xa8);
    assert_eq!(cb(&mut b) & 0x30, 0x00);
    b.cmd(0xa7);
    assert_eq!(cb(&mut b) & 0x30, 0x20);
    b.cmd(0xad);
    b.data(0xf4);
    assert_eq!(b.drain(), [0xfa]);
    assert_eq!(cb(&mut b) & 0x10, 0, "writing the keyboard enables it");
}

#[test]
fn output_port_holds_a20_and_resets_when_bit_0_is_low() {
    let mut b = Bench::new();
    b.cmd(0xd0);
    assert_eq!(b.drain(), [0x03]);
    b.events();
    b.cmd(0xd1);
    b.data(0x01);
    assert!(!b.kbc.a20());
    assert_eq!(b.events(), []);
    b.cmd(0xd0);
    assert_eq!(b.rd(DATA_PORT), 0x01);
    b.cmd(0xd1);
    b.data(0x03);
    assert!(b.kbc.a20());
    b.events();
    b.cmd(0xd1);
    b.data(0x02);
    assert_eq!(b.events(), [Event::Stop(Stop::Reset)]);
}

#[test]
fn pulsing_bit_0_resets() {
    let mut b = Bench::new();
    b.cmd(0xfe);
    assert_eq!(b.events(), [Event::Stop(Stop::Reset)]);
    b.cmd(0xfc);
    assert_eq!(b.events(), [Event::Stop(Stop::Reset)]);
    b.cmd(0xff);
    b.cmd(0xf1);
    b.cmd(0xf0 | 0x0f);
    assert_eq!(b.events(), []);
}

#[test]
fn keyboard_reset_answers_ack_then_self_test_with_an_edge_each() {
    let mut b = Bench::new();
    b.data(0xff);
    assert_eq!(b.events(), [line(1, true)]);
    assert_eq!(b.rd(DATA_PORT), 0xfa);
    assert_eq!(b.events(), [line(1, false), line(1, true)]);
    assert_eq!(b.rd(DATA_PORT), 0xaa);
    assert_eq!(b.events(), [line(1, false)]);
    assert_eq!(b.rd(DATA_PORT), 0xaa, "an empty buffer shows the last byte");
    assert_eq!(b.events(), []);
}

#[test]
fn keyboard_identifies_itself_translated_or_not() {
    let mut b = Bench::new();
    b.data(0xf2);
    assert_eq!(b.drain(), [0xfa, 0xab, 0x41]);
    b.cmd(0x60);
    b.data(0x05);
    b.data(0xf2);
    assert_eq!(b.drain(), [0xfa, 0xab, 0x83]);
}

#[test]
fn keyboard_commands_with_parameters_and_others() {
    let mut b = Bench::new();
    b.data(0xed);
    assert_eq!(b.drain(), [0xfa]);
    b.data(0x07);
    assert_eq!(b.drain(), [0xfa]);
    b.data(0xf3);
    b.data(0xff); // a parameter, not a reset
    assert_eq!(b.drain(), [0xfa, 0xfa]);
    b.data(0xf0);
    b.data(0x00);
    assert_eq!(b.drain(), [0xfa, 0xfa, 0x02]);
    b.data(0xee);
    b.data(0xf4);
    b.data(0xf5);
    b.data(0xf6);
    b.data(0x12);
    b.data(0xfe);
    assert_eq!(b.drain(), [0xee, 0xfa, 0xfa, 0xfa, 0xfe, 0xfe]);
}

#[test]
fn no_mouse_answers_0xfe_on_the_aux_channel() {
    let mut b = Bench::new();
    b.cmd(0xd4);
    b.data(0xff);
    assert_eq!(b.rd(CMD_PORT) & 0x21, 0x21, "OBF from the mouse");
    assert_eq!(b.events(), [], "mouse interrupt disabled");
    assert_eq!(b.rd(DATA_PORT), 0xfe);
    b.cmd(0x60);
    b.data(0x47);
    b.cmd(0xd3);
    b.data(0x5a);
    assert_eq!(b.events(), [line(12, true)]);
    assert_eq!(b.rd(DATA_PORT), 0x5a, "0xD3 echoes as mouse data");
    assert_eq!(b.events(), [line(12, false)]);
    b.cmd(0xd2);
    b.data(0x1c);
    assert_eq!(b.rd(CMD_PORT) & 0x21, 0x01);
    assert_eq!(b.drain(), [0x1c], "0xD2 echoes as keyboard data");
}

#[test]
fn a_new_command_cancels_one_waiting_for_data() {
    let mut b = Bench::new();
    b.cmd(0xd1);
    b.cmd(0xae);
    b.data(0x00); // goes to the keyboard, not the output port
    assert_eq!(b.events(), [line(1, true)]);
    assert_eq!(b.drain(), [0xfe]);
}

#[test]
fn any_access_is_answered_without_panic() {
    let mut b = Bench::new();
    for c in 0..=0xffu64 {
        for port in [DATA_PORT, CMD_PORT] {
            for size in [1, 2, 4] {
                for v in [0, 0x01, 0xff, c, 0xdead_beef] {
                    let mut ctx = Ctx::new(Time::default(), 0, &mut b.events);
                    b.kbc.write(&mut ctx, CMD_PORT, 1, c);
                    b.kbc.write(&mut ctx, port, size, v);
                    let r = b.kbc.read(&mut ctx, port, size);
                    assert_eq!(r >> 8, crate::bus::all_ones(size) >> 8);
                }
            }
        }
        b.events.clear();
    }
    assert!(b.kbc.queue.len() <= QUEUE_LEN);
}
