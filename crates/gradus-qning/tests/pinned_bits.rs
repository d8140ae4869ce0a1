//! Pins the fast path's results on a small model, captured before the inner-solver interface became
//! problem-agnostic: any change of bits in SVRG/SAGA/MISO/ISTA or the accelerators on `LinearModel` fails here.

use gradus_oracle::loss::{ScalarLoss, sigmoid, softplus, softplus_and_sigmoid};
use gradus_oracle::{Csr, Design, LinearModel, Loss, RunConfig, Silent, Stop};
use gradus_qning::{DualityGapMonitor, InnerStop, NamedOptions, WarmStart, solve_named};
use ndarray::{Array1, Array2};

fn model(loss: Loss, sparse: bool, l2: f64, l1: f64) -> LinearModel {
    let (n, d) = (60, 7);
    let a = Array2::from_shape_fn((n, d), |(i, j)| {
        if (i * 7 + j * 3) % 3 == 0 {
            0.0
        } else {
            (((i * 13 + j * 7) % 17) as f64 / 8.0 - 1.0) * (1.0 + (i % 5) as f64 * 0.3)
        }
    });
    let y = Array1::from_shape_fn(n, |i| if (i * 11) % 7 < 3 { 1.0 } else { -1.0 });
    let design = if sparse {
        let mut indptr = vec![0];
        let (mut idx, mut val) = (vec![], vec![]);
        for i in 0..n {
            for j in 0..d {
                if a[[i, j]] != 0.0 {
                    idx.push(j as u32);
                    val.push(a[[i, j]]);
                }
            }
            indptr.push(idx.len());
        }
        Design::sparse(Csr::new(n, d, indptr, idx, val).unwrap()).unwrap()
    } else {
        Design::dense(a).unwrap()
    };
    LinearModel::new(design, y, loss, l2, l1).unwrap()
}

