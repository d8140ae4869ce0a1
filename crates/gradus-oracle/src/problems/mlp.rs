//! A ReLU multilayer perceptron with softmax cross-entropy, as a stochastic objective over mini-batches.
//!
//! Parameters are one flat vector θ (so every optimizer works on a vector); layer l is a row-major matrix
//! W_l ∈ ℝ^{out×in} followed by its bias b_l ∈ ℝ^{out}. On a mini-batch X_B (B × in, one sample per row):
//!
//! ```text
//! forward:   Z_l = H_{l−1} W_lᵀ + 1 b_lᵀ,  H_l = relu(Z_l) (hidden layers),  H_0 = X_B
//! loss:      (1/B) Σᵢ [logsumexp(Z_L[i, ·]) − Z_L[i, yᵢ]]
//! backward:  dZ_L = (softmax(Z_L) − onehot(y))/B;  dW_l = dZ_lᵀ H_{l−1};  db_l = dZ_lᵀ 1;
//!            dZ_{l−1} = (dZ_l W_l) ∘ 1[Z_{l−1} > 0]
//! ```
//!
//! Every product is one GEMM (ndarray's `general_mat_mul`, matrixmultiply, f64, single-threaded and
//! deterministic). The batch's rows, labels, activations and the backward pass's scratch live in an
//! [`MlpWorkspace`] the caller keeps between batches ([`MiniBatchObjective::workspace`]): after the first batch of
//! the largest size, a batch allocates nothing of its own (matrixmultiply still packs its operands in buffers of
//! its own per product). The ReLU's derivative is taken as 0 at exactly 0 — the generalized gradient of the piece
//! where the unit is inactive, the same choice at every kink (PyTorch's autodiff makes it too). Weight decay is
//! not part of the loss: the optimizers add wd·θ to the gradient, as PyTorch does.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, s};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{OracleError, Result, check_dim, check_finite};
use crate::oracle::StochasticOracle;

/// A finite-sum objective evaluated on mini-batches of sample indices, with buffers that the caller keeps between
/// batches so that a training loop does not allocate per batch.
pub trait MiniBatchObjective: Sync {
    /// The buffers reused between batches.
    type Workspace: Send;
    /// The number of parameters.
    fn dim(&self) -> usize;
    /// The number of training samples n.
    fn len(&self) -> usize;
    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// An empty workspace; it grows to the largest batch it sees and is then reused.
    fn workspace(&self) -> Self::Workspace;
    /// The mean loss over `batch` at x, with its gradient written into `out`; every intermediate lives in
    /// `workspace`. The result does not depend on what the workspace held before.
    fn batch_gradient(
        &self,
        x: ArrayView1<f64>,
        batch: &[usize],
        workspace: &mut Self::Workspace,
        out: ArrayViewMut1<f64>,
    ) -> f64;
}

/// The buffers of one [`Mlp`] forward/backward pass, kept between batches: the batch's rows and labels, every
/// layer's output, and one scratch matrix for the backward pass. Each buffer only grows (to the largest batch
/// seen), so batches of a fixed size allocate nothing after the first.
#[derive(Debug, Clone, Default)]
pub struct MlpWorkspace {
    /// The batch's rows, B × in, row-major.
    inputs: Vec<f64>,
    /// The batch's labels.
    labels: Vec<usize>,
    /// Layer l's output (H_{l+1} for hidden layers, Z_L for the last), B × sizes[l + 1]; the backward pass
    /// overwrites the hidden ones with dZ.
    acts: Vec<Vec<f64>>,
    /// dH = dZ_l W_l before the ReLU mask, B × sizes[l].
    scratch: Vec<f64>,
}

impl MlpWorkspace {
    /// The number of f64 values held (for tests and memory accounting).
    pub fn capacity(&self) -> usize {
        self.inputs.capacity() + self.acts.iter().map(Vec::capacity).sum::<usize>() + self.scratch.capacity()
    }

