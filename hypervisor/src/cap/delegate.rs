//! Delegation: copying capabilities from one PD's space into another's with
//! a rights mask, each copy recorded as a child of its source in the
//! derivation tree. Every check and the quota estimate come first, so a
//! refused delegation changes nothing.

use super::{alloc_node, io_space, mem_space, obj_space, CapRef, NodeList, Tree, NODES_PER_PAGE};
use crate::obj::{pd::Pd, Ref};
use crate::vm::gspace;
use abi::{Crd, Space, Status};
use hv_core::tree;

/// Pages of slab the destination needs for `nodes` more nodes.
fn slab_pages(dst: Ref<Pd>, nodes: u64) -> u64 {
    let free = dst.get().slab.free_count() as u64;
    nodes.saturating_sub(free).div_ceil(NODES_PER_PAGE as u64)
}

fn ensure_quota(dst: Ref<Pd>, pages: u64) -> Result<(), Status> {
    if dst.get().quota.free() < pages {
        return Err(Status::OutOfQuota);
    }
    Ok(())
}

/// How memory is delegated.
#[derive(Clone, Copy, Default)]
pub struct How {
    /// Map it uncached, whatever the source's type.
    pub uncached: bool,
    /// Into the destination's guest-physical space (`vm::gspace`).
    pub guest: bool,
}

/// The Delegate call, after its arguments (ranges, mask, flags) and PD
/// capabilities were checked (`syscall::cap`).
pub fn delegate(
    src: Ref<Pd>,
    dst: Ref<Pd>,
    crd: Crd,
    dst_base: u64,
    how: How,
) -> Result<(), Status> {
    match crd.space() {
        Space::Obj => objects(src, dst, crd, dst_base),
        Space::Mem => ranges(src, dst, crd, dst_base, how),
        Space::Io => ranges(src, dst, crd, dst_base, How::default()),
        Space::Null => Err(Status::BadRange),
    }
}

fn objects(src: Ref<Pd>, dst: Ref<Pd>, crd: Crd, dst_base: u64) -> Result<(), Status> {
    let (base, count) = (crd.base(), crd.count());
    let (mut found, mut tables) = (0u64, 0u64);
    let mut last_leaf = u64::MAX;
    for sel in base..base + count {
        if src.get().obj.get(sel).is_none() {
            continue;
        }
        let to = dst_base + (sel - base);
        if dst.get().obj.get(to).is_some() {
            return Err(Status::Occupied);
        }
        found += 1;
        if to / 512 != last_leaf && !dst.get().obj.has_leaf(to) {
            tables += 1;
            last_leaf = to / 512;
        }
    }
    if found == 0 {
        return Err(Status::BadSelector);
    }
    let root = u64::from(!dst.get().obj.has_root());
    ensure_quota(dst, tables + root + slab_pages(dst, found))?;
    for sel in base..base + count {
        let Some(from) = src.get().obj.get(sel) else {
            continue;
        };
        let to = dst_base + (sel - base);
        obj_space::prepare(dst, to)?;
        let f = from.get();
        let node = alloc_node(dst, Space::Obj, to, 0, f.rights & crd.rights())?;
        node.get().obj = f.obj;
        node.get().src = sel;
        tree::attach(&mut Tree, from, node);
        obj_space::set(dst, to, Some(node));
    }
    Ok(())
}

/// Page-table pages that mapping `pages` pages can need at most.
fn table_pages(pages: u64) -> u64 {
    pages / 512 + pages / (512 * 512) + pages / (512 * 512 * 512) + 4
}

/// Calls `f(source, part base, part order)` for each source capability's
/// part of `[base, base + count)`; parts of naturally aligned ranges are
/// naturally aligned blocks.
fn for_each_part(
    src: Ref<Pd>,
    space: Space,
    base: u64,
    count: u64,
    mut f: impl FnMut(CapRef, u64, u8) -> Result<(), Status>,
) -> Result<(), Status> {
    let list = super::range_list(src, space);
    let mut cur = list.front();
    while let Some(n) = cur {
        cur = list.next(&NodeList, n);
        let x = n.get();
        if x.fixed || !x.overlaps(base, count) {
            continue;
        }
        let (part, part_count) = if x.count() <= count {
            (x.base, x.count())
        } else {
            (base, count)
        };
        f(n, part, part_count.trailing_zeros() as u8)?;
    }
    Ok(())
}

fn ranges(src: Ref<Pd>, dst: Ref<Pd>, crd: Crd, dst_base: u64, how: How) -> Result<(), Status> {
    let (space, base, count) = (crd.space(), crd.base(), crd.count());
    let (mut parts, mut pages) = (0u64, 0u64);
    for_each_part(src, space, base, count, |_, part, order| {
        let to = dst_base + (part - base);
        let overlap = match space {
            Space::Mem if how.guest => gspace::overlaps(dst, to, 1 << order),
            Space::Mem => mem_space::overlaps(dst, to, 1 << order),
            _ => io_space::overlaps(dst, to, 1 << order),
        };
        if overlap {
            return Err(Status::Occupied);
        }
        parts += 1;
        pages += table_pages(1 << order);
        Ok(())
    })?;
    if parts == 0 {
        return Err(Status::BadSelector);
    }
    let extra = if space == Space::Mem {
        pages + u64::from(how.guest && dst.get().guest.root == 0)
    } else {
        2 * u64::from(dst.get().io.bitmap[0] == 0)
    };
    ensure_quota(dst, extra + slab_pages(dst, parts))?;
    for_each_part(src, space, base, count, |from, part, order| {
        let to = dst_base + (part - base);
        let f = from.get();
        let node = alloc_node(dst, space, to, order, f.rights & crd.rights())?;
        let n = node.get();
        n.src = part;
        if space == Space::Mem {
            n.phys = mem_space::phys_of(f, part);
            n.cache = if how.uncached {
                mem_space::UNCACHED
            } else {
                f.cache
            };
            n.guest = how.guest;
            let mapped = if how.guest {
                gspace::map(node)
            } else {
                mem_space::map(node)
            };
            if let Err(e) = mapped {
                super::free_node(node);
                return Err(e);
            }
            let list = if how.guest {
                &mut dst.get().guest.nodes
            } else {
                &mut dst.get().mem.nodes
            };
            list.push_back(&mut NodeList, node);
        } else if let Err(e) = io_space::insert(node) {
            super::free_node(node);
            return Err(e);
        }
        tree::attach(&mut Tree, from, node);
        Ok(())
    })
}
