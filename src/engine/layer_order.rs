//! Ordering two facing columns of the scene so that fewer edges cross: the third
//! step of a Sugiyama layout, inside the scene's clusters.
//!
//! Each column is a [`Layer`]: a tree whose items keep their subtrees contiguous
//! (a namespace island keeps its Services together, a node its workload groups, a
//! group its pods). [`order_layers`] only permutes the children of each item. It
//! alternates barycenter sweeps (every item moves to the mean position of what it
//! links to on the other side, computed over its whole subtree) with transposition
//! (adjacent siblings swap when that removes crossings), and keeps the best order
//! seen by the two-layer crossing count. Ties keep the previous order, so the result
//! is deterministic, and an item with no links keeps its sorted place after the
//! linked ones, so adding an unlinked pod moves nothing else.

use crate::engine::sort::SortCompact;
/// The root item of every [`Layer`].
pub const ROOT: usize = 0;

/// Most barycenter sweeps; the loop stops earlier once a sweep finds nothing better.
const MAX_SWEEPS: usize = 8;
/// Most transposition passes over one layer per sweep.
const MAX_TRANSPOSE_PASSES: usize = 6;
/// Siblings up to this many are sifted (each tried at every place); larger sets of
/// siblings only swap neighbours, which costs linear time per pass.
const SIFT_LIMIT: usize = 64;
/// Sifting compares every sibling with every other through their links: it runs
/// only while siblings × their links stay below this, so that a few namespace
/// islands of thousands of pods each do not cost seconds.
const SIFT_BUDGET: usize = 100_000;

/// A column as a tree of items. Items are added under a parent in their initial
/// (sorted) order; [`Layer::children`] reads the order chosen by [`order_layers`].
#[derive(Clone, Debug)]
pub struct Layer {
    parent: Vec<usize>,
    children: Vec<Vec<usize>>,
}

impl Default for Layer {
    fn default() -> Layer {
        Layer {
            parent: vec![ROOT],
            children: vec![Vec::new()],
        }
    }
}

impl Layer {
    /// Adds an item as the last child of `parent` and returns it.
    pub fn add(&mut self, parent: usize) -> usize {
        let item = self.parent.len();
        self.parent.push(parent);
        self.children.push(Vec::new());
        self.children[parent].push(item);
        item
    }