    /// Grows every buffer to hold a batch of `rows` for layer sizes `sizes`.
    fn reserve(&mut self, sizes: &[usize], rows: usize) {
        grow(&mut self.inputs, rows * sizes[0]);
        self.acts.resize_with(sizes.len() - 1, Vec::new);
        for (buf, &width) in self.acts.iter_mut().zip(&sizes[1..]) {
            grow(buf, rows * width);
        }
        let widest_hidden = sizes[1..sizes.len() - 1].iter().copied().max().unwrap_or(0);
        grow(&mut self.scratch, rows * widest_hidden);
    }
}

/// Resizes `buf` to at least `len` values (never shrinks it, so its allocation is reused).
fn grow(buf: &mut Vec<f64>, len: usize) {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
}

/// The first rows × cols values of `buf` as a row-major matrix.
fn matrix(buf: &[f64], rows: usize, cols: usize) -> ArrayView2<'_, f64> {
    ArrayView2::from_shape((rows, cols), &buf[..rows * cols]).expect("buffer sized by MlpWorkspace::reserve")
}

/// The first rows × cols values of `buf` as a mutable row-major matrix.
fn matrix_mut(buf: &mut [f64], rows: usize, cols: usize) -> ArrayViewMut2<'_, f64> {
    ArrayViewMut2::from_shape((rows, cols), &mut buf[..rows * cols]).expect("buffer sized by MlpWorkspace::reserve")
}

/// The ReLU's derivative applied to an incoming gradient: dZ = dH where the unit is active (H > 0 ⇔ Z > 0), 0 at
/// and below 0. Written over `h` (the activations are not needed afterwards).
fn relu_backward(h: &mut [f64], dh: &[f64]) {
    for (h, &d) in h.iter_mut().zip(dh) {
        *h = if *h <= 0.0 { 0.0 } else { d };
    }
}

/// The ReLU MLP on a training set (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Mlp {
    sizes: Vec<usize>,
    offsets: Vec<usize>,
    inputs: Array2<f64>,
    labels: Vec<usize>,
    /// Samples drawn per [`StochasticOracle`] call (default 128).
    pub batch_size: usize,
}

impl Mlp {
    /// A small seeded classification problem for tests and examples: 300 points in 6 dimensions, 3 classes
    /// (point i has class i mod 3 and is shifted by 2 along coordinate i mod 3, plus Gaussian noise of standard
    /// deviation 0.5), on a 6–16–3 ReLU network.
    pub fn three_blobs(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = 300;
        let y = Array1::from_shape_fn(n, |i| (i % 3) as f64);
        let x = Array2::from_shape_fn((n, 6), |(i, j)| {
            crate::problems::nonsmooth_toys::normal(&mut rng) * 0.5 + if j == i % 3 { 2.0 } else { 0.0 }
        });
        Mlp::new(&[6, 16, 3], x, &y).expect("valid sizes and labels")
    }

