//! Loading a data set for the CLI: NPY (recognized by its magic bytes), SciPy sparse CSR `.npz` (recognized by its
//! extension), IDX (the (Fashion-)MNIST format, plain or
//! gzip, recognized by a file name containing `idx` or `ubyte`), or else LIBSVM (plain or gzip).

use std::io::Read;
use std::path::Path;

use gradus_data::DataError;
use gradus_data::idx::{read_idx_images, read_idx_labels};
use gradus_data::libsvm::read_libsvm;
use gradus_data::npy::{map_npy_design, read_npy_labels, read_npy_matrix};
use gradus_data::npz::read_npz_csr;
use gradus_oracle::Design;
use ndarray::Array1;

use super::CliError;

/// A data matrix and its labels, if the file carries them.
pub struct Loaded {
    /// The design matrix.
    pub x: Design,
    /// Labels from a LIBSVM file (NPY matrices carry none).
    pub y: Option<Array1<f64>>,
    /// "LIBSVM", "NPY", "NPZ" or "IDX".
    pub format: &'static str,
}

/// Whether the file starts with the NPY magic `\x93NUMPY`.
fn is_npy(path: &Path) -> Result<bool, CliError> {
    let mut head = [0u8; 6];
    let mut f = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut got = 0;
    while got < head.len() {
        match f.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(source) => {
                return Err(DataError::Io {
                    path: path.display().to_string(),
                    source,
                }
                .into());
            }
        }
    }
    Ok(got == 6 && &head == b"\x93NUMPY")
}

/// Whether the file name ends in `.npz` (SciPy's `save_npz`).
fn is_npz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"))
}

/// Whether the file name says IDX (`train-images-idx3-ubyte.gz`, `labels.idx1`, …).
fn is_idx(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.contains("idx") || name.contains("ubyte")
}

/// Reads `--data` and, if given, `--labels` (an NPY vector shaped `(n,)` or `(n, 1)` of numbers or booleans, or
/// an IDX vector, which overrides labels in a LIBSVM file).
pub fn load(data: &Path, labels: Option<&Path>) -> Result<Loaded, CliError> {
    let mut loaded = if is_npy(data)? {
        Loaded {
            x: match map_npy_design(data)? {
                Some(mapped) => mapped,
                None => Design::dense(read_npy_matrix(data)?)?,
            },
            y: None,
            format: "NPY",
        }
    } else if is_npz(data) {
        Loaded {
            x: read_npz_csr(data)?,
            y: None,
            format: "NPZ",
        }
    } else if is_idx(data) {
        Loaded {
            x: Design::dense(read_idx_images(data)?)?,
            y: None,
            format: "IDX",
        }
    } else {
        let d = read_libsvm(data)?;
        Loaded {
            x: d.x,
            y: Some(d.y),
            format: "LIBSVM",
        }
    };
    if let Some(lp) = labels {
        let y = if is_idx(lp) && !is_npy(lp)? {
            read_idx_labels(lp)?
        } else {
            read_npy_labels(lp)?
        };
        if y.len() != loaded.x.nrows() {
            return Err(CliError::Usage(format!(
                "{}: {} labels, but {} has {} rows",
                lp.display(),
                y.len(),
                data.display(),
                loaded.x.nrows()
            )));
        }
        loaded.y = Some(y);
    }
    Ok(loaded)
}
