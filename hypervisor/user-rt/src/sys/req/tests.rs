use super::*;
use abi::cap::rights;
use abi::int_flags;

fn regs(r: Request, call: Hypercall) -> [u64; 8] {
    assert_eq!(r.call, call);
    r.args
}

#[test]
fn creation_calls_pass_destination_first_and_their_arguments_in_order() {
    assert_eq!(
        regs(create_pd(1100, Pd(2000), 64), Hypercall::CreatePd),
        [1100, 2000, 64, 0, 0, 0, 0, 0]
    );
    let g = EcSpec::global(Pd(40), 3, 0x7000_0000, 0x6fff_fff8, 200, 0x40_1000);
    assert_eq!(
        regs(create_ec(1101, &g), Hypercall::CreateEc),
        [
            1101,
            40,
            3,
            0x7000_0000,
            0x6fff_fff8,
            200,
            0x40_1000,
            ec_flags::GLOBAL
        ]
    );
    let l = EcSpec::local(Pd(40), 1, 0x7000_1000, 0x6000_0000, 232);
    assert_eq!(
        regs(create_ec(1102, &l), Hypercall::CreateEc),
        [1102, 40, 1, 0x7000_1000, 0x6000_0000, 232, 0, 0]
    );
    assert_eq!(
        regs(create_sc(1103, Ec(1101), 7, 10_000), Hypercall::CreateSc),
        [1103, 1101, 7, 10_000, 0, 0, 0, 0]
    );
    let mtd = Mtd(Mtd::GPRS | Mtd::QUAL);
    assert_eq!(
        regs(
            create_pt(1104, Ec(1102), 0x40_2000, mtd),
            Hypercall::CreatePt
        ),
        [1104, 1102, 0x40_2000, mtd.0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(create_sm(1105, Pd(2000), 2), Hypercall::CreateSm),
        [1105, 2000, 2, 0, 0, 0, 0, 0]
    );
}

#[test]
fn ipc_and_control_calls_pack_their_registers() {
    assert_eq!(
        regs(call(Portal(9), 4), Hypercall::Call),
        [9, 4, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(regs(reply(3), Hypercall::Reply), [3, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        regs(pt_ctrl(Portal(9), 0xabc), Hypercall::PtCtrl),
        [9, 0xabc, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(sm_ctrl(Sm(5), SmOp::DownZero, 777), Hypercall::SmCtrl),
        [5, SmOp::DownZero as u64, 777, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(sc_ctrl(Sc(2034)), Hypercall::ScCtrl),
        [2034, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(pd_quota(Pd(2000)), Hypercall::PdQuota),
        [2000, 0, 0, 0, 0, 0, 0, 0]
    );
    let flags = int_flags::LEVEL | int_flags::ACTIVE_LOW;
    assert_eq!(
        regs(assign_int(Sm(66), 2, flags), Hypercall::AssignInt),
        [66, 2, flags, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(
            machine_control(Pd(2000), MachineOp::Reboot),
            Hypercall::MachineControl
        ),
        [2000, MachineOp::Reboot as u64, 0, 0, 0, 0, 0, 0]
    );
    let text = b"hello";
    assert_eq!(
        regs(console_write(text), Hypercall::ConsoleWrite),
        [text.as_ptr() as u64, 5, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn capability_calls_pass_crds_whole_and_flags_by_name() {
    let crd = Crd::mem(0x200, 9, rights::mem::RW);
    assert_eq!(
        regs(
            delegate(Pd(2000), Pd(1100), crd, 0x400),
            Hypercall::Delegate
        ),
        [2000, 1100, crd.0, 0x400, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(
            delegate_with(
                Pd(2000),
                Pd(1100),
                crd,
                0x400,
                abi::delegate_flags::UNCACHED
            ),
            Hypercall::Delegate
        ),
        [2000, 1100, crd.0, 0x400, 1, 0, 0, 0]
    );
    assert_eq!(
        regs(revoke(Pd(2000), crd, false), Hypercall::Revoke),
        [2000, crd.0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        regs(revoke(Pd(2000), crd, true), Hypercall::Revoke),
        [2000, crd.0, revoke_flags::SELF, 0, 0, 0, 0, 0]
    );
    let one = Crd::obj(1100, 0);
    assert_eq!(
        regs(lookup(Pd(2000), one), Hypercall::Lookup),
        [2000, one.0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn vcpu_calls_pass_zero_utcb_stack_and_entry_and_their_flags() {
    assert_eq!(
        regs(create_vcpu(1200, Pd(1100), 1, 64), Hypercall::CreateEc),
        [1200, 1100, 1, 0, 0, 64, 0, ec_flags::VCPU]
    );
    assert_eq!(
        regs(ec_ctrl(Ec(1200), EcOp::Recall), Hypercall::EcCtrl),
        [1200, EcOp::Recall as u64, 0, 0, 0, 0, 0, 0]
    );
    let crd = Crd::mem(0x2000_0000, 9, rights::mem::RWX);
    assert_eq!(
        regs(
            delegate_guest(Pd(2000), Pd(1100), crd, 0),
            Hypercall::Delegate
        ),
        [2000, 1100, crd.0, 0, abi::delegate_flags::GUEST, 0, 0, 0]
    );
}
