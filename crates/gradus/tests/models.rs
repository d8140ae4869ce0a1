//! End-to-end tests of the models of `gradus fit` (unpenalized intercept, multinomial, one-vs-rest), of the model
//! file and of `gradus predict` / `gradus score`, of `--json`, `--tol 0` and `--max-epochs 0`, and of the
//! 10-class Fashion-MNIST walk-through.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gradus_data::npy::{write_npy_matrix, write_npy_vector};
use ndarray::{Array1, Array2};

fn gradus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradus"))
        .args(args)
        .output()
        .expect("the gradus binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(text(&o.stdout).trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            text(&o.stdout),
            text(&o.stderr)
        )
    })
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A deterministic pseudo-random number in [0, 1) (SplitMix64).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Writes x and y as NPY files in `dir` and returns their paths.
fn write_xy(dir: &Path, name: &str, x: &Array2<f64>, y: &Array1<f64>) -> (PathBuf, PathBuf) {
    let (px, py) = (dir.join(format!("{name}_x.npy")), dir.join(format!("{name}_y.npy")));
    write_npy_matrix(&px, x).unwrap();
    write_npy_vector(&py, y).unwrap();
    (px, py)
}

/// n × d features, uniform in [−1, 1] plus an offset per column (so the intercept matters).
fn features(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut s = seed;
    Array2::from_shape_fn((n, d), |(_, j)| 2.0 * uniform(&mut s) - 1.0 + 0.5 * j as f64)
}

fn model_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect()
}

