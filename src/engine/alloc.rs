//! ClusterIP and NodePort allocation with static/dynamic bands (§3).
//!
//! The API server picks a *random* start in the upper band. kubetopo picks a start
//! from a hash of the Service's identity instead: output is deterministic, and an
//! unrelated edit never renumbers a Service (only a collision chain can move).

use std::collections::BTreeMap;

use super::config::stable_hash;

/// Where a requested value could not go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimError {
    OutOfRange,
    /// Held by the named owner.
    AlreadyAllocated(String),
}

/// Allocates offsets in `first..=last` (inclusive), with the lowest `band` offsets
/// reserved as the static band that dynamic allocation only uses when the rest is full.
#[derive(Clone, Debug)]
pub struct BandAllocator {
    first: u64,
    last: u64,
    band: u64,
    used: BTreeMap<u64, String>,
}

impl BandAllocator {
    pub fn new(first: u64, last: u64, band: u64) -> BandAllocator {
        BandAllocator {
            first,
            last,
            band,
            used: BTreeMap::new(),
        }
    }

    /// Band size for a Service CIDR with `size` addresses (`ipallocator.calculateRangeOffset`).
    pub fn cluster_ip_band(size: u64) -> u64 {
        if size <= 16 {
            0
        } else {
            (size / 16).clamp(16, 256)
        }
    }

    /// Band size for a NodePort range of `size` ports (`portallocator.calculateRangeOffset`).
    pub fn node_port_band(size: u64) -> u64 {
        if size <= 16 {
            0
        } else {
            (size / 32).clamp(16, 128)
        }
    }

    pub fn owner_of(&self, value: u64) -> Option<&str> {
        self.used.get(&value).map(String::as_str)
    }

    /// Claims a specific value, as a request for an explicit clusterIP or nodePort does.
    pub fn claim(&mut self, value: u64, owner: &str) -> Result<(), ClaimError> {
        if value < self.first || value > self.last {
            return Err(ClaimError::OutOfRange);
        }
        match self.used.get(&value) {
            Some(holder) if holder != owner => Err(ClaimError::AlreadyAllocated(holder.clone())),
            _ => {
                self.used.insert(value, owner.to_string());
                Ok(())
            }
        }
    }

    /// Allocates the next free value for `owner`: upper band first from a start
    /// derived from `owner`, wrapping within it, then the static band (§3).
    pub fn allocate(&mut self, owner: &str) -> Option<u64> {
        let dynamic_first = (self.first + self.band).min(self.last + 1);
        let hash = stable_hash(&[owner]);
        let bands = [
            (dynamic_first, self.last),
            (self.first, dynamic_first.saturating_sub(1)),
        ];
        for (low, high) in bands {
            if high < low {
                continue;
            }
            let width = high - low + 1;
            let start = hash % width;
            // Scan from the start, wrapping; `range` on the BTreeMap skips used runs fast
            // enough for the sizes involved (≤ 2^20 in practice).
            for step in 0..width {
                let candidate = low + (start + step) % width;
                if let std::collections::btree_map::Entry::Vacant(entry) =
                    self.used.entry(candidate)
                {
                    entry.insert(owner.to_string());
                    return Some(candidate);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sort::SortCompact;

    /// §3: the worked band sizes for /24, /20 and /16 Service CIDRs, and the NodePort band.
    #[test]
    fn s3_band_sizes() {
        assert_eq!(BandAllocator::cluster_ip_band(256), 16);
        assert_eq!(BandAllocator::cluster_ip_band(4096), 256);
        assert_eq!(BandAllocator::cluster_ip_band(65536), 256);
        assert_eq!(BandAllocator::node_port_band(2768), 86);
    }

    #[test]
    fn s3_dynamic_allocation_prefers_upper_band_then_static() {
        let mut allocator = BandAllocator::new(1, 20, 16);
        let mut values: Vec<u64> = (0..20)
            .map(|i| allocator.allocate(&format!("svc-{i}")).unwrap())
            .collect();
        assert!(values[..4].iter().all(|v| *v >= 17), "{values:?}");
        values.sort_compact();
        assert_eq!(values, (1..=20).collect::<Vec<_>>());
        assert_eq!(allocator.allocate("one-more"), None);
    }

    #[test]
    fn s3_claim_conflicts_and_range() {
        let mut allocator = BandAllocator::new(30000, 32767, 86);
        assert_eq!(allocator.claim(30080, "a"), Ok(()));
        assert_eq!(
            allocator.claim(30080, "b"),
            Err(ClaimError::AlreadyAllocated("a".into()))
        );
        assert_eq!(allocator.claim(80, "b"), Err(ClaimError::OutOfRange));
    }
}
