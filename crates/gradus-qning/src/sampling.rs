//! Sampling of sample indices: uniform, or proportional to the smoothness constants Lᵢ (Walker's alias method,
//! O(1) per draw after an O(n) table).

use rand::RngExt;
use rand::rngs::StdRng;

/// How stochastic solvers draw samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// i ~ Uniform{1..n}.
    Uniform,
    /// P(i) = Lᵢ / Σⱼ Lⱼ, with the step scaled by 1/(n P(i)) so the estimate stays unbiased.
    Importance,
    /// Importance when mean Lᵢ ≤ 0.9 max Lᵢ (Cyanure's rule), else uniform.
    Auto,
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
    table: Option<AliasTable>,
    weight: Vec<f64>,
}

impl Sampler {
    /// Uniform over n, or proportional to `l` for [`Sampling::Importance`].
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
                    table: Some(AliasTable::new(l)),
                    weight,
                }
            }
            _ => Sampler {
                n,
                table: None,
                weight: Vec::new(),
            },
        }
    }

    /// Draws (i, 1/(n pᵢ)).
    #[inline]
    pub fn draw(&self, rng: &mut StdRng) -> (usize, f64) {
        match &self.table {
            Some(t) => {
                let i = t.sample(rng);
                (i, self.weight[i])
            }
            None => (rng.random_range(0..self.n), 1.0),
        }
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
}
