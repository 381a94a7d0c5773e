//! Go's `sort.Sort`, step for step, so that elements that compare equal end up
//! in the same order as in Go.
//!
//! Since Go 1.19, `sort.Sort` is a pattern-defeating quicksort (pdqsort,
//! Peters 2021) without BlockQuicksort's optimisations. Ranges of at most 12
//! elements are insertion-sorted, which is stable; longer ranges are
//! partitioned around a pivot, which moves equal elements past each other.
//! apimachinery sorts a selector's requirements by key alone with it
//! (`sort.Sort(ByKey(...))`), so two requirements on the same key keep their
//! written order in a selector of up to 12 requirements and may swap in a
//! longer one. [`sort_like_go`] reproduces every comparison and swap,
//! including the deterministic "random" swaps of `breakPatterns` (an xorshift
//! generator seeded with the range length), so its result is Go's for any
//! input.

/// Sorts `data` exactly as Go's `sort.Sort` would with `less` as the
/// interface's `Less`. `less` must be a strict weak order, as Go requires.
///
/// ```
/// use kubetopo::engine::golang::sort::sort_like_go;
///
/// // Twelve elements are insertion-sorted, so equal keys keep their order.
/// let mut pairs: Vec<(u8, usize)> = (0..12).map(|index| (u8::from(index == 0), index)).collect();
/// sort_like_go(&mut pairs, |left, right| left.0 < right.0);
/// assert_eq!(pairs.iter().map(|pair| pair.1).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0]);
/// ```
pub fn sort_like_go<T, Less>(data: &mut [T], less: Less)
where
    Less: Fn(&T, &T) -> bool,
{
    let length = data.len();
    if length <= 1 {
        return;
    }
    let limit = bit_length(length as u64);
    let mut sorter = GoSorter { data, less };
    sorter.pdqsort(0, length, limit);
}

/// Ranges this short are insertion-sorted (`maxInsertion`).
const MAX_INSERTION: usize = 12;
/// `partialInsertionSort` gives up after this many out-of-order pairs.
const MAX_PARTIAL_INSERTION_STEPS: usize = 5;
/// `partialInsertionSort` never shifts elements in a range shorter than this.
const SHORTEST_SHIFTING: usize = 50;
/// From this length on, the pivot is Tukey's ninther rather than a median of three.
const SHORTEST_NINTHER: usize = 50;
/// The number of swaps `choosePivot` makes on a strictly decreasing ninther.
const MAX_PIVOT_SWAPS: usize = 4 * 3;

/// What choosing the pivot revealed about the order of the range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortedHint {
    Unknown,
    Increasing,
    Decreasing,
}

/// `bits.Len`: the number of bits needed to write `value`, 0 for 0.
fn bit_length(value: u64) -> usize {
    (u64::BITS - value.leading_zeros()) as usize
}

/// The slice being sorted and its `Less`. Indices are absolute, as in Go,
/// which matters in one place: `partialInsertionSort` shifts down to index 1
/// of the whole slice, not of the range.
struct GoSorter<'data, T, Less> {
    data: &'data mut [T],
    less: Less,
}

