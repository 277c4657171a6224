//! Portal: an entry point into a local EC. Calling it runs that EC at
//! `entry` with the portal's id; for exceptions, the MTD says which parts of
//! the faulting EC's state travel.

use super::{ec::Ec, Header, Ref};
use hv_core::list::{Links, ListArena};

pub struct Pt {
    pub hdr: Header,
    /// The handler (None once it is gone).
    pub ec: Option<Ref<Ec>>,
    pub entry: u64,
    pub mtd: u64,
    pub id: u64,
    /// On the handler's list of portals.
    pub link: Links<Ref<Pt>>,
}

pub struct PortalArena;

impl ListArena for PortalArena {
    type Id = Ref<Pt>;
    fn links(&self, id: Ref<Pt>) -> Links<Ref<Pt>> {
        id.get().link
    }
    fn set_links(&mut self, id: Ref<Pt>, l: Links<Ref<Pt>>) {
        id.get().link = l;
    }
}
