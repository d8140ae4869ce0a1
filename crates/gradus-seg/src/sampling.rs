//! How SEG picks its components: the order of each epoch ([`Sampling`], or a user's own [`IndexStream`]) and the
//! mini-batch size of each inner step ([`BatchSize`]).
//!
//! An epoch is one pass over an index sequence of length n (for the built-in samplings): the stream writes the
//! epoch's sequence, and the epoch visits it in consecutive batches, b_k indices at inner step k (the last batch of
//! an epoch takes what is left). Every epoch therefore evaluates exactly 2n components (n for SGDA), whatever the
//! sampling and batch size, so epochs are a fair unit of work across methods.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::error::{Result, invalid};

/// The built-in ways of ordering the components within an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sampling {
    /// n indices drawn i.i.d. uniform on {0, …, n − 1} ("SEG", the with-replacement baseline); a batch of b is b
    /// i.i.d. draws.
    WithReplacement,
    /// A fresh uniformly random permutation π_k every epoch ("SEG-RR"); batches are consecutive blocks of π_k.
    RandomReshuffling,
    /// One random permutation π drawn before the first epoch and reused in every epoch ("SEG-SO").
    ShuffleOnce,
    /// The identity order 0, 1, …, n − 1 in every epoch ("IEG", incremental extragradient).
    Incremental,
}

impl Sampling {
    /// Every sampling, in the order of the paper's legends.
    pub const ALL: [Sampling; 4] = [
        Sampling::WithReplacement,
        Sampling::RandomReshuffling,
        Sampling::ShuffleOnce,
        Sampling::Incremental,
    ];

    /// The method's short name as the paper writes it: `SEG`, `SEG-RR`, `SEG-SO`, `IEG`.
    pub fn name(&self) -> &'static str {
        match self {
            Sampling::WithReplacement => "SEG",
            Sampling::RandomReshuffling => "SEG-RR",
            Sampling::ShuffleOnce => "SEG-SO",
            Sampling::Incremental => "IEG",
        }
    }

    /// The index stream of this sampling for n components, seeded (same seed ⇒ same indices). Shuffle once draws
    /// its permutation here.
    pub fn stream(&self, n: usize, seed: u64) -> Box<dyn IndexStream> {
        let mut rng = StdRng::seed_from_u64(seed);
        match self {
            Sampling::WithReplacement => Box::new(WithReplacementStream { rng }),
            Sampling::RandomReshuffling => Box::new(ReshuffledStream {
                order: (0..n).collect(),
                rng,
            }),
            Sampling::ShuffleOnce => {
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                Box::new(FixedOrder { order })
            }
            Sampling::Incremental => Box::new(FixedOrder {
                order: (0..n).collect(),
            }),
        }
    }
}

/// A source of component indices, one epoch at a time: implement it to run SEG on your own order (importance
/// sampling, stratified batches, a data loader's order, …).
///
/// ```
/// use gradus_seg::IndexStream;
///
/// /// Visits the components backwards.
/// struct Backwards;
///
/// impl IndexStream for Backwards {
///     fn next_epoch(&mut self, n: usize, out: &mut Vec<usize>) {
///         out.clear();
///         out.extend((0..n).rev());
///     }
/// }
/// let mut order = Vec::new();
/// Backwards.next_epoch(3, &mut order);
/// assert_eq!(order, vec![2, 1, 0]);
/// ```
pub trait IndexStream {
    /// Writes the component order of the next epoch into `out` (clear it first). Every index must be < n and the
    /// sequence non-empty; a stream that breaks this ends the run with [`crate::SegError::BadIndex`]. The epoch
    /// visits the sequence in consecutive batches, so its length sets the epoch's work (2 evaluations per index).
    fn next_epoch(&mut self, n: usize, out: &mut Vec<usize>);
}

/// n i.i.d. uniform indices per epoch.
struct WithReplacementStream {
    rng: StdRng,
}

impl IndexStream for WithReplacementStream {
    fn next_epoch(&mut self, n: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend((0..n).map(|_| self.rng.random_range(0..n)));
    }
}

/// The previous permutation, shuffled again.
struct ReshuffledStream {
    order: Vec<usize>,
    rng: StdRng,
}

impl IndexStream for ReshuffledStream {
    fn next_epoch(&mut self, _n: usize, out: &mut Vec<usize>) {
        self.order.shuffle(&mut self.rng);
        out.clear();
        out.extend_from_slice(&self.order);
    }
}

/// The same order every epoch.
struct FixedOrder {
    order: Vec<usize>,
}

impl IndexStream for FixedOrder {
    fn next_epoch(&mut self, _n: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.order);
    }
}