    /// An MLP with layer sizes `sizes` = [in, hidden…, classes] on `inputs` (n × in) and integer labels in
    /// 0..classes (given as f64, as the data loaders return them).
    pub fn new(sizes: &[usize], inputs: Array2<f64>, labels: &Array1<f64>) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(OracleError::InvalidParameter {
                name: "sizes",
                value: format!("{sizes:?}"),
                reason: "needs >= 2 layer sizes, all >= 1",
            });
        }
        check_dim("inputs columns", sizes[0], inputs.ncols())?;
        check_dim("labels", inputs.nrows(), labels.len())?;
        check_finite("inputs", inputs.iter())?;
        // Row-major storage, so that a batch's rows are gathered by slice copies.
        let inputs = if inputs.is_standard_layout() {
            inputs
        } else {
            inputs.as_standard_layout().into_owned()
        };
        let classes = *sizes.last().expect("len >= 2");
        let labels = labels
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                if y >= 0.0 && y.fract() == 0.0 && (y as usize) < classes {
                    Ok(y as usize)
                } else {
                    Err(OracleError::InvalidParameter {
                        name: "label",
                        value: format!("{y} (sample {i})"),
                        reason: "must be an integer class in 0..classes",
                    })
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut offsets = vec![0];
        for w in sizes.windows(2) {
            let last = *offsets.last().expect("non-empty");
            offsets.push(last + w[0] * w[1] + w[1]);
        }
        Ok(Mlp {
            sizes: sizes.to_vec(),
            offsets,
            inputs,
            labels,
            batch_size: 128,
        })
    }

    /// The training inputs (n × in).
    pub fn inputs(&self) -> ArrayView2<'_, f64> {
        self.inputs.view()
    }

    /// The layer sizes.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// PyTorch's default `nn.Linear` initialisation: W and b uniform in ±1/√fan_in.
    pub fn init(&self, seed: u64) -> Array1<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut theta = Array1::zeros(self.num_params());
        for l in 0..self.sizes.len() - 1 {
            let bound = 1.0 / (self.sizes[l] as f64).sqrt();
            for v in theta.slice_mut(s![self.offsets[l]..self.offsets[l + 1]]).iter_mut() {
                *v = rng.random_range(-bound..bound);
            }
        }
        theta
    }

    /// The number of parameters.
    pub fn num_params(&self) -> usize {
        *self.offsets.last().expect("non-empty")
    }

    /// Multiply–adds per sample of one training step (forward + backward GEMMs; the input gradient of the first
    /// layer is not computed): Σ_l in·out (forward) + Σ_l in·out (dW) + Σ_{l≥2} in·out (dH). Flops = 2×.
    pub fn macs_per_sample(&self) -> f64 {
        let layers: Vec<f64> = self.sizes.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
        2.0 * layers.iter().sum::<f64>() + layers[1..].iter().sum::<f64>()
    }

    /// (W_l, b_l) of layer l as views into θ.
    pub fn layer<'t>(&self, theta: ArrayView1<'t, f64>, l: usize) -> (ArrayView2<'t, f64>, ArrayView1<'t, f64>) {
        let (i, o) = (self.sizes[l], self.sizes[l + 1]);
        let start = self.offsets[l];
        let (w, b) = theta.slice_move(s![start..start + i * o + o]).split_at(Axis(0), i * o);
        (w.into_shape_with_order((o, i)).expect("contiguous"), b)
    }

    /// The forward pass on the batch `x` (rows × in): layer l's output goes to the first rows × sizes[l + 1] values
    /// of `acts[l]` (H_1, …, H_{L−1}, Z_L). `acts` must have been sized by [`MlpWorkspace::reserve`].
    fn forward(&self, theta: ArrayView1<f64>, x: ArrayView2<f64>, acts: &mut [Vec<f64>]) {
        let (rows, layers) = (x.nrows(), self.sizes.len() - 1);
        for l in 0..layers {
            let (w, b) = self.layer(theta, l);
            let (done, rest) = acts.split_at_mut(l);
            let mut z = matrix_mut(&mut rest[0], rows, self.sizes[l + 1]);
            // Z = 1bᵀ, then Z += H Wᵀ.
            z.rows_mut().into_iter().for_each(|mut r| r.assign(&b));
            let input = if l == 0 {
                x
            } else {
                matrix(&done[l - 1], rows, self.sizes[l])
            };
            general_mat_mul(1.0, &input, &w.t(), 1.0, &mut z);
            if l + 1 < layers {
                z.mapv_inplace(|v| v.max(0.0));
            }
        }
    }

    /// Mean cross-entropy of logits against labels, and (optionally) dZ = (softmax − onehot)/B in place.
    fn softmax_cross_entropy(mut logits: ArrayViewMut2<f64>, labels: &[usize], grad: bool) -> f64 {
        let b = logits.nrows() as f64;
        let mut loss = 0.0;
        for (mut row, &y) in logits.rows_mut().into_iter().zip(labels) {
            let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let sum: f64 = row.iter().map(|&v| (v - max).exp()).sum();
            let lse = max + sum.ln();
            loss += lse - row[y];
            if grad {
                row.mapv_inplace(|v| (v - lse).exp() / b);
                row[y] -= 1.0 / b;
            }
        }
        loss / b
    }

    /// An empty workspace for [`Mlp::loss_and_gradient`] and [`MiniBatchObjective::batch_gradient`].
    pub fn workspace(&self) -> MlpWorkspace {
        MlpWorkspace::default()
    }

    /// Loss and gradient on explicit inputs and labels (the batch's rows), with every intermediate in
    /// `workspace`.
    pub fn loss_and_gradient(
        &self,
        theta: ArrayView1<f64>,
        x: ArrayView2<f64>,
        labels: &[usize],
        workspace: &mut MlpWorkspace,
        mut out: ArrayViewMut1<f64>,
    ) -> f64 {
        let (rows, layers) = (x.nrows(), self.sizes.len() - 1);
        workspace.reserve(&self.sizes, rows);
        let MlpWorkspace { acts, scratch, .. } = workspace;
        self.forward(theta, x, acts);
        let loss = Self::softmax_cross_entropy(
            matrix_mut(&mut acts[layers - 1], rows, self.sizes[layers]),
            labels,
            true,
        );
        // acts[l] now holds dZ_l (the softmax gradient for the last layer, the masked dH for the others).
        for l in (0..layers).rev() {
            let (i, o) = (self.sizes[l], self.sizes[l + 1]);
            let (below, here) = acts.split_at_mut(l);
            let dz = matrix(&here[0], rows, o);
            {
                let start = self.offsets[l];
                let input = if l == 0 { x } else { matrix(&below[l - 1], rows, i) };
                let (gw, mut gb) = out
                    .view_mut()
                    .slice_move(s![start..start + i * o + o])
                    .split_at(Axis(0), i * o);
                let mut gw = gw.into_shape_with_order((o, i)).expect("contiguous");
                general_mat_mul(1.0, &dz.t(), &input, 0.0, &mut gw);
                // db = dZᵀ1, summed row after row (the order of ndarray's `sum_axis(Axis(0))`).
                gb.fill(0.0);
                for row in dz.rows() {
                    gb += &row;
                }
            }
            if l > 0 {
                let (w, _) = self.layer(theta, l);
                let mut dh = matrix_mut(scratch, rows, i);
                general_mat_mul(1.0, &dz, &w, 0.0, &mut dh);
                relu_backward(&mut below[l - 1][..rows * i], &scratch[..rows * i]);
            }
        }
        loss
    }

    /// Mean loss and accuracy of θ on (inputs, labels given as f64), in chunks of 1000 rows.
    pub fn evaluate(&self, theta: ArrayView1<f64>, inputs: ArrayView2<f64>, labels: &Array1<f64>) -> (f64, f64) {
        let (mut loss, mut correct) = (0.0, 0usize);
        let n = inputs.nrows();
        let layers = self.sizes.len() - 1;
        let classes = self.sizes[layers];
        let mut workspace = self.workspace();
        let mut ys = Vec::with_capacity(1000);
        for start in (0..n).step_by(1000) {
            let end = (start + 1000).min(n);
            workspace.reserve(&self.sizes, end - start);
            self.forward(theta, inputs.slice(s![start..end, ..]), &mut workspace.acts);
            let logits = matrix_mut(&mut workspace.acts[layers - 1], end - start, classes);
            ys.clear();
            ys.extend(labels.slice(s![start..end]).iter().map(|&y| y as usize));
            for (row, &y) in logits.rows().into_iter().zip(&ys) {
                let arg = row
                    .iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |b, (k, &v)| if v > b.1 { (k, v) } else { b });
                correct += usize::from(arg.0 == y);
            }
            loss += Self::softmax_cross_entropy(logits, &ys, false) * (end - start) as f64;
        }
        (loss / n as f64, correct as f64 / n as f64)
    }

    /// Mean loss and accuracy on the training set.
    pub fn evaluate_train(&self, theta: ArrayView1<f64>) -> (f64, f64) {
        let labels = Array1::from_iter(self.labels.iter().map(|&y| y as f64));
        self.evaluate(theta, self.inputs.view(), &labels)
    }
}

