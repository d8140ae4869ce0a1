//! `gradus inspect`: size, sparsity, labels and row-norm spread of a data file.

use std::path::PathBuf;

use clap::Args;
use gradus_data::diagnostics::{label_counts, row_norm_stats};

use super::CliError;
use super::input::load;

/// Arguments of `gradus inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Data file: LIBSVM text (plain or gzip), an NPY float matrix, a SciPy sparse CSR .npz, or IDX images (name containing idx/ubyte).
    #[arg(long)]
    pub data: PathBuf,
    /// Labels as an NPY vector ((n,) or (n, 1); numbers or booleans) or IDX vector (overrides a LIBSVM file's labels).
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

/// Prints the report.
pub fn inspect(args: &InspectArgs) -> Result<(), CliError> {
    let d = load(&args.data, args.labels.as_deref())?;
    let (n, p, nnz) = (d.x.nrows(), d.x.ncols(), d.x.nnz());
    println!(
        "file      {} ({}, {})",
        args.data.display(),
        d.format,
        if d.x.is_sparse() { "CSR" } else { "dense" }
    );
    println!("n         {n}");
    println!("d         {p}");
    println!("nnz       {nnz}");
    println!("density   {:.6}", nnz as f64 / (n as f64 * p.max(1) as f64));
    match &d.y {
        Some(y) => {
            let counts = label_counts(y);
            let text: Vec<String> = counts.iter().map(|(v, c)| format!("{v}: {c}")).collect();
            println!("labels    {} distinct — {}", counts.len(), text.join(", "));
        }
        None => println!("labels    none (pass --labels FILE.npy)"),
    }
    let s = row_norm_stats(&d.x);
    println!("row norm² min {:.6e} mean {:.6e} max {:.6e}", s.min, s.mean, s.max);
    println!("max/mean  {:.3}", s.ratio_max_mean);
    if let Some(w) = s.warning() {
        println!("warning   {w}");
    }
    Ok(())
}
