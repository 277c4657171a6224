//! Hypercall dispatch: one table indexed by the call number from the ABI
//! crate. Each handler validates its arguments (encoding and ranges first,
//! then capabilities in argument order, then destinations, then quota) and
//! returns results or a status; the dispatcher writes them into the calling
//! EC's registers, runs pending destructions and leaves the kernel.

mod cap;
pub mod create;
mod ipc;
mod misc;
mod vcpu;

use crate::arch::frame::Frame;
use crate::obj::ec::Ec;
use crate::obj::{destroy, Obj, Ref};
use crate::sched::{self, lock};
use abi::{Hypercall, Selector, Status};

/// What a call returns in `rdi` and `rsi` (untouched where `None`).
pub type Out = (Option<u64>, Option<u64>);
type Handler = fn(Ref<Ec>, &Frame) -> Result<Out, Status>;

pub const NONE: Out = (None, None);

/// Indexed by `Hypercall as u64`.
const TABLE: [Handler; 18] = [
    misc::console_write,
    misc::machine_control,
    ipc::call,
    ipc::reply,
    create::pd,
    create::ec,
    create::sc,
    create::pt,
    create::sm,
    ipc::pt_ctrl,
    ipc::sm_ctrl,
    ipc::sc_ctrl,
    cap::delegate,
    cap::revoke,
    cap::lookup,
    cap::pd_quota,
    misc::assign_int,
    vcpu::ec_ctrl,
];
const _: () = assert!(TABLE.len() == Hypercall::ALL.len());

/// The arguments in ABI order: rdi, rsi, rdx, r8, r9, r10, r12, r13.
pub fn args(f: &Frame) -> [u64; 8] {
    [f.rdi, f.rsi, f.rdx, f.r8, f.r9, f.r10, f.r12, f.r13]
}

/// The object capability at `sel` in `ec`'s PD, of the kind `pick` accepts
/// and with every bit of `rights`.
pub fn obj_cap<T>(
    ec: Ref<Ec>,
    sel: Selector,
    rights: u8,
    pick: fn(Obj) -> Option<Ref<T>>,
) -> Result<Ref<T>, Status> {
    let node = ec.get().pd.get().obj.get(sel).ok_or(Status::BadSelector)?;
    let n = node.get();
    let obj = n.obj.ok_or(Status::BadSelector)?;
    let target = pick(obj).ok_or(Status::WrongType)?;
    if n.rights & rights != rights {
        return Err(Status::Denied);
    }
    Ok(target)
}

/// Entered from `syscall_entry` with interrupts off on the kernel stack.
#[no_mangle]
extern "C" fn syscall_dispatch(frame: &mut Frame) -> ! {
    lock::acquire();
    let Some(ec) = sched::running() else {
        // The EC was destroyed, or its call cut short, while it ran in user
        // mode: what it asked for no longer applies.
        sched::schedule()
    };
    debug_assert_eq!(frame.vector, crate::arch::frame::SYSCALL_VECTOR);
    ec.get().regs = *frame;
    ec.get().sysret = true;
    let result = match Hypercall::from_raw(frame.rax) {
        Some(call) => TABLE[call as usize](ec, frame),
        None => Err(Status::BadCall),
    };
    // Destruction comes after the results are written: the caller may have
    // destroyed itself.
    let r = &mut ec.get().regs;
    match result {
        Ok((a, b)) => {
            r.rax = Status::Success as u64;
            if let Some(a) = a {
                r.rdi = a;
            }
            if let Some(b) = b {
                r.rsi = b;
            }
        }
        Err(s) => r.rax = s as u64,
    }
    destroy::run();
    sched::finish()
}