/// Solves the k × k system a x = b by Gaussian elimination with partial pivoting.
fn solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Array1<f64> {
    let k = b.len();
    for c in 0..k {
        let p = (c..k)
            .max_by(|&i, &j| a[[i, c]].abs().total_cmp(&a[[j, c]].abs()))
            .unwrap();
        for j in 0..k {
            a.swap([c, j], [p, j]);
        }
        b.swap(c, p);
        for r in c + 1..k {
            let f = a[[r, c]] / a[[c, c]];
            for j in c..k {
                a[[r, j]] -= f * a[[c, j]];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = Array1::zeros(k);
    for c in (0..k).rev() {
        let s: f64 = (c + 1..k).map(|j| a[[c, j]] * x[j]).sum();
        x[c] = (b[c] - s) / a[[c, c]];
    }
    x
}

/// Ridge with an intercept from the CLI equals centred least squares, b* = ȳ − x̄ᵀw*, for every solver that
/// supports the intercept; gradus-qning's solvers are refused with a message naming those that do.
#[test]
fn squared_loss_with_intercept_is_centred_least_squares_for_every_intercept_solver() {
    let dir = tempfile::tempdir().unwrap();
    let (n, d, l2) = (300, 4, 0.01);
    let x = features(n, d, 3);
    let mut s = 9u64;
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| 3.0 + r[0] - 2.0 * r[1] + 0.5 * r[3] + 0.1 * (uniform(&mut s) - 0.5))
        .collect();
    let (px, py) = write_xy(dir.path(), "ridge", &x, &y);
    let mean_x = x.mean_axis(ndarray::Axis(0)).unwrap();
    let mean_y = y.mean().unwrap();
    let xc = &x - &mean_x;
    let yc = &y - mean_y;
    let w = solve(
        xc.t().dot(&xc) / n as f64 + Array2::<f64>::eye(d) * l2,
        xc.t().dot(&yc) / n as f64,
    );
    let b = mean_y - mean_x.dot(&w);
    // The classic solvers, and gradus-qning's on its generic finite-sum path (which leaves b unpenalized).
    for solver in [
        "lbfgs",
        "newton",
        "gd",
        "agd",
        "auto",
        "svrg",
        "saga",
        "qning-svrg",
        "catalyst-svrg",
        "fista",
    ] {
        let m = dir.path().join(format!("{solver}.json"));
        let o = gradus(&[
            "fit",
            "--data",
            path(&px),
            "--labels",
            path(&py),
            "--loss",
            "squared",
            "--l2",
            "0.01",
            "--fit-intercept",
            "--solver",
            solver,
            "--tol",
            "1e-11",
            "--max-epochs",
            "100000",
            "--model-out",
            path(&m),
        ]);
        assert!(o.status.success(), "{solver}: {}", text(&o.stderr));
        let saved = model_file(&m);
        assert_eq!(saved["kind"], "regression");
        assert_eq!(saved["fit_intercept"], true);
        let coef = floats(&saved["coef"][0]);
        let intercept = floats(&saved["intercept"])[0];
        for j in 0..d {
            assert!(
                (coef[j] - w[j]).abs() < 1e-7,
                "{solver}: w[{j}] {} vs {}",
                coef[j],
                w[j]
            );
        }
        assert!((intercept - b).abs() < 1e-7, "{solver}: b {intercept} vs {b}");
    }
    // MISO needs strong convexity, which an unpenalized b takes away: a typed error (exit 2), not a wrong fit.
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--loss",
        "squared",
        "--fit-intercept",
        "--solver",
        "miso",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("strong convexity"), "{}", text(&o.stderr));
}

/// Logistic regression on one binary feature (λ₂ = 0) has the closed-form optimum σ(b*) = p₀, σ(w* + b*) = p₁;
/// the CLI's intercept fit finds it, and predicts/scores with the original labels (here 4 and 7).
#[test]
fn logistic_intercept_finds_the_closed_form_optimum_and_predict_and_score_use_the_original_labels() {
    let dir = tempfile::tempdir().unwrap();
    // Feature 0 on 100 rows (30 of class 7), 1 on 80 rows (60 of class 7).
    let x = Array2::from_shape_fn((180, 1), |(i, _)| if i < 100 { 0.0 } else { 1.0 });
    let y = Array1::from_shape_fn(180, |i| if i < 30 || (100..160).contains(&i) { 7.0 } else { 4.0 });
    let (px, py) = write_xy(dir.path(), "one", &x, &y);
    let m = dir.path().join("m.json");
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--fit-intercept",
        "--tol",
        "1e-12",
        "--model-out",
        path(&m),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["status"], "converged");
    assert_eq!(r["solver_requested"], "auto");
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let saved = model_file(&m);
    assert_eq!(floats(&saved["classes"]), vec![4.0, 7.0]);
    let (w, b) = (floats(&saved["coef"][0])[0], floats(&saved["intercept"])[0]);
    assert!((b - logit(0.3)).abs() < 1e-9, "b = {b}");
    assert!((w - (logit(0.75) - logit(0.3))).abs() < 1e-9, "w = {w}");
    // Predictions: class 7 where the feature is 1 (P = 0.75), class 4 where it is 0 (P = 0.3).
    let out = dir.path().join("pred.txt");
    let o = gradus(&["predict", "--model", path(&m), "--data", path(&px), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pred: Vec<f64> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(pred.len(), 180);
    assert!(pred[..100].iter().all(|&v| v == 4.0) && pred[100..].iter().all(|&v| v == 7.0));
    let o = gradus(&["predict", "--model", path(&m), "--data", path(&px), "--proba"]);
    let first: Vec<f64> = text(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (first[1] - 0.3).abs() < 1e-9 && (first[0] - 0.7).abs() < 1e-9,
        "{first:?}"
    );
    // Score: accuracy (70 + 60)/180; log-loss = the mean binary entropy of the two groups.
    let o = gradus(&[
        "score",
        "--model",
        path(&m),
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = json(&o);
    assert!((s["accuracy"].as_f64().unwrap() - 130.0 / 180.0).abs() < 1e-12);
    let h = |p: f64| -(p * p.ln() + (1.0 - p) * (1.0 - p).ln());
    let expected = (100.0 * h(0.3) + 80.0 * h(0.75)) / 180.0;
    assert!((s["log_loss"].as_f64().unwrap() - expected).abs() < 1e-9);
    // Labels outside the model's classes are bad input naming the file and the index.
    let bad = dir.path().join("bad_y.npy");
    let mut yb = y.clone();
    yb[5] = 5.0;
    write_npy_vector(&bad, &yb).unwrap();
    let o = gradus(&[
        "score",
        "--model",
        path(&m),
        "--data",
        path(&px),
        "--labels",
        path(&bad),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("label 5 is 5"), "{}", text(&o.stderr));
}

/// Three well-separated classes with labels 10, 20, 30: the multinomial fit (auto: multinomial for > 2 classes)
/// and one-vs-rest both classify the training data almost perfectly; probabilities sum to 1; --json reports the
/// choice; unsupported solvers are refused.
#[test]
fn multinomial_and_one_vs_rest_on_three_classes() {
    let dir = tempfile::tempdir().unwrap();
    let n = 600;
    let mut s = 5u64;
    let centres = [[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]];
    let y = Array1::from_shape_fn(n, |i| 10.0 * (1 + i % 3) as f64);
    let x = Array2::from_shape_fn((n, 2), |(i, j)| centres[i % 3][j] + 0.8 * (uniform(&mut s) - 0.5) + 1.0);
    let (px, py) = write_xy(dir.path(), "three", &x, &y);
    for (extra, kind) in [(&[][..], "multinomial"), (&["--multiclass", "ovr"][..], "ovr")] {
        let m = dir.path().join(format!("{kind}.json"));
        let mut args = vec![
            "fit",
            "--data",
            path(&px),
            "--labels",
            path(&py),
            "--fit-intercept",
            "--l2",
            "1e-3",
            "--tol",
            "1e-8",
            "--model-out",
            path(&m),
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = gradus(&args);
        assert!(o.status.success(), "{kind}: {}", text(&o.stderr));
        let r = json(&o);
        assert_eq!(r["kind"], kind);
        assert_eq!(floats(&r["classes"]), vec![10.0, 20.0, 30.0]);
        assert!(r["seconds"].as_f64().unwrap() > 0.0);
        let saved = model_file(&m);
        assert_eq!(saved["coef"].as_array().unwrap().len(), 3);
        let o = gradus(&["score", "--model", path(&m), "--data", path(&px), "--labels", path(&py)]);
        let line = text(&o.stdout);
        let acc: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(acc > 0.99, "{kind}: {line}");
        let o = gradus(&["predict", "--model", path(&m), "--data", path(&px), "--proba"]);
        for l in text(&o.stdout).lines() {
            let p: Vec<f64> = l.split(',').map(|v| v.parse().unwrap()).collect();
            assert_eq!(p.len(), 3);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
    // The multinomial loss with gradus-qning's solvers (generic path) reaches lbfgs's objective.
    let objective = |solver: &str| {
        let o = gradus(&[
            "fit",
            "--data",
            path(&px),
            "--labels",
            path(&py),
            "--solver",
            solver,
            "--l2",
            "1e-3",
            "--tol",
            "1e-10",
            "--json",
        ]);
        assert!(o.status.success(), "{solver}: {}", text(&o.stderr));
        json(&o)["objective"].as_f64().unwrap()
    };
    let reference = objective("lbfgs");
    for solver in ["svrg", "qning-svrg", "catalyst-saga"] {
        let f = objective(solver);
        assert!(
            (f - reference).abs() <= 1e-9 * reference,
            "{solver}: {f} vs lbfgs {reference}"
        );
    }
    let o = gradus(&["fit", "--data", path(&px), "--labels", path(&py), "--solver", "newton"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("gd, agd, lbfgs"), "{}", text(&o.stderr));
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--solver",
        "svrg",
        "--multiclass",
        "ovr",
        "--l2",
        "1e-3",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--loss",
        "multinomial",
        "--solver",
        "newton",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// `--tol 0` runs the budget (exit 0, status max-work, passes within one iteration of it), `--max-epochs 0`
/// returns the start (the logistic objective log 2 at w = 0), and --json carries the solver auto chose.
#[test]
fn tol_zero_runs_the_budget_and_max_epochs_zero_returns_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let x = features(2000, 5, 11);
    let mut s = 2u64;
    let y = Array1::from_shape_fn(2000, |i| f64::from(uniform(&mut s) < 1.0 / (1.0 + (-x[[i, 0]]).exp())));
    let (px, py) = write_xy(dir.path(), "budget", &x, &y);
    for (solver, step_passes) in [("lbfgs", 1.0), ("gd", 1.0), ("saga", 1.0), ("svrg", 2.0)] {
        let o = gradus(&[
            "fit",
            "--data",
            path(&px),
            "--labels",
            path(&py),
            "--l2",
            "1e-6",
            "--solver",
            solver,
            "--tol",
            "0",
            "--max-epochs",
            "17",
            "--json",
        ]);
        assert!(o.status.success(), "{solver}: {}", text(&o.stderr));
        let r = json(&o);
        assert_eq!(r["status"], "max-work");
        let passes = r["passes"].as_f64().unwrap();
        // The budget is checked before each iteration; a gap check of the gradus-qning solvers adds one pass.
        let gap = if solver == "saga" || solver == "svrg" { 1.0 } else { 0.0 };
        assert!(
            (17.0..17.0 + step_passes + gap + 1e-9).contains(&passes),
            "{solver}: {passes} passes"
        );
        assert_eq!(r["solver"], solver);
    }
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--max-epochs",
        "0",
        "--tol",
        "0",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert!((r["objective"].as_f64().unwrap() - std::f64::consts::LN_2).abs() < 1e-13);
    assert_eq!(r["passes"].as_f64().unwrap(), 0.0);
    assert_eq!(r["solver_requested"], "auto");
    assert!(r["solver"].as_str().is_some_and(|s| s != "auto"));
    for (flag, value) in [("--tol", "-1"), ("--max-epochs", "-1")] {
        let o = gradus(&["fit", "--data", path(&px), "--labels", path(&py), flag, value]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains(&flag[2..]));
    }
}

/// Bad model files and mismatched data are typed errors (exit 2) naming the file and what is wrong.
#[test]
fn bad_model_files_and_mismatched_data_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let x = features(50, 3, 1);
    let y = Array1::from_shape_fn(50, |i| (i % 2) as f64);
    let (px, py) = write_xy(dir.path(), "small", &x, &y);
    let m = dir.path().join("m.json");
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--loss",
        "squared-hinge",
        "--l2",
        "0.1",
        "--model-out",
        path(&m),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = gradus(&["predict", "--model", path(&m), "--data", path(&px), "--proba"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--proba"));
    let (px2, _) = write_xy(dir.path(), "wide", &features(5, 4, 1), &Array1::zeros(5));
    let o = gradus(&["predict", "--model", path(&m), "--data", path(&px2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("4 features, but the model was fitted on 3"),
        "{}",
        text(&o.stderr)
    );
    let cases: [(&str, &str); 3] = [
        ("{\"format\": \"x\"", "line 1"),
        (
            "{\"format\": \"other\", \"version\": 1, \"kind\": \"binary\", \"loss\": \"logistic\", \"classes\": [0, 1], \
          \"n_features\": 3, \"coef\": [[0, 0, 0]], \"intercept\": [0], \"fit_intercept\": false, \"l1\": 0, \
          \"l2\": 0, \"solver\": \"lbfgs\", \"solver_requested\": \"auto\"}",
            "\"format\"",
        ),
        (
            "{\"format\": \"gradus-linear-model\", \"version\": 1, \"kind\": \"binary\", \"loss\": \"logistic\", \
          \"classes\": [0, 1], \"n_features\": 3, \"coef\": [[0, 0]], \"intercept\": [0], \"fit_intercept\": false, \
          \"l1\": 0, \"l2\": 0, \"solver\": \"lbfgs\", \"solver_requested\": \"auto\"}",
            "row 0 has 2 entries",
        ),
    ];
    for (k, (content, needle)) in cases.iter().enumerate() {
        let bad = dir.path().join(format!("bad{k}.json"));
        std::fs::write(&bad, content).unwrap();
        let o = gradus(&[
            "score",
            "--model",
            path(&bad),
            "--data",
            path(&px),
            "--labels",
            path(&py),
        ]);
        assert_eq!(o.status.code(), Some(2), "{content}");
        let e = text(&o.stderr);
        assert!(e.contains(path(&bad)) && e.contains(needle), "{e}");
    }
    // A NaN label, for every loss (the NPY reader refuses it; fit checks labels from any reader too).
    let mut yn = y.clone();
    yn[7] = f64::NAN;
    let (_, nan) = write_xy(dir.path(), "nan", &x, &yn);
    for loss in ["logistic", "multinomial", "squared"] {
        let o = gradus(&["fit", "--data", path(&px), "--labels", path(&nan), "--loss", loss]);
        assert_eq!(o.status.code(), Some(2), "{loss}");
        let e = text(&o.stderr);
        assert!(e.contains("nan_y.npy") && e.contains("7 is NaN"), "{loss}: {e}");
    }
    // One class only is not a classification problem.
    let (_, ones) = write_xy(dir.path(), "ones", &x, &Array1::ones(50));
    let o = gradus(&["fit", "--data", path(&px), "--labels", path(&ones)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("at least 2 classes"));
}

/// The Fashion-MNIST walk-through of docs/cli.md on a subset: a 10-class multinomial model with an intercept
/// fitted by `gradus fit` on the first 10000 training images (raw pixels 0–255, λ₂ = 100, a budget of 100 passes
/// with --tol 0), saved, then `gradus score` and `gradus predict` on the 10000 test images. Measured: test
/// accuracy 0.8266 (chance is 0.1); the claim is ≥ 0.80.
#[test]
fn fashion_mnist_ten_classes_fit_save_predict_score() {
    use gradus_data::fashion_mnist::{FashionMnist, Split};
    use gradus_data::idx::read_idx;
    let (train, test) = match (FashionMnist::locate(Split::Train), FashionMnist::locate(Split::Test)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "SKIPPED: Fashion-MNIST is not available ({e}); {}",
                FashionMnist::INSTALL_HINT
            );
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let n = 10_000;
    let x = read_idx(&train.images).unwrap().head_matrix(n).unwrap();
    let y = read_idx(&train.labels).unwrap().head_vector(n).unwrap();
    let (px, py) = write_xy(dir.path(), "fashion", &x, &y);
    let m = dir.path().join("fashion.json");
    let o = gradus(&[
        "fit",
        "--data",
        path(&px),
        "--labels",
        path(&py),
        "--loss",
        "multinomial",
        "--fit-intercept",
        "--l2",
        "100",
        "--tol",
        "0",
        "--max-epochs",
        "100",
        "--model-out",
        path(&m),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["passes"].as_f64().unwrap(), 100.0);
    assert_eq!(r["solver"], "lbfgs");
    let saved = model_file(&m);
    assert_eq!(saved["coef"].as_array().unwrap().len(), 10);
    assert_eq!(saved["coef"][0].as_array().unwrap().len(), 784);
    let o = gradus(&[
        "score",
        "--model",
        path(&m),
        "--data",
        path(&test.images),
        "--labels",
        path(&test.labels),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = json(&o);
    let accuracy = s["accuracy"].as_f64().unwrap();
    eprintln!(
        "Fashion-MNIST 10 classes, n = {n}: test accuracy {accuracy}, log-loss {}",
        s["log_loss"]
    );
    assert!(accuracy >= 0.80, "test accuracy {accuracy}");
    assert_eq!(s["n"], 10_000);
    let out = dir.path().join("pred.npy");
    let o = gradus(&[
        "predict",
        "--model",
        path(&m),
        "--data",
        path(&test.images),
        "--out",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pred = gradus_data::npy::read_npy_vector(&out).unwrap();
    let truth = read_idx(&test.labels).unwrap().to_vector().unwrap();
    let agree = pred.iter().zip(&truth).filter(|(p, t)| p == t).count() as f64 / truth.len() as f64;
    assert_eq!(agree, accuracy);
}

/// `--loss multinomial` on two classes is binary logistic regression with half the λ₂ (coef rows ∓w/2, the same
/// objective), and a multinomial fit gives the same model file bit for bit on 1 and 2 threads.
#[test]
fn two_class_multinomial_is_binary_logistic_and_threads_do_not_change_the_bits() {
    let dir = tempfile::tempdir().unwrap();
    let x = features(3000, 6, 21);
    let mut s = 4u64;
    let y = Array1::from_shape_fn(3000, |i| {
        f64::from(uniform(&mut s) < 1.0 / (1.0 + (-(x[[i, 0]] - x[[i, 2]] + 0.3)).exp()))
    });
    let (px, py) = write_xy(dir.path(), "two", &x, &y);
    let run = |loss: &str, l2: &str, threads: &str, out: &Path| {
        let o = gradus(&[
            "fit",
            "--data",
            path(&px),
            "--labels",
            path(&py),
            "--loss",
            loss,
            "--l2",
            l2,
            "--fit-intercept",
            "--solver",
            "lbfgs",
            "--tol",
            "1e-12",
            "--threads",
            threads,
            "--model-out",
            path(out),
            "--json",
        ]);
        assert!(o.status.success(), "{loss}: {}", text(&o.stderr));
        json(&o)
    };
    let (mb, mm1, mm2) = (
        dir.path().join("b.json"),
        dir.path().join("m1.json"),
        dir.path().join("m2.json"),
    );
    let rb = run("logistic", "0.005", "1", &mb);
    let rm = run("multinomial", "0.01", "1", &mm1);
    run("multinomial", "0.01", "2", &mm2);
    let (fb, fm) = (rb["objective"].as_f64().unwrap(), rm["objective"].as_f64().unwrap());
    assert!((fb - fm).abs() <= 1e-10 * fb, "{fb} vs {fm}");
    let (b, m) = (model_file(&mb), model_file(&mm1));
    let w = floats(&b["coef"][0]);
    let (w0, w1) = (floats(&m["coef"][0]), floats(&m["coef"][1]));
    for j in 0..6 {
        assert!(
            (w1[j] - w0[j] - w[j]).abs() < 1e-6,
            "feature {j}: {} vs {}",
            w1[j] - w0[j],
            w[j]
        );
        assert!((w1[j] + w0[j]).abs() < 1e-9);
    }
    let (c, ci) = (floats(&b["intercept"])[0], floats(&m["intercept"]));
    assert!((ci[1] - ci[0] - c).abs() < 1e-6, "{ci:?} vs {c}");
    assert_eq!(
        std::fs::read_to_string(&mm1).unwrap(),
        std::fs::read_to_string(&mm2).unwrap()
    );
}
