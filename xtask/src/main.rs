//! `cargo xtask`: the project's host tooling, the one entry point for humans and CI.
//!
//! - `build` links the freestanding boot images (hypervisor, root-pd, the components such as
//!   ktest) with their flags;
//! - `iso` wraps them in a GRUB (Multiboot 2) rescue ISO;
//! - `run` boots them in QEMU (KVM or TCG) or Bochs, interactively or against `--expect`ed
//!   console output and exit status;
//! - `bench` boots them with root-pd's `bench` and collects the figures it prints;
//! - `test` runs everything CI runs, in order, and summarizes.
//!
//! Rules: every failure is an error value with context, printed once here; nothing panics on
//! bad input or a missing tool. An emulator started by xtask never outlives it.

mod accel;
mod bench;
mod bochs;
mod build;
mod console;
mod elf;
mod emulator;
mod iso;
mod paths;
mod qemu;
mod run;
mod sse_warning;
mod test;
mod tools;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, boot and test the microhypervisor",
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build target/images/hypervisor.elf, root-pd.elf and the components (ktest.elf).
    Build,
    /// Build the images and target/images/hypervisor.iso (GRUB, Multiboot 2).
    Iso,
    /// Build and boot the images in QEMU or Bochs.
    Run(run::RunArgs),
    /// Boot with root-pd's `bench`, print its figures, write target/bench/results.json.
    Bench(bench::BenchArgs),
    /// Run what CI runs: fmt, clippy, build, iso, unit tests, boot scenarios.
    Test,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build => build::build().map(|_| 0),
        Command::Iso => iso::iso().map(|_| 0),
        Command::Run(args) => run::run(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Test => test::test(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
