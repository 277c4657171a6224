//! What a vCPU's exit handler decides, as pure logic over the vCPU state
//! and the platform: the VMM binary calls [`handle`] for every exit and
//! carries out the [`Outcome`]. Host tests drive it with made-up exits.

pub mod cpuid;
mod exit;
pub mod inject;
pub mod msr;
pub mod mtd;
pub mod reset;

pub use exit::{handle, Env, Outcome, StopReason};

#[cfg(test)]
mod tests;
