//! Listings of the companies under one manager (`GET /api/companies/my`), kept in memory and
//! checked on every use against the manager's `subtree_version`, which every write below the
//! manager moves in its own transaction (see [`crate::tree::counts`]). A kept listing is served
//! only while the version read with the manager's row in the same request is the one it was built
//! at, so an answer is never older than the database, on any replica. The memory is bounded: at
//! most [`MAX_NODES`] companies over all listings (least recently used go first), and a listing
//! larger than that is built for its request and not kept.
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use lru::LruCache;

use crate::companies::record::CompanyNode;

/// Companies kept over all listings (each about 250 bytes).
pub(crate) const MAX_NODES: usize = 100_000;

/// Which state of the database a listing shows: the manager (its creation time tells a company
/// apart from one deleted and made again with the same id) at one version of its subtree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub create_time: DateTime<Utc>,
    pub version: i64,
}

struct Kept {
    stamp: Stamp,
    nodes: usize,
    children: Arc<Vec<CompanyNode>>,
}

struct Inner {
    listings: LruCache<String, Kept>,
    nodes: usize,
}

pub(crate) struct TreeListings {
    inner: Mutex<Inner>,
}

impl TreeListings {
    pub(crate) fn new() -> Self {
        // Entries are bounded by their nodes below; the count bound only has to be larger.
        let entries = NonZeroUsize::new(MAX_NODES).expect("not zero");
        Self { inner: Mutex::new(Inner { listings: LruCache::new(entries), nodes: 0 }) }
    }

    /// The kept listing under `manager`, if it was built at `stamp`.
    pub(crate) fn get(&self, manager: &str, stamp: &Stamp) -> Option<Arc<Vec<CompanyNode>>> {
        let mut inner = self.inner.lock().expect("tree listings lock");
        match inner.listings.get(manager) {
            Some(kept) if kept.stamp == *stamp => Some(kept.children.clone()),
            _ => None,
        }
    }

    /// Keeps `children` (of `nodes` companies) as the listing under `manager` at `stamp`.
    pub(crate) fn put(&self, manager: &str, stamp: Stamp, nodes: usize, children: Arc<Vec<CompanyNode>>) {
        let mut inner = self.inner.lock().expect("tree listings lock");
        if let Some(old) = inner.listings.pop(manager) {
            inner.nodes -= old.nodes;
        }
        if nodes > MAX_NODES {
            return;
        }
        while inner.nodes + nodes > MAX_NODES {
            let Some((_, old)) = inner.listings.pop_lru() else { break };
            inner.nodes -= old.nodes;
        }
        inner.nodes += nodes;
        inner.listings.put(manager.to_owned(), Kept { stamp, nodes, children });
    }

    #[cfg(test)]
    fn kept_nodes(&self) -> usize {
        self.inner.lock().expect("tree listings lock").nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::companies::record::TreeCompany;

    fn listing(n: usize) -> Arc<Vec<CompanyNode>> {
        let node = |i: usize| CompanyNode {
            company: TreeCompany {
                id: format!("Company{i:05}"),
                name: format!("Company {i}"),
                parent_id: None,
                logo: None,
                privacy_duration_id: 0,
                privacy_duration_start_time: None,
                privacy_duration_end_time: None,
                license_end_date: None,
                create_time: None,
            },
            children: Vec::new(),
        };
        Arc::new((0..n).map(node).collect())
    }

    fn stamp(version: i64) -> Stamp {
        Stamp { create_time: DateTime::UNIX_EPOCH, version }
    }

    #[test]
    fn a_listing_is_served_only_at_the_version_it_was_built_at() {
        let kept = TreeListings::new();
        kept.put("Manager00001", stamp(3), 2, listing(2));
        assert_eq!(kept.get("Manager00001", &stamp(3)).map(|l| l.len()), Some(2));
        assert!(kept.get("Manager00001", &stamp(4)).is_none());
        let recreated = Stamp { create_time: Utc::now(), version: 3 };
        assert!(kept.get("Manager00001", &recreated).is_none());
        assert!(kept.get("Manager00002", &stamp(3)).is_none());
    }

    #[test]
    fn memory_is_bounded_by_the_companies_kept() {
        let kept = TreeListings::new();
        let third = MAX_NODES / 3;
        for (i, manager) in ["A", "B", "C", "D"].into_iter().enumerate() {
            kept.put(manager, stamp(i as i64), third, listing(1));
        }
        assert!(kept.kept_nodes() <= MAX_NODES);
        assert!(kept.get("A", &stamp(0)).is_none(), "the least recently used listing went first");
        assert!(kept.get("D", &stamp(3)).is_some());
        kept.put("E", stamp(9), MAX_NODES + 1, listing(1));
        assert!(kept.get("E", &stamp(9)).is_none(), "a listing over the bound is not kept");
        kept.put("D", stamp(4), third, listing(1));
        assert!(kept.kept_nodes() <= MAX_NODES);
        assert!(kept.get("D", &stamp(3)).is_none() && kept.get("D", &stamp(4)).is_some());
    }
}
