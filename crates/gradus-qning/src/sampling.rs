//! Sampling of sample indices: uniform, proportional to the smoothness constants Lᵢ (Walker's alias method,
//! O(1) per draw after an O(n) table), or cyclic in storage order.

use rand::RngExt;
use rand::rngs::StdRng;

/// How stochastic solvers draw samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// i ~ Uniform{1..n}.
    Uniform,
    /// P(i) = Lᵢ / Σⱼ Lⱼ, with the step scaled by 1/(n P(i)) so the estimate stays unbiased.
    Importance,
    /// Importance when mean Lᵢ ≤ 0.9 max Lᵢ (Cyanure's rule), else uniform (SAGA and MISO: always uniform).
    #[default]
    Auto,
    /// Step t of every epoch visits i = t: the rows 0, 1, …, n−1 in storage order, weight 1 per step, no draw.
    ///
    /// On a model whose rows were shuffled once ([`gradus_oracle::LinearModel::shuffle_rows`]) this is
    /// shuffle-once (SO) SVRG/SAGA/MISO (Mishchenko, Khaled, Richtárik 2020; Malinovsky, Sailanbayev, Richtárik
    /// 2023), and every epoch streams through memory in storage order. On data sorted e.g. by label it is the
    /// plain incremental method, which can be much slower. [`Sampling::Auto`] never resolves to it.
    Cyclic,
}

impl Sampling {
    /// Resolves `Auto` from the constants Lᵢ.
    pub fn resolve(self, l_max: f64, l_mean: f64) -> Sampling {
        match self {
            Sampling::Auto if l_mean <= 0.9 * l_max => Sampling::Importance,
            Sampling::Auto => Sampling::Uniform,
            s => s,
        }
    }
}

/// Walker's alias table for a discrete distribution.
#[derive(Debug, Clone)]
pub struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// A table for weights ∝ `w` (non-negative, not all zero; all-zero weights give the uniform law).
    pub fn new(w: &[f64]) -> Self {
        let n = w.len();
        let total: f64 = w.iter().sum();
        let scaled: Vec<f64> = if total > 0.0 {
            w.iter().map(|&v| v * n as f64 / total).collect()
        } else {
            vec![1.0; n]
        };
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        let mut s = scaled;
        for (i, &v) in s.iter().enumerate() {
            if v < 1.0 { small.push(i) } else { large.push(i) }
        }
        while let (Some(&l), Some(&g)) = (small.last(), large.last()) {
            small.pop();
            prob[l] = s[l];
            alias[l] = g as u32;
            s[g] -= 1.0 - s[l];
            if s[g] < 1.0 {
                large.pop();
                small.push(g);
            }
        }
        AliasTable { prob, alias }
    }

    /// Draws an index.
    #[inline]
    pub fn sample(&self, rng: &mut StdRng) -> usize {
        let i = rng.random_range(0..self.prob.len());
        if rng.random::<f64>() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// A sampler of indices with the weight 1/(n pᵢ) of each draw.
#[derive(Debug, Clone)]
pub struct Sampler {
    n: usize,
    cyclic: bool,
    table: Option<AliasTable>,
    weight: Vec<f64>,
}

impl Sampler {
    /// Uniform over n, proportional to `l` for [`Sampling::Importance`], or cyclic for [`Sampling::Cyclic`]
    /// (`Auto` is resolved by the caller; unresolved, it is uniform).
    pub fn new(sampling: Sampling, l: &[f64]) -> Self {
        let n = l.len();
        match sampling {
            Sampling::Importance => {
                let total: f64 = l.iter().sum();
                let weight = l
                    .iter()
                    .map(|&li| if li > 0.0 { total / (n as f64 * li) } else { 0.0 })
                    .collect();
                Sampler {
                    n,
                    cyclic: false,
                    table: Some(AliasTable::new(l)),
                    weight,
                }
            }
            _ => Sampler::unweighted(sampling, n),
        }
    }

    /// Cyclic over 0..n for [`Sampling::Cyclic`], else uniform (for the solvers without importance sampling,
    /// which reject `Importance` before they get here).
    pub fn unweighted(sampling: Sampling, n: usize) -> Self {
        Sampler {
            n,
            cyclic: sampling == Sampling::Cyclic,
            table: None,
            weight: Vec::new(),
        }
    }

    /// The index of step `t` of an epoch and its weight 1/(n pᵢ): a draw from `rng`, or (t mod n, 1) without
    /// touching `rng` when cyclic.
    #[inline]
    pub fn draw(&self, t: usize, rng: &mut StdRng) -> (usize, f64) {
        if self.cyclic {
            return (t % self.n, 1.0);
        }
        match &self.table {
            Some(table) => {
                let i = table.sample(rng);
                (i, self.weight[i])
            }
            None => (rng.random_range(0..self.n), 1.0),
        }
    }

    /// Whether the steps visit the rows in storage order.
    pub fn is_cyclic(&self) -> bool {
        self.cyclic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn alias_table_matches_the_weights() {
        let w = [1.0, 0.0, 3.0, 6.0];
        let t = AliasTable::new(&w);
        let mut rng = StdRng::seed_from_u64(1);
        let mut c = [0usize; 4];
        let draws = 200_000;
        for _ in 0..draws {
            c[t.sample(&mut rng)] += 1;
        }
        for k in 0..4 {
            let p = c[k] as f64 / draws as f64;
            assert!((p - w[k] / 10.0).abs() < 0.01, "{k}: {p}");
        }
    }

    #[test]
    fn cyclic_visits_storage_order_with_weight_one_and_auto_never_picks_it() {
        let l = [1.0, 5.0, 2.0];
        let s = Sampler::new(Sampling::Cyclic, &l);
        let mut rng = StdRng::seed_from_u64(1);
        let draws: Vec<(usize, f64)> = (0..7).map(|t| s.draw(t, &mut rng)).collect();
        assert_eq!(draws.iter().map(|d| d.0).collect::<Vec<_>>(), [0, 1, 2, 0, 1, 2, 0]);
        assert!(draws.iter().all(|d| d.1 == 1.0));
        // The generator was not touched.
        assert_eq!(rng.random::<u64>(), StdRng::seed_from_u64(1).random::<u64>());
        for (max, mean) in [(5.0, 1.0), (1.0, 1.0)] {
            assert_ne!(Sampling::Auto.resolve(max, mean), Sampling::Cyclic);
        }
        assert_eq!(Sampling::Cyclic.resolve(5.0, 1.0), Sampling::Cyclic);
    }
}
