//! Look-up: what capability covers one unit of a PD's space.

use super::{io_space, mem_space};
use crate::obj::{pd::Pd, Ref};
use abi::{mem_type, Crd, Space, Status};

/// The capability covering unit `crd.base()` of `pd`'s space: its CRD and
/// the object's type (object capabilities) or the memory type (memory).
pub fn lookup(pd: Ref<Pd>, crd: Crd) -> Result<(Crd, u64), Status> {
    let unit = Crd::new(crd.space(), crd.base(), 0, 0);
    if !unit.is_valid_range() {
        return Err(Status::BadRange);
    }
    let node = match crd.space() {
        Space::Obj => pd.get().obj.get(crd.base()),
        Space::Mem => mem_space::find(pd, crd.base()),
        Space::Io => io_space::find(pd, crd.base()),
        Space::Null => None,
    }
    .ok_or(Status::BadSelector)?;
    let n = node.get();
    let extra = match (n.obj, n.space) {
        (Some(o), _) => o.kind() as u64,
        (None, Space::Mem) if n.cache != 0 => mem_type::UNCACHED,
        _ => mem_type::WRITE_BACK,
    };
    Ok((Crd::new(n.space, n.base, n.order, n.rights), extra))
}
