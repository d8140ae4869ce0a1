//! Prints the medians criterion saved for the `kernels` bench as markdown tables (for `docs/benchmarks.md`),
//! with the ratios the kernel targets are stated in.
//!
//! Usage: `cargo run -p gradus-benches --release --bin bench-table [CRITERION_DIR [BASELINE]]`; the directory
//! defaults to `$CARGO_TARGET_DIR/criterion` (or `target/criterion`), the baseline to `new` (the last run; pass the
//! name given to `--save-baseline` to print a saved one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (group, implementation, threads) → (median, lower and upper bound of its 95 % interval), in ms.
type Medians = BTreeMap<(String, String, String), (f64, f64, f64)>;

fn collect(dir: &Path, baseline: &str, found: &mut Medians) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == baseline) {
                read_one(&p, found);
            } else if p.join("benchmark.json").is_file() || p.file_name().is_some_and(|n| n == "report") {
                // another saved baseline of the same benchmark, or criterion's HTML report
            } else {
                collect(&p, baseline, found);
            }
        }
    }
}

fn read_one(new: &Path, found: &mut Medians) {
    let read = |f: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(f)).ok()?).ok()
    };
    let (Some(b), Some(e)) = (read("benchmark.json"), read("estimates.json")) else {
        return;
    };
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let m = &e["median"];
    let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN) / 1e6;
    found.insert(
        (s(&b["group_id"]), s(&b["function_id"]), s(&b["value_str"])),
        (
            ms(&m["point_estimate"]),
            ms(&m["confidence_interval"]["lower_bound"]),
            ms(&m["confidence_interval"]["upper_bound"]),
        ),
    );
}

fn main() {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        Path::new(&target).join("criterion")
    });
    let baseline = std::env::args().nth(2).unwrap_or_else(|| "new".into());
    let mut m = Medians::new();
    collect(&dir, &baseline, &mut m);
    if m.is_empty() {
        eprintln!(
            "no criterion estimates for baseline {baseline:?} under {}",
            dir.display()
        );
        std::process::exit(1);
    }
    println!("| kernel | matrix | implementation | threads | median (ms) | 95 % CI of median (ms) |");
    println!("|---|---|---|---:|---:|---|");
    for ((group, imp, threads), (med, lo, hi)) in &m {
        let (kernel, matrix) = split_group(group);
        println!("| {kernel} | {matrix} | {imp} | {threads} | {med:.2} | {lo:.2}–{hi:.2} |");
    }
    println!();
    let get = |g: &str, imp: &str, t: &str| m.get(&(g.to_string(), imp.to_string(), t.to_string())).map(|x| x.0);
    let mut matrices: Vec<String> = m.keys().map(|k| split_group(&k.0).1.to_string()).collect();
    matrices.dedup();
    matrices.sort();
    matrices.dedup();
    println!("| matrix | ratio | value |");
    println!("|---|---|---:|");
    for mat in &matrices {
        let mv = format!("matvec_{mat}");
        let mt = format!("matvec_t_{mat}");
        let rd = format!("row_dot_{mat}");
        let rows: [(&str, Option<f64>, Option<f64>); 6] = [
            (
                "matvec_t / matvec, 1 thread",
                get(&mt, "design", "1"),
                get(&mv, "design", "1"),
            ),
            (
                "matvec_t / matvec, 2 threads",
                get(&mt, "design", "2"),
                get(&mv, "design", "2"),
            ),
            (
                "matvec speed-up, 2 threads vs 1",
                get(&mv, "design", "1"),
                get(&mv, "design", "2"),
            ),
            (
                "matvec_t speed-up, 2 threads vs 1",
                get(&mt, "design", "1"),
                get(&mt, "design", "2"),
            ),
            (
                "row_dot pass speed-up, 2 threads vs 1",
                get(&rd, "design", "1"),
                get(&rd, "design", "2"),
            ),
            (
                "matvec (1 thread) / ndarray X.dot(w)",
                get(&mv, "design", "1"),
                get(&mv, "ndarray", "1"),
            ),
        ];
        for (name, a, b) in rows {
            if let (Some(a), Some(b)) = (a, b) {
                println!("| {mat} | {name} | {:.2} |", a / b);
            }
        }
    }
}

/// `matvec_t_dense_100000x200` → (`matvec_t`, `dense_100000x200`).
fn split_group(g: &str) -> (&str, &str) {
    for k in ["matvec_t", "matvec", "row_dot"] {
        if let Some(rest) = g.strip_prefix(k).and_then(|r| r.strip_prefix('_')) {
            return (k, rest);
        }
    }
    (g, "")
}