impl MiniBatchObjective for Mlp {
    type Workspace = MlpWorkspace;
    fn dim(&self) -> usize {
        self.num_params()
    }
    fn len(&self) -> usize {
        self.inputs.nrows()
    }
    fn workspace(&self) -> MlpWorkspace {
        MlpWorkspace::default()
    }
    /// Gathers the batch's rows and labels into the workspace, then [`Mlp::loss_and_gradient`].
    fn batch_gradient(
        &self,
        x: ArrayView1<f64>,
        batch: &[usize],
        workspace: &mut MlpWorkspace,
        out: ArrayViewMut1<f64>,
    ) -> f64 {
        let (rows, cols) = (batch.len(), self.sizes[0]);
        let mut inputs = std::mem::take(&mut workspace.inputs);
        let mut labels = std::mem::take(&mut workspace.labels);
        grow(&mut inputs, rows * cols);
        labels.clear();
        for (dst, &i) in inputs.chunks_exact_mut(cols).zip(batch) {
            dst.copy_from_slice(self.inputs.row(i).as_slice().expect("row-major inputs"));
            labels.push(self.labels[i]);
        }
        let loss = self.loss_and_gradient(x, matrix(&inputs, rows, cols), &labels, workspace, out);
        workspace.inputs = inputs;
        workspace.labels = labels;
        loss
    }
}