    /// The children of `item`, in order.
    pub fn children(&self, item: usize) -> &[usize] {
        &self.children[item]
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    /// `item` and its ancestors below the root.
    fn lineage(&self, item: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = Some(item);
        std::iter::from_fn(move || {
            let current = next.filter(|&i| i != ROOT)?;
            next = Some(self.parent[current]);
            Some(current)
        })
    }

    /// Position of every item that has links of its own: a running number in
    /// depth-first order (an item before its children), counting only such items.
    fn positions(&self, linked: &[bool]) -> Vec<f64> {
        let mut positions = vec![f64::NAN; self.len()];
        let mut next = 0.0;
        let mut stack = vec![ROOT];
        while let Some(item) = stack.pop() {
            if linked[item] {
                positions[item] = next;
                next += 1.0;
            }
            stack.extend(self.children[item].iter().rev());
        }
        positions
    }
}

/// Reorders the children of the items of `left` and `right` to reduce the
/// crossings of `links`, each a pair (item of `left`, item of `right`).
pub fn order_layers(left: &mut Layer, right: &mut Layer, links: &[(usize, usize)]) {
    if links.is_empty() {
        return;
    }
    let mut left_linked = vec![false; left.len()];
    let mut right_linked = vec![false; right.len()];
    let mut left_subtree_linked = vec![false; left.len()];
    let mut right_subtree_linked = vec![false; right.len()];
    for &(a, b) in links {
        left_linked[a] = true;
        right_linked[b] = true;
        for item in left.lineage(a) {
            left_subtree_linked[item] = true;
        }
        for item in right.lineage(b) {
            right_subtree_linked[item] = true;
        }
    }
    // Unlinked items go after the linked ones, in their initial order, and stay
    // there: nothing they do can change a crossing.
    for (layer, subtree_linked) in [
        (&mut *left, &left_subtree_linked),
        (&mut *right, &right_subtree_linked),
    ] {
        for children in &mut layer.children {
            children.sort_compact_by_key(|&child| !subtree_linked[child]);
        }
    }
    let flipped: Vec<(usize, usize)> = links.iter().map(|&(a, b)| (b, a)).collect();
    let count = |left: &Layer, right: &Layer| {
        crossings(
            links,
            &left.positions(&left_linked),
            &right.positions(&right_linked),
        )
    };
    // Sweeps that start from the left column's order and sweeps that start from
    // the right's can settle in different local minima: both run from the initial
    // order, and the fewer crossings win (ties go to the left start).
    let initial = (left.clone(), right.clone());
    let mut best = (count(left, right), left.clone(), right.clone());
    for start_right in [false, true] {
        if best.0 == 0 {
            break;
        }
        if start_right {
            (*left, *right) = initial.clone();
        }
        let mut run_best = usize::MAX;
        for sweep in 0..MAX_SWEEPS {
            if sweep > 0 || !start_right {
                let left_positions = left.positions(&left_linked);
                barycenter_sweep(right, &flipped, &left_positions);
                transpose(right, &flipped, &left_positions);
            }
            let right_positions = right.positions(&right_linked);
            barycenter_sweep(left, links, &right_positions);
            transpose(left, links, &right_positions);
            let now = count(left, right);
            if now < best.0 {
                best = (now, left.clone(), right.clone());
            }
            if now >= run_best || best.0 == 0 {
                break;
            }
            run_best = now;
        }
    }
    *left = best.1;
    *right = best.2;
}

/// Orders the two columns as a previous picture did, so that an edit moves nothing
/// it did not change (§13.8). `seeds` give each item of `left` and of `right` its
/// place in the previous picture (any increasing numbering), or `None` for an item
/// that is new; an item without a place of its own (a zone) takes the first of its
/// children's. Siblings keep their previous order; each new item that has links is
/// then put where, among its siblings, its links cross the fewest, the other items
/// staying in order (new items of `right` first, then those of `left`).
pub fn order_layers_seeded(
    left: &mut Layer,
    right: &mut Layer,
    links: &[(usize, usize)],
    seeds: [&[Option<usize>]; 2],
) {
    let flipped: Vec<(usize, usize)> = links.iter().map(|&(a, b)| (b, a)).collect();
    let mut left_linked = vec![false; left.len()];
    let mut right_linked = vec![false; right.len()];
    for &(a, b) in links {
        left_linked[a] = true;
        right_linked[b] = true;
    }
    let mut places = [Vec::new(), Vec::new()];
    for (side, layer) in [&mut *left, &mut *right].into_iter().enumerate() {
        // Children come after their parents, so a backward pass fills containers.
        let mut place: Vec<Option<usize>> = (0..layer.len())
            .map(|item| seeds[side].get(item).copied().flatten())
            .collect();
        for item in (1..layer.len()).rev() {
            let parent = layer.parent[item];
            if seeds[side].get(parent).copied().flatten().is_none() {
                if let Some(child) = place[item] {
                    place[parent] = Some(place[parent].map_or(child, |p| p.min(child)));
                }
            }
        }
        // Known items in their previous order, new ones after them as they were added.
        for children in &mut layer.children {
            children.sort_compact_by_key(|&child| (place[child].is_none(), place[child]));
        }
        places[side] = place;
    }
    let left_positions = left.positions(&left_linked);
    place_new(right, &flipped, &places[1], &left_positions);
    let right_positions = right.positions(&right_linked);
    place_new(left, links, &places[0], &right_positions);
}

/// Moves each new item (`place` `None`) with links to the place among its siblings
/// where its links cross the fewest of theirs, the others keeping their order; on a
/// tie, the latest such place, so that as little as possible moves.
fn place_new(layer: &mut Layer, links: &[(usize, usize)], place: &[Option<usize>], other: &[f64]) {
    let reach = sorted_reach(layer, links, other);
    for children in &mut layer.children {
        let new: Vec<usize> = children
            .iter()
            .copied()
            .filter(|&c| place[c].is_none() && !reach[c].is_empty())
            .collect();
        for item in new {
            children.retain(|&c| c != item);
            // At place p, `item` is after children[..p] and before children[p..].
            let mut cost: usize = children
                .iter()
                .map(|&o| pairs_above(&reach[item], &reach[o]))
                .sum();
            let mut best = (cost, 0);
            for (p, &o) in children.iter().enumerate() {
                cost = cost - pairs_above(&reach[item], &reach[o])
                    + pairs_above(&reach[o], &reach[item]);
                if cost <= best.0 {
                    best = (cost, p + 1);
                }
            }
            children.insert(best.1, item);
        }
    }
}

/// The number of pairs of links that cross between two columns drawn at these
/// positions: `(a1 - a2) (b1 - b2) < 0`. Links that share an end never cross.
pub fn crossings(links: &[(usize, usize)], left: &[f64], right: &[f64]) -> usize {
    let mut ends: Vec<(f64, f64)> = links.iter().map(|&(a, b)| (left[a], right[b])).collect();
    ends.sort_compact_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    // Ranks of the right ends, then a Fenwick tree counts, for each link, the
    // earlier links (left end smaller, or equal with a smaller right end) whose
    // right end is larger. Equal left ends are sorted by right end, so they add none.
    let mut right_values: Vec<f64> = ends.iter().map(|e| e.1).collect();
    right_values.sort_compact_by(f64::total_cmp);
    right_values.dedup();
    let mut tree = vec![0usize; right_values.len() + 1];
    let mut n_crossings = 0;
    for (seen, &(_, b)) in ends.iter().enumerate() {
        let rank = right_values.partition_point(|&v| v.total_cmp(&b).is_lt()) + 1;
        let mut not_larger = 0;
        let mut i = rank;
        while i > 0 {
            not_larger += tree[i];
            i &= i - 1;
        }
        n_crossings += seen - not_larger;
        let mut i = rank;
        while i < tree.len() {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    n_crossings
}

/// Sorts the children of every item of `layer` by the mean position of what their
/// subtree links to. Each link is (its item in `layer`, its item on the other
/// column), whose positions are `other`. Unlinked children keep their place at
/// the end. (Plain slices rather than a closure per call: one compiled copy.)
fn barycenter_sweep(layer: &mut Layer, links: &[(usize, usize)], other: &[f64]) {
    let mut sum = vec![0.0; layer.len()];
    let mut n = vec![0usize; layer.len()];
    for &(item, far) in links {
        let position = other[far];
        for ancestor in layer.lineage(item) {
            sum[ancestor] += position;
            n[ancestor] += 1;
        }
    }
    for children in &mut layer.children {
        let n_linked = children.iter().take_while(|&&c| n[c] > 0).count();
        children[..n_linked]
            .sort_compact_by(|&a, &b| (sum[a] / n[a] as f64).total_cmp(&(sum[b] / n[b] as f64)));
    }
}

/// For each item of `layer` and each of its ancestors, the sorted positions on the
/// other column (`other`) that its links reach; links as for [`barycenter_sweep`].
fn sorted_reach(layer: &Layer, links: &[(usize, usize)], other: &[f64]) -> Vec<Vec<f64>> {
    let mut reach: Vec<Vec<f64>> = vec![Vec::new(); layer.len()];
    for &(item, far) in links {
        for ancestor in layer.lineage(item) {
            reach[ancestor].push(other[far]);
        }
    }
    for positions in &mut reach {
        positions.sort_compact_by(f64::total_cmp);
    }
    reach
}

/// Swaps adjacent linked siblings while a swap removes crossings. With the other
/// column fixed, swapping two neighbours changes only the crossings between their
/// own links, which two sorted lists of positions count.
fn transpose(layer: &mut Layer, links: &[(usize, usize)], other: &[f64]) {
    let reach = sorted_reach(layer, links, other);
    // Small sets of siblings are sifted once; the others swap neighbours, pass
    // after pass, while a swap helps.
    let mut swapping = Vec::new();
    for (item, children) in layer.children.iter_mut().enumerate() {
        let reach_of_children: usize = children.iter().map(|&c| reach[c].len()).sum();
        if children.len() <= SIFT_LIMIT && children.len() * reach_of_children <= SIFT_BUDGET {
            sift(children, &reach);
        } else {
            swapping.push(item);
        }
    }
    for _ in 0..MAX_TRANSPOSE_PASSES {
        let mut swapped = false;
        for &item in &swapping {
            let children = &mut layer.children[item];
            for i in 1..children.len() {
                let (u, v) = (children[i - 1], children[i]);
                if reach[u].is_empty() || reach[v].is_empty() {
                    continue;
                }
                if pairs_above(&reach[v], &reach[u]) < pairs_above(&reach[u], &reach[v]) {
                    children.swap(i - 1, i);
                    swapped = true;
                }
            }
        }
        if !swapped {
            break;
        }
    }
}

/// Moves each linked child, in turn, to the place among its linked siblings where
/// its links cross the fewest of theirs (sifting).
fn sift(children: &mut [usize], reach: &[Vec<f64>]) {
    let n_linked = children
        .iter()
        .take_while(|&&c| !reach[c].is_empty())
        .count();
    // Each child in its place before this pass; the loop body reorders `children`.
    let initial: Vec<usize> = children[..n_linked].to_vec();
    for item in initial {
        let from = children.iter().position(|&c| c == item).unwrap_or_default();
        let others: Vec<usize> = children[..n_linked]
            .iter()
            .copied()
            .filter(|&c| c != item)
            .collect();
        // Crossings of `item` placed before each other child, and after it.
        let before: Vec<usize> = others
            .iter()
            .map(|&o| pairs_above(&reach[item], &reach[o]))
            .collect();
        let after: Vec<usize> = others
            .iter()
            .map(|&o| pairs_above(&reach[o], &reach[item]))
            .collect();
        // At place p, `item` is after others[..p] and before others[p..].
        let mut cost: usize = before.iter().sum();
        let mut best = (cost, from);
        for place in 0..others.len() {
            cost = cost - before[place] + after[place];
            if cost < best.0 {
                best = (cost, place + 1);
            }
        }
        let current_cost: usize = (0..others.len())
            .map(|p| if p < from { after[p] } else { before[p] })
            .sum();
        if best.0 < current_cost {
            let mut reordered = others;
            reordered.insert(best.1, item);
            children[..n_linked].copy_from_slice(&reordered);
        }
    }
}

/// The number of pairs (x in `upper`, y in `lower`) with x > y; both sorted.
fn pairs_above(upper: &[f64], lower: &[f64]) -> usize {
    let mut n_pairs = 0;
    let mut below = 0;
    for &x in upper {
        while below < lower.len() && lower[below] < x {
            below += 1;
        }
        n_pairs += below;
    }
    n_pairs
}