/// The mini-batch size b_k of inner step k (k counts inner steps over the whole run, from 0), capped at n.
///
/// | variant | b_k | parameters |
/// |---|---|---|
/// | [`BatchSize::Constant`] | b | b ≥ 1 |
/// | [`BatchSize::Polynomial`] | min(n, ⌈b₀ (k + 1)^p⌉) | b₀ ≥ 1, p ≥ 0 |
/// | [`BatchSize::Geometric`] | min(n, ⌈b₀ ρ^k⌉) | b₀ ≥ 1, ρ ≥ 1 |
///
/// The growing batches are those of the classical with-replacement analyses of stochastic extragradient for
/// monotone problems, whose variance bound needs Σ_k 1/b_k < ∞ (A. N. Iusem, A. Jofré, R. I. Oliveira,
/// P. Thompson, *Extragradient method with variance reduction for stochastic variational inequalities*, SIAM J.
/// Optim. 27(2), 2017: polynomial growth with power > 1); geometric growth is the other usual choice. Capped at n,
/// so a with-replacement batch is at most n i.i.d. draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchSize {
    /// The same b at every inner step.
    Constant(usize),
    /// ⌈b₀ (k + 1)^p⌉.
    Polynomial {
        /// b₀ ≥ 1.
        b0: f64,
        /// p ≥ 0.
        power: f64,
    },
    /// ⌈b₀ ρ^k⌉.
    Geometric {
        /// b₀ ≥ 1.
        b0: f64,
        /// ρ ≥ 1.
        ratio: f64,
    },
}

impl Default for BatchSize {
    fn default() -> Self {
        BatchSize::Constant(1)
    }
}

impl BatchSize {
    /// b_k for n components (≥ 1, ≤ n).
    pub fn at(&self, k: u64, n: usize) -> usize {
        let raw = match *self {
            BatchSize::Constant(b) => return b.clamp(1, n.max(1)),
            BatchSize::Polynomial { b0, power } => (b0 * ((k + 1) as f64).powf(power)).ceil(),
            BatchSize::Geometric { b0, ratio } => (b0 * ratio.powf(k as f64)).ceil(),
        };
        // A float beyond usize saturates in the cast; the cap applies either way.
        (raw as usize).clamp(1, n.max(1))
    }

    /// Whether b_k changes with k.
    pub fn grows(&self) -> bool {
        !matches!(self, BatchSize::Constant(_))
    }

    /// Checks the parameters.
    pub fn validate(&self, solver: &'static str) -> Result<()> {
        match *self {
            BatchSize::Constant(0) => Err(invalid(solver, "batch size", 0, "must be >= 1")),
            BatchSize::Constant(_) => Ok(()),
            BatchSize::Polynomial { b0, power } => {
                check_b0(solver, b0)?;
                if power.is_finite() && power >= 0.0 {
                    Ok(())
                } else {
                    Err(invalid(solver, "batch growth power", power, "must be finite and >= 0"))
                }
            }
            BatchSize::Geometric { b0, ratio } => {
                check_b0(solver, b0)?;
                if ratio.is_finite() && ratio >= 1.0 {
                    Ok(())
                } else {
                    Err(invalid(solver, "batch growth ratio", ratio, "must be finite and >= 1"))
                }
            }
        }
    }
}

fn check_b0(solver: &'static str, b0: f64) -> Result<()> {
    if b0.is_finite() && b0 >= 1.0 {
        Ok(())
    } else {
        Err(invalid(solver, "initial batch size b0", b0, "must be finite and >= 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes() {
        assert_eq!(BatchSize::Constant(4).at(10, 100), 4);
        assert_eq!(BatchSize::Constant(400).at(10, 100), 100);
        let p = BatchSize::Polynomial { b0: 1.0, power: 1.5 };
        assert_eq!(p.at(0, 100), 1);
        assert_eq!(p.at(3, 100), 8);
        assert_eq!(p.at(1000, 100), 100);
        let g = BatchSize::Geometric { b0: 2.0, ratio: 1.5 };
        assert_eq!(g.at(0, 100), 2);
        assert_eq!(g.at(2, 100), 5);
        assert_eq!(g.at(u64::MAX, 100), 100);
        assert!(BatchSize::Constant(0).validate("seg").is_err());
        assert!(BatchSize::Polynomial { b0: 0.5, power: 1.0 }.validate("seg").is_err());
        assert!(BatchSize::Polynomial { b0: 1.0, power: -1.0 }.validate("seg").is_err());
        assert!(BatchSize::Geometric { b0: 1.0, ratio: 0.9 }.validate("seg").is_err());
        assert!(g.validate("seg").is_ok() && g.grows() && !BatchSize::default().grows());
    }
}