impl StochasticOracle for Mlp {
    fn dim(&self) -> usize {
        self.num_params()
    }
    /// A mini-batch of `batch_size` indices drawn uniformly (with replacement) by `rng`. The trait has no place for
    /// a workspace, so each call allocates one; training loops use [`MiniBatchObjective`] instead.
    fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, out: ArrayViewMut1<f64>) -> f64 {
        let n = self.inputs.nrows();
        let batch: Vec<usize> = (0..self.batch_size).map(|_| rng.random_range(0..n)).collect();
        self.batch_gradient(x, &batch, &mut MiniBatchObjective::workspace(self), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::nonsmooth_toys::normal;

    fn small() -> Mlp {
        let mut rng = StdRng::seed_from_u64(1);
        let x = Array2::from_shape_fn((12, 5), |_| normal(&mut rng));
        let y = Array1::from_shape_fn(12, |i| (i % 3) as f64);
        Mlp::new(&[5, 7, 4, 3], x, &y).unwrap()
    }

    /// The allocating forward/backward this module had before the workspace (kept verbatim as the reference):
    /// fresh activations per batch, `select` for the rows, `sum_axis` for the bias gradient.
    fn reference_batch_gradient(
        mlp: &Mlp,
        theta: ArrayView1<f64>,
        batch: &[usize],
        mut out: ArrayViewMut1<f64>,
    ) -> f64 {
        let x = mlp.inputs.select(Axis(0), batch);
        let labels: Vec<usize> = batch.iter().map(|&i| mlp.labels[i]).collect();
        let layers = mlp.sizes.len() - 1;
        let mut acts: Vec<Array2<f64>> = Vec::with_capacity(layers);
        for l in 0..layers {
            let (w, b) = mlp.layer(theta, l);
            let mut z = Array2::zeros((x.nrows(), mlp.sizes[l + 1]));
            z.rows_mut().into_iter().for_each(|mut r| r.assign(&b));
            let input = if l == 0 { x.view() } else { acts[l - 1].view() };
            general_mat_mul(1.0, &input, &w.t(), 1.0, &mut z);
            if l + 1 < layers {
                z.mapv_inplace(|v| v.max(0.0));
            }
            acts.push(z);
        }
        let mut dz = acts.pop().unwrap();
        let loss = Mlp::softmax_cross_entropy(dz.view_mut(), &labels, true);
        for l in (0..layers).rev() {
            let (i, o) = (mlp.sizes[l], mlp.sizes[l + 1]);
            let start = mlp.offsets[l];
            let input = if l == 0 { x.view() } else { acts[l - 1].view() };
            {
                let (gw, mut gb) = out
                    .view_mut()
                    .slice_move(s![start..start + i * o + o])
                    .split_at(Axis(0), i * o);
                let mut gw = gw.into_shape_with_order((o, i)).unwrap();
                general_mat_mul(1.0, &dz.t(), &input, 0.0, &mut gw);
                gb.assign(&dz.sum_axis(Axis(0)));
            }
            if l > 0 {
                let (w, _) = mlp.layer(theta, l);
                let mut dh = Array2::zeros((dz.nrows(), i));
                general_mat_mul(1.0, &dz, &w, 0.0, &mut dh);
                ndarray::Zip::from(&mut dh).and(&acts[l - 1]).for_each(|d, &h| {
                    if h <= 0.0 {
                        *d = 0.0
                    }
                });
                dz = dh;
            }
        }
        loss
    }

    fn bits(v: &Array1<f64>) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn workspace_gives_the_same_bits_as_the_allocating_reference() {
        // A wider net and batches of changing sizes (large, small, the one-row edge case, large again) through one
        // workspace: stale values from a larger batch must not leak into a smaller one.
        let mut rng = StdRng::seed_from_u64(11);
        let n = 300;
        let x = Array2::from_shape_fn((n, 20), |_| normal(&mut rng));
        let y = Array1::from_shape_fn(n, |i| ((i * 7) % 4) as f64);
        let mlp = Mlp::new(&[20, 33, 17, 4], x, &y).unwrap();
        let theta = mlp.init(5);
        let mut ws = mlp.workspace();
        let mut order: Vec<usize> = (0..n).collect();
        order.reverse();
        for (k, batch) in [
            &order[..128],
            &order[128..173],
            &order[173..174],
            &order[174..],
            &order[..128],
        ]
        .into_iter()
        .enumerate()
        {
            let mut fast = Array1::from_elem(mlp.num_params(), f64::NAN);
            let mut slow = Array1::from_elem(mlp.num_params(), f64::NAN);
            let a = mlp.batch_gradient(theta.view(), batch, &mut ws, fast.view_mut());
            let b = reference_batch_gradient(&mlp, theta.view(), batch, slow.view_mut());
            assert_eq!(a.to_bits(), b.to_bits(), "batch {k}: loss");
            assert_eq!(bits(&fast), bits(&slow), "batch {k}: gradient");
        }
        // A column-major training set is stored row-major and gives the same bits.
        let xt = mlp
            .inputs()
            .to_owned()
            .reversed_axes()
            .as_standard_layout()
            .reversed_axes()
            .to_owned();
        assert!(!xt.is_standard_layout());
        let fortran = Mlp::new(mlp.sizes(), xt, &y).unwrap();
        let (mut g1, mut g2) = (Array1::zeros(mlp.num_params()), Array1::zeros(mlp.num_params()));
        mlp.batch_gradient(theta.view(), &order[..50], &mut ws, g1.view_mut());
        fortran.batch_gradient(theta.view(), &order[..50], &mut fortran.workspace(), g2.view_mut());
        assert_eq!(bits(&g1), bits(&g2));
    }

    #[test]
    fn workspace_stops_growing_after_the_largest_batch() {
        let mlp = small();
        let theta = mlp.init(2);
        let mut ws = mlp.workspace();
        let mut g = Array1::zeros(mlp.num_params());
        let all: Vec<usize> = (0..12).collect();
        mlp.batch_gradient(theta.view(), &all, &mut ws, g.view_mut());
        let held = ws.capacity();
        assert!(held >= 12 * (5 + 7 + 4 + 3));
        for batch in [&all[..5], &all[3..], &all[..12]] {
            mlp.batch_gradient(theta.view(), batch, &mut ws, g.view_mut());
            assert_eq!(ws.capacity(), held);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let mlp = small();
        let theta = mlp.init(2);
        let batch: Vec<usize> = (0..12).collect();
        let mut ws = mlp.workspace();
        let mut g = Array1::zeros(mlp.num_params());
        mlp.batch_gradient(theta.view(), &batch, &mut ws, g.view_mut());
        let mut scratch = Array1::zeros(mlp.num_params());
        let h = 1e-6;
        for k in 0..mlp.num_params() {
            let mut tp = theta.clone();
            tp[k] += h;
            let mut tm = theta.clone();
            tm[k] -= h;
            let fp = mlp.batch_gradient(tp.view(), &batch, &mut ws, scratch.view_mut());
            let fm = mlp.batch_gradient(tm.view(), &batch, &mut ws, scratch.view_mut());
            let fd = (fp - fm) / (2.0 * h);
            assert!((fd - g[k]).abs() < 1e-6, "parameter {k}: fd {fd} vs {}", g[k]);
        }
    }

    #[test]
    fn kinks_take_the_inactive_piece() {
        // A hidden unit with zero weights and bias sits at Z = 0 for every sample: its incoming gradient is 0,
        // which equals the one-sided derivative in the direction that keeps it inactive.
        let mlp = small();
        let mut theta = mlp.init(3);
        let (o, i) = (mlp.sizes[1], mlp.sizes[0]);
        theta.slice_mut(s![0..i]).fill(0.0); // row 0 of W_1
        theta[o * i] = 0.0; // b_1[0]
        let batch: Vec<usize> = (0..12).collect();
        let mut ws = mlp.workspace();
        let mut g = Array1::zeros(mlp.num_params());
        let f0 = mlp.batch_gradient(theta.view(), &batch, &mut ws, g.view_mut());
        assert!(g.slice(s![0..i]).iter().all(|&v| v == 0.0));
        // Moving that unit's bias down keeps it inactive: f′(θ; −e) = 0 = ⟨g, −e⟩.
        let mut t = theta.clone();
        t[o * i] -= 1e-7;
        let mut scratch = Array1::zeros(mlp.num_params());
        let f1 = mlp.batch_gradient(t.view(), &batch, &mut ws, scratch.view_mut());
        assert!((f1 - f0).abs() < 1e-15);
    }

    #[test]
    fn evaluate_agrees_with_the_batch_loss() {
        let mlp = small();
        let theta = mlp.init(4);
        let all: Vec<usize> = (0..12).collect();
        let mut g = Array1::zeros(mlp.num_params());
        let loss = mlp.batch_gradient(theta.view(), &all, &mut mlp.workspace(), g.view_mut());
        let (eval_loss, acc) = mlp.evaluate_train(theta.view());
        assert!((loss - eval_loss).abs() < 1e-14);
        assert!((0.0..=1.0).contains(&acc));
    }

    #[test]
    fn bad_shapes_and_labels_are_errors() {
        let x = Array2::zeros((3, 4));
        assert!(Mlp::new(&[5, 3], x.clone(), &Array1::zeros(3)).is_err());
        assert!(Mlp::new(&[4, 3], x.clone(), &Array1::zeros(2)).is_err());
        assert!(Mlp::new(&[4, 3], x.clone(), &Array1::from_elem(3, 3.0)).is_err());
        assert!(Mlp::new(&[4], x, &Array1::zeros(3)).is_err());
    }
}