/// FNV-1a over the bits of x: one number that changes when any bit does.
fn fingerprint(x: &Array1<f64>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in x {
        for b in v.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// (solver, sparse, λ₁) → (fingerprint of the final iterate, iterations, passes × 1000, objective bits).
fn run(name: &str, sparse: bool, l1: f64) -> (u64, u64, u64, u64) {
    let mut o = NamedOptions::default();
    // λ₁ = 0.02 marks the cases that exercise the certified inner rules, the prox warm starts and ε₀.
    if l1 == 0.02 {
        o.qning.accel.inner_stop = InnerStop::QNING_RELATIVE;
        o.qning.accel.warm_start = WarmStart::CenterProx;
        o.catalyst.accel.inner_stop = InnerStop::Absolute;
        o.catalyst.accel.warm_start = WarmStart::Best;
    }
    let m = model(Loss::Logistic, sparse, 1e-3, l1);
    let x0 = Array1::zeros(7);
    let cfg = RunConfig::new(Stop::iterations(12), 60);
    let (r, _) = solve_named(name, &m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent, &o).unwrap();
    let objective = r.trace.rows.last().unwrap().values[0];
    (
        fingerprint(&r.x),
        r.iterations,
        (r.work.passes(60) * 1000.0).round() as u64,
        objective.to_bits(),
    )
}

const CASES: &[(&str, bool, f64)] = &[
    ("qning-svrg", false, 0.0),
    ("qning-svrg", true, 0.01),
    ("catalyst-miso", false, 0.0),
    ("catalyst-miso", true, 0.01),
    ("saga", false, 0.0),
    ("saga", true, 0.01),
    ("svrg", true, 0.0),
    ("miso", false, 0.01),
    ("qning-ista", false, 0.01),
    ("catalyst-fista", true, 0.0),
    ("qning-svrg", true, 0.02),
    ("catalyst-saga", false, 0.02),
    ("catalyst-svrg", true, 0.02),
];

#[test]
fn fast_path_results_are_pinned_bit_for_bit() {
    let got: Vec<_> = CASES.iter().map(|&(n, s, l1)| run(n, s, l1)).collect();
    if std::env::var("PRINT_PINNED").is_ok() {
        for ((n, s, l1), g) in CASES.iter().zip(&got) {
            println!("({n:?}, {s}, {l1}) => {g:?}");
        }
    }
    assert_eq!(got.len(), EXPECTED.len());
    for ((n, s, l1), (g, e)) in CASES.iter().zip(got.iter().zip(EXPECTED)) {
        assert_eq!(g, e, "{n} sparse {s} λ₁ {l1}");
    }
}

/// Captured on the fast path before the refactor (x86-64; the kernels' bits do not depend on the thread count).
/// The passes of three rows include the estimate of L that ISTA/FISTA and the prox-step warm start pay for (1 on
/// the Gram path, 35 power iterations on the sparse design); their iterates' bits are unchanged.
const EXPECTED: &[(u64, u64, u64, u64)] = &[
    (3095161856245257738, 12, 39000, 4603429988932094103),
    (15096514340508945545, 12, 42000, 4603646341614499817),
    (5371474849604997615, 12, 14000, 4603441490763881754),
    (32990620747649916, 12, 14000, 4603653599295564206),
    (16959854766650173052, 12, 13000, 4603435196063480502),
    (10075591240438402981, 12, 13000, 4603646922976660615),
    (14747425914225165294, 12, 24000, 4603430017682403164),
    (2419548560592540545, 12, 14000, 4603812037602826422),
    (7873172676842377509, 12, 26000, 4603646377084329825),
    (5941211486396626110, 12, 60000, 4603463369294668255),
    (532921818700802666, 12, 159000, 4603794448138725402),
    (9739336516838845682, 12, 48000, 4603794449254856978),
    (11047049558904713629, 12, 59000, 4603794448138798641),
];

/// The logistic loss as a user's own [`ScalarLoss`], with the formulas of `gradus_oracle::loss`.
#[derive(Debug)]
struct MyLogistic;
impl ScalarLoss for MyLogistic {
    fn name(&self) -> &'static str {
        "my-logistic"
    }
    fn value(&self, m: f64, y: f64) -> f64 {
        softplus(-y * m)
    }
    fn derivative(&self, m: f64, y: f64) -> f64 {
        -y * sigmoid(-y * m)
    }
    fn value_and_derivative(&self, m: f64, y: f64) -> (f64, f64) {
        let (v, s) = softplus_and_sigmoid(-y * m);
        (v, -y * s)
    }
    fn curvature_bound(&self) -> f64 {
        0.25
    }
    fn needs_signed_labels(&self) -> bool {
        true
    }
    fn conjugate(&self, u: f64, y: f64) -> Option<f64> {
        let p = (-u * y).clamp(0.0, 1.0);
        let xlogx = |p: f64| if p <= 0.0 { 0.0 } else { p * p.ln() };
        Some(xlogx(p) + xlogx(1.0 - p))
    }
}
static MY_LOGISTIC: MyLogistic = MyLogistic;

#[test]
fn a_custom_copy_of_the_logistic_loss_gives_the_same_bits_on_the_fast_path() {
    for (sparse, l2, l1) in [(false, 1e-3, 0.0), (true, 1e-3, 0.01), (true, 0.0, 0.02)] {
        let builtin = model(Loss::Logistic, sparse, l2, l1);
        let custom = model(Loss::Custom(&MY_LOGISTIC), sparse, l2, l1);
        for name in ["qning-svrg", "saga", "miso", "catalyst-miso", "svrg", "fista"] {
            if name == "miso" && l2 == 0.0 {
                continue; // plain MISO needs λ₂ > 0
            }
            let run = |m: &LinearModel| {
                let cfg = RunConfig::new(Stop::iterations(15), 60);
                solve_named(
                    name,
                    m,
                    Array1::zeros(7).view(),
                    &cfg,
                    &DualityGapMonitor::new(m),
                    &mut Silent,
                    &NamedOptions::default(),
                )
                .unwrap()
                .0
            };
            let (a, b) = (run(&builtin), run(&custom));
            assert_eq!(fingerprint(&a.x), fingerprint(&b.x), "{name} sparse {sparse} λ₁ {l1}");
            assert_eq!(a.work, b.work, "{name}");
            let gaps =
                |r: &gradus_oracle::Report| r.trace.rows.iter().map(|row| row.values.clone()).collect::<Vec<_>>();
            assert_eq!(gaps(&a), gaps(&b), "{name}: objective and duality gap at every row");
        }
    }
}

/// The logistic loss without its conjugate.
#[derive(Debug)]
struct NoConjugate;
impl ScalarLoss for NoConjugate {
    fn name(&self) -> &'static str {
        "no-conjugate"
    }
    fn value(&self, m: f64, y: f64) -> f64 {
        softplus(-y * m)
    }
    fn derivative(&self, m: f64, y: f64) -> f64 {
        -y * sigmoid(-y * m)
    }
    fn curvature_bound(&self) -> f64 {
        0.25
    }
}
static NO_CONJUGATE: NoConjugate = NoConjugate;

#[test]
fn without_a_conjugate_the_lasso_gap_is_infinite_and_the_ridge_gap_needs_none() {
    let w = Array1::from_elem(7, 0.1);
    let lasso = model(Loss::Custom(&NO_CONJUGATE), false, 0.0, 0.02);
    assert_eq!(gradus_qning::duality_gap(&lasso, w.view()).1, f64::INFINITY);
    let ridge = model(Loss::Custom(&NO_CONJUGATE), false, 1e-3, 0.02);
    let reference = model(Loss::Logistic, false, 1e-3, 0.02);
    let (a, b) = (
        gradus_qning::duality_gap(&ridge, w.view()),
        gradus_qning::duality_gap(&reference, w.view()),
    );
    assert!(a.1.is_finite() && (a.1 - b.1).abs() <= 1e-15 * b.1.abs(), "{a:?} {b:?}");
}
