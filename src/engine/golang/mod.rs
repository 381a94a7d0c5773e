//! Behaviour of Go's standard library that Kubernetes' messages and orderings
//! depend on, reproduced exactly.
//!
//! apimachinery is written in Go, so the text it prints and the order it keeps
//! come from Go's library as much as from apimachinery itself: a field error
//! quotes its value with `strconv.Quote`, and a selector orders its
//! requirements with `sort.Sort`, which is not a stable sort. kubetopo shows
//! users what the API server or kubectl would say, so it follows both to the
//! byte:
//!
//! * [`quote`]: `strconv.Quote`, with Go's own notion of a printable rune.
//! * [`sort`]: `sort.Sort` (pattern-defeating quicksort since Go 1.19).

mod printable;
pub mod quote;
pub mod sort;