impl<T, Less> GoSorter<'_, T, Less>
where
    Less: Fn(&T, &T) -> bool,
{
    fn less(&self, left: usize, right: usize) -> bool {
        (self.less)(&self.data[left], &self.data[right])
    }

    fn swap(&mut self, left: usize, right: usize) {
        self.data.swap(left, right);
    }

    /// Sorts `data[start..end]`; `limit` is how many badly unbalanced
    /// partitions are tolerated before falling back to heapsort.
    fn pdqsort(&mut self, mut start: usize, mut end: usize, mut limit: usize) {
        let mut was_balanced = true;
        let mut was_partitioned = true;
        loop {
            let length = end - start;
            if length <= MAX_INSERTION {
                self.insertion_sort(start, end);
                return;
            }
            if limit == 0 {
                self.heap_sort(start, end);
                return;
            }
            if !was_balanced {
                self.break_patterns(start, end);
                limit -= 1;
            }

            let (mut pivot, mut hint) = self.choose_pivot(start, end);
            if hint == SortedHint::Decreasing {
                self.reverse_range(start, end);
                // The pivot moves with the reversal: it is now as far from the end
                // as it was from the start.
                pivot = (end - 1) - (pivot - start);
                hint = SortedHint::Increasing;
            }

            // A range that looks sorted often is; check cheaply before partitioning.
            if was_balanced
                && was_partitioned
                && hint == SortedHint::Increasing
                && self.partial_insertion_sort(start, end)
            {
                return;
            }

            // The element before the range is a previous pivot and no larger than
            // anything in it. If it is not smaller than this pivot either, the
            // pivot's value is the range's minimum and probably repeated: move every
            // copy to the front at once and sort only what is greater.
            if start > 0 && !self.less(start - 1, pivot) {
                start = self.partition_equal(start, end, pivot);
                continue;
            }

            let (middle, already_partitioned) = self.partition(start, end, pivot);
            was_partitioned = already_partitioned;

            let left_length = middle - start;
            let right_length = end - middle;
            let balance_threshold = length / 8;
            // Recurse into the smaller side and loop on the larger one, as Go does;
            // the order of the two sorts matters for `breakPatterns` below.
            if left_length < right_length {
                was_balanced = left_length >= balance_threshold;
                self.pdqsort(start, middle, limit);
                start = middle + 1;
            } else {
                was_balanced = right_length >= balance_threshold;
                self.pdqsort(middle + 1, end, limit);
                end = middle;
            }
        }
    }

    fn insertion_sort(&mut self, start: usize, end: usize) {
        for unsorted in start + 1..end {
            let mut position = unsorted;
            while position > start && self.less(position, position - 1) {
                self.swap(position, position - 1);
                position -= 1;
            }
        }
    }

    /// Restores the max-heap property below `root` in the heap
    /// `data[first + low .. first + high]`.
    fn sift_down(&mut self, low: usize, high: usize, first: usize) {
        let mut root = low;
        loop {
            let mut child = 2 * root + 1;
            if child >= high {
                return;
            }
            if child + 1 < high && self.less(first + child, first + child + 1) {
                child += 1;
            }
            if !self.less(first + root, first + child) {
                return;
            }
            self.swap(first + root, first + child);
            root = child;
        }
    }

    fn heap_sort(&mut self, start: usize, end: usize) {
        let first = start;
        let high = end - start;
        for root in (0..=(high - 1) / 2).rev() {
            self.sift_down(root, high, first);
        }
        for last in (0..high).rev() {
            self.swap(first, first + last);
            self.sift_down(0, last, first);
        }
    }

    /// Moves everything less than the pivot before it and everything else after
    /// it. Returns the pivot's new index and whether nothing had to move.
    fn partition(&mut self, start: usize, end: usize, pivot: usize) -> (usize, bool) {
        self.swap(start, pivot);
        let mut low = start + 1;
        let mut high = end - 1;
        // Go scans once before its loop only to learn whether the range was
        // already partitioned; one loop with a flag makes the same comparisons
        // and swaps in the same order.
        let mut already_partitioned = true;
        loop {
            while low <= high && self.less(low, start) {
                low += 1;
            }
            while low <= high && !self.less(high, start) {
                high -= 1;
            }
            if low > high {
                break;
            }
            already_partitioned = false;
            self.swap(low, high);
            low += 1;
            high -= 1;
        }
        self.swap(high, start);
        (high, already_partitioned)
    }

    /// Moves the elements equal to the pivot to the front of a range that holds
    /// nothing smaller than it. Returns where the greater elements begin.
    fn partition_equal(&mut self, start: usize, end: usize, pivot: usize) -> usize {
        self.swap(start, pivot);
        let mut low = start + 1;
        let mut high = end - 1;
        loop {
            while low <= high && !self.less(start, low) {
                low += 1;
            }
            while low <= high && self.less(start, high) {
                high -= 1;
            }
            if low > high {
                break;
            }
            self.swap(low, high);
            low += 1;
            high -= 1;
        }
        low
    }

    /// Fixes up to five out-of-order neighbours in a long range. Returns true
    /// when the range ends up sorted. Short ranges are only checked, not shifted.
    fn partial_insertion_sort(&mut self, start: usize, end: usize) -> bool {
        let mut index = start + 1;
        for _ in 0..MAX_PARTIAL_INSERTION_STEPS {
            while index < end && !self.less(index, index - 1) {
                index += 1;
            }
            if index == end {
                return true;
            }
            if end - start < SHORTEST_SHIFTING {
                return false;
            }
            self.swap(index, index - 1);
            // Shift the smaller element left. Go stops at index 1 of the whole
            // slice rather than at the start of the range; so does this.
            if index - start >= 2 {
                let mut position = index - 1;
                while position >= 1 {
                    if !self.less(position, position - 1) {
                        break;
                    }
                    self.swap(position, position - 1);
                    position -= 1;
                }
            }
            // Shift the greater element right.
            if end - index >= 2 {
                for position in index + 1..end {
                    if !self.less(position, position - 1) {
                        break;
                    }
                    self.swap(position, position - 1);
                }
            }
        }
        false
    }

    /// Swaps three elements around the middle with pseudo-random partners, to
    /// break up patterns that made the last partition unbalanced. The
    /// generator is seeded with the length, so this is deterministic.
    fn break_patterns(&mut self, start: usize, end: usize) {
        let length = end - start;
        if length < 8 {
            return;
        }
        let mut random = Xorshift(length as u64);
        let modulus = 1u64 << bit_length(length as u64);
        let middle = start + (length / 4) * 2;
        for index in middle - 1..=middle + 1 {
            let mut other = (random.next() & (modulus - 1)) as usize;
            if other >= length {
                other -= length;
            }
            self.swap(index, start + other);
        }
    }

    /// Picks a pivot index and reports whether the sampled elements were
    /// already in increasing or decreasing order.
    fn choose_pivot(&mut self, start: usize, end: usize) -> (usize, SortedHint) {
        let length = end - start;
        let mut swaps = 0;
        let mut first_quarter = start + length / 4;
        let mut middle = start + length / 4 * 2;
        let mut third_quarter = start + length / 4 * 3;
        if length >= 8 {
            if length >= SHORTEST_NINTHER {
                first_quarter = self.median_adjacent(first_quarter, &mut swaps);
                middle = self.median_adjacent(middle, &mut swaps);
                third_quarter = self.median_adjacent(third_quarter, &mut swaps);
            }
            middle = self.median(first_quarter, middle, third_quarter, &mut swaps);
        }
        let hint = match swaps {
            0 => SortedHint::Increasing,
            MAX_PIVOT_SWAPS => SortedHint::Decreasing,
            _ => SortedHint::Unknown,
        };
        (middle, hint)
    }

    /// The two indices ordered by their elements, counting a swap when they
    /// were out of order.
    fn order2(&self, left: usize, right: usize, swaps: &mut usize) -> (usize, usize) {
        if self.less(right, left) {
            *swaps += 1;
            (right, left)
        } else {
            (left, right)
        }
    }

    /// The index of the median of three elements.
    fn median(&self, first: usize, second: usize, third: usize, swaps: &mut usize) -> usize {
        let (first, second) = self.order2(first, second, swaps);
        let (second, _third) = self.order2(second, third, swaps);
        let (_first, second) = self.order2(first, second, swaps);
        second
    }

    /// The index of the median of an element and its two neighbours.
    fn median_adjacent(&self, index: usize, swaps: &mut usize) -> usize {
        self.median(index - 1, index, index + 1, swaps)
    }

    fn reverse_range(&mut self, start: usize, end: usize) {
        let mut low = start;
        let mut high = end - 1;
        while low < high {
            self.swap(low, high);
            low += 1;
            high -= 1;
        }
    }
}

/// Go's `xorshift` generator with the 64-bit shift triple (13, 7, 17) that Go
/// has used since 1.22.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
