//! The roles a copy of ktest plays in a PD of its own, chosen by its
//! `role=` argument.

pub mod attacker;
pub mod builder;
pub mod server;

use crate::ctx::Ctx;
use user_rt::Line;

/// Plays `role`; returns when the role is done (the caller parks).
pub fn run(ctx: &mut Ctx, role: &[u8]) {
    match role {
        b"idle" => {}
        b"server" => server::run(ctx),
        b"builder" => builder::run(ctx),
        _ => Line::new().str("ktest: unknown role ").bytes(role).print(),
    }
}
