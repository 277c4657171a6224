//! The user runtime: what every ring-3 program of this project (root-pd,
//! components, later the VMM) builds on.
//!
//! - [`sys`]: one safe, typed wrapper per hypercall. Capabilities travel as
//!   newtypes that say their kind ([`Pd`], [`Ec`], [`Sc`], [`Portal`],
//!   [`Sm`]); errors come back as `Result<_, Status>`.
//! - [`utcb`]: access to the calling EC's UTCB, the message buffer of IPC.
//! - [`start`]: `_start` and the [`entry!`](crate::entry!)/[`panic_handler!`](crate::panic_handler!) macros.
//! - [`heap`]: a first-fit allocator over memory handed over at run time.
//! - [`loader`]: loads a static ELF program into a new PD and starts it,
//!   with a start-info page of what its parent handed over.
//! - [`text`]: console lines without `core::fmt`, so every program prints
//!   the same way.
//!
//! Rules:
//! - The ABI crate (`abi`) is the only place numbers and layouts are written
//!   down; this crate names them and never repeats a number.
//! - Wrappers do not check what the hypervisor checks: a malformed argument
//!   reaches the hypervisor and its status comes back, so tests can use the
//!   wrappers for error paths too. [`sys::req`] builds the raw register
//!   values of every call for tests that need to bend one further, and
//!   `abi::call::{raw, raw8}` stay available for anything else.
//! - Every `unsafe` block says why it is sound; the crate is host-testable
//!   (`no_std` only outside tests) and nothing in it issues a hypercall
//!   unless asked to.
#![cfg_attr(not(test), no_std)]

pub mod heap;
pub mod loader;
pub mod start;
pub mod sys;
pub mod text;
pub mod utcb;

pub use heap::Heap;
pub use sys::{Ec, Pd, Portal, Sc, Sm};
pub use text::Line;
pub use utcb::Utcb;
