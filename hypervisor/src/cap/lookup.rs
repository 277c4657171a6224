//! Look-up: what capability covers one unit of a PD's space.

use super::{io_space, mem_space};
use crate::obj::{pd::Pd, Ref};
use abi::{Crd, ObjType, Space, Status};

/// The capability covering unit `crd.base()` of `pd`'s space: its CRD and,
/// for object capabilities, the object's type.
pub fn lookup(pd: Ref<Pd>, crd: Crd) -> Result<(Crd, Option<ObjType>), Status> {
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
    Ok((
        Crd::new(n.space, n.base, n.order, n.rights),
        n.obj.map(|o| o.kind()),
    ))
}
