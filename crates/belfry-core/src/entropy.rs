//! Randomness comes in from outside: the application passes the OS CSPRNG, tests a seeded
//! generator. Everything here draws through [`uniform_below`], which has no modulo bias.

/// A source of uniformly distributed 64-bit words.
///
/// The application implements it with the operating system's CSPRNG (`getrandom`).
pub trait Entropy {
    /// The next uniformly random 64-bit word.
    fn next_u64(&mut self) -> Result<u64, EntropyError>;
}

/// The source of randomness failed; nothing random can be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system's random number generator is unavailable: {0}")]
pub struct EntropyError(pub String);

/// A uniform integer in `0..n` by rejection sampling: draws that fall in the incomplete last
/// block of `n` values are thrown away, so every result is exactly equally likely.
///
/// `n == 0` returns 0.
pub fn uniform_below(entropy: &mut dyn Entropy, n: u64) -> Result<u64, EntropyError> {
    if n <= 1 {
        return Ok(0);
    }
    // The largest multiple of n that fits in u64 arithmetic: values at or above it are biased.
    let limit = u64::MAX - (u64::MAX % n);
    loop {
        let x = entropy.next_u64()?;
        if x < limit {
            return Ok(x % n);
        }
    }
}

/// SplitMix64: a small deterministic generator for tests and benchmarks. Not for secrets.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

#[cfg(any(test, feature = "testing"))]
impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> Result<u64, EntropyError> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
}

/// Replays a fixed list of words, then repeats the last one. For tests of rejection paths.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Clone)]
pub struct Replay {
    words: Vec<u64>,
    next: usize,
}

#[cfg(any(test, feature = "testing"))]
impl Replay {
    /// A source that yields `words` in order.
    pub fn new(words: Vec<u64>) -> Self {
        Self { words, next: 0 }
    }
}

#[cfg(any(test, feature = "testing"))]
impl Entropy for Replay {
    fn next_u64(&mut self) -> Result<u64, EntropyError> {
        let i = self.next.min(self.words.len().saturating_sub(1));
        self.next += 1;
        Ok(self.words.get(i).copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_draws_in_the_biased_tail() {
        let n = 10_000_000_000u64;
        let limit = u64::MAX - (u64::MAX % n);
        // The first two draws are in the biased tail and must be skipped.
        let mut e = Replay::new(vec![u64::MAX, limit, 42]);
        assert_eq!(uniform_below(&mut e, n), Ok(42));
        assert_eq!(e.next, 3);
    }

    #[test]
    fn accepts_the_last_unbiased_value() {
        let n = 10u64;
        let limit = u64::MAX - (u64::MAX % n);
        let mut e = Replay::new(vec![limit - 1]);
        assert_eq!(uniform_below(&mut e, n), Ok((limit - 1) % n));
    }

    #[test]
    fn small_range_is_roughly_uniform() {
        let mut e = SplitMix64(7);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[uniform_below(&mut e, 10).unwrap() as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }
}
