//! A set of positions in a scene's shapes or edges, as one bit per position.
//!
//! A search at 100,000 pods can match every pod, and its highlight lights their
//! groups and nodes too. Kept in a `BTreeSet`, every keystroke inserted each
//! position into a tree, and every drawn shape asked the tree whether it is lit:
//! about 126 ms of the keystrokes of one profile went to the inserts alone
//! (issue #9). Here an insert and a lookup are a shift and a mask, and a set of
//! 100,000 positions is 12.5 KB.

/// Positions (`usize`) in ascending order, each at most once.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    /// Bit `p % 64` of word `p / 64` is set when `p` is in the set. Words past the
    /// last set bit may be zero, so equality ignores them.
    words: Vec<u64>,
}

impl Positions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `position`; whether it was not in the set before.
    pub fn insert(&mut self, position: usize) -> bool {
        let (word, bit) = (position / 64, 1u64 << (position % 64));
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let was = self.words[word] & bit != 0;
        self.words[word] |= bit;
        !was
    }

    pub fn contains(&self, position: usize) -> bool {
        self.words
            .get(position / 64)
            .is_some_and(|word| word & (1u64 << (position % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// The greatest position in the set.
    pub fn last(&self) -> Option<usize> {
        let (index, word) = self
            .words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, &word)| word != 0)?;
        Some(index * 64 + 63 - word.leading_zeros() as usize)
    }

    /// The positions in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(index, &word)| word_positions(index, word))
    }

    /// The positions below `end`, as a set: the matches that a scene of `end`
    /// shapes has.
    pub fn below(&self, end: usize) -> Self {
        let mut words: Vec<u64> = self.words.iter().take(end.div_ceil(64)).copied().collect();
        if let Some(last) = words.get_mut(end / 64) {
            *last &= (1u64 << (end % 64)) - 1;
        }
        Self { words }
    }

    /// Adds every position of `other`.
    pub fn union_with(&mut self, other: &Self) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine |= theirs;
        }
    }

    /// The positions in `self` and not in `other`, ascending.
    pub fn difference<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = usize> + 'a {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            word_positions(index, word & !other.words.get(index).copied().unwrap_or(0))
        })
    }
}

/// The positions of the set bits of `word`, the `index`th word of a set.
fn word_positions(index: usize, word: u64) -> impl Iterator<Item = usize> {
    let mut rest = word;
    std::iter::from_fn(move || {
        (rest != 0).then(|| {
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            index * 64 + bit
        })
    })
}

impl PartialEq for Positions {
    fn eq(&self, other: &Self) -> bool {
        let (short, long) = if self.words.len() <= other.words.len() {
            (&self.words, &other.words)
        } else {
            (&other.words, &self.words)
        };
        long[..short.len()] == short[..] && long[short.len()..].iter().all(|&word| word == 0)
    }
}

impl Eq for Positions {}

impl Extend<usize> for Positions {
    fn extend<I: IntoIterator<Item = usize>>(&mut self, positions: I) {
        for position in positions {
            self.insert(position);
        }
    }
}

impl FromIterator<usize> for Positions {
    fn from_iter<I: IntoIterator<Item = usize>>(positions: I) -> Self {
        let mut set = Self::new();
        set.extend(positions);
        set
    }
}
