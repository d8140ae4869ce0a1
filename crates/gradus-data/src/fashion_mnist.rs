//! Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70 000 grey-scale 28 × 28 images of clothing in 10 classes, 60 000
//! for training and 10 000 for testing.
//!
//! # Where the files are looked for
//!
//! - If the environment variable `GRADUS_DATA_DIR` is set (and not empty): in `$GRADUS_DATA_DIR` and in
//!   `$GRADUS_DATA_DIR/fashion-mnist`.
//! - Otherwise in `/usr/share/datasets/fashion-mnist`, where the Debian/Ubuntu package `dataset-fashion-mnist`
//!   installs them (`apt-get install dataset-fashion-mnist`).
//!
//! In each directory the file names of the original distribution are tried, gzip-compressed or not:
//! `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
//! `t10k-labels-idx1-ubyte.gz` (and the same without `.gz`, and with `.idx3-ubyte` as some mirrors name them).
//! Compression is detected from the content. When nothing is found the error is [`DataError::DatasetMissing`] with
//! every place searched and the install command.
//!
//! Pixels are scaled to `[0, 1]` (divided by 255); labels are the class numbers 0–9 as `f64`.
//! [`binary_labels`] turns them into the binary problem used by the experiments: classes 0–4 (T-shirt, trouser,
//! pullover, dress, coat) → −1, classes 5–9 (sandal, shirt, sneaker, bag, ankle boot) → +1.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};

use crate::error::{DataError, Result};
use crate::idx::{IdxType, read_idx};

/// Which part of the data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The 60 000 training images.
    Train,
    /// The 10 000 test images.
    Test,
}

impl Split {
    /// The file-name prefix of the original distribution: `train` or `t10k`.
    pub fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// The image and label files of one split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FashionMnistFiles {
    /// The IDX file of images (`n × 28 × 28` unsigned bytes).
    pub images: PathBuf,
    /// The IDX file of labels (`n` unsigned bytes, 0–9).
    pub labels: PathBuf,
}

/// Loader for Fashion-MNIST (see the [module documentation](self) for where files are looked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FashionMnist;

impl FashionMnist {
    /// The data set's name in messages.
    pub const NAME: &'static str = "fashion-mnist";
    /// The environment variable naming a data directory.
    pub const ENV_VAR: &'static str = "GRADUS_DATA_DIR";
    /// Where the Debian package installs the files.
    pub const DEFAULT_DIR: &'static str = "/usr/share/datasets/fashion-mnist";
    /// How to install the files on Debian/Ubuntu.
    pub const INSTALL_HINT: &'static str = "apt-get install dataset-fashion-mnist";
    /// Grey level of a white pixel.
    pub const MAX_PIXEL: f64 = 255.0;

    /// Loads a split: pixels scaled to `[0, 1]` (`n × 784`) and labels 0–9.
    pub fn load(split: Split) -> Result<(Array2<f64>, Array1<f64>)> {
        Self::load_first(split, usize::MAX)
    }

    /// Loads the first `k` samples of a split (all of them if `k` is larger); only those are converted to `f64`.
    pub fn load_first(split: Split, k: usize) -> Result<(Array2<f64>, Array1<f64>)> {
        Self::load_files(&Self::locate(split)?, k)
    }

    /// Loads the first `k` samples of a split with labels mapped by [`binary_labels`] (classes 0–4 → −1, 5–9 → +1).
    pub fn load_binary(split: Split, k: usize) -> Result<(Array2<f64>, Array1<f64>)> {
        let (x, y) = Self::load_first(split, k)?;
        Ok((x, binary_labels(&y)))
    }

    /// The directories searched, in order: from `GRADUS_DATA_DIR` if set, else the Debian package's directory.
    pub fn search_dirs() -> Vec<PathBuf> {
        Self::search_dirs_for(std::env::var_os(Self::ENV_VAR).map(PathBuf::from))
    }

    /// The directories searched for a given value of `GRADUS_DATA_DIR` (`None` or empty: unset).
    pub fn search_dirs_for(env_dir: Option<PathBuf>) -> Vec<PathBuf> {
        match env_dir {
            Some(dir) if !dir.as_os_str().is_empty() => vec![dir.clone(), dir.join(Self::NAME)],
            _ => vec![PathBuf::from(Self::DEFAULT_DIR)],
        }
    }

    /// Finds the files of a split in [`search_dirs`](Self::search_dirs).
    pub fn locate(split: Split) -> Result<FashionMnistFiles> {
        Self::locate_in(&Self::search_dirs(), split)
    }

    /// Finds the files of a split in the first of `dirs` that holds both of them.
    pub fn locate_in(dirs: &[PathBuf], split: Split) -> Result<FashionMnistFiles> {
        let mut searched = Vec::new();
        for dir in dirs {
            let images = find_file(dir, split.prefix(), "images", 3);
            let labels = find_file(dir, split.prefix(), "labels", 1);
            match (images, labels) {
                (Ok(images), Ok(labels)) => return Ok(FashionMnistFiles { images, labels }),
                (images, labels) => searched.extend(images.err().into_iter().chain(labels.err())),
            }
        }
        Err(DataError::DatasetMissing {
            name: Self::NAME,
            searched,
            install_hint: Self::INSTALL_HINT,
        })
    }

    /// Loads the first `k` samples from explicit files, checking that pixels are unsigned bytes and that both files
    /// hold the same number of samples.
    pub fn load_files(files: &FashionMnistFiles, k: usize) -> Result<(Array2<f64>, Array1<f64>)> {
        let images = read_idx(&files.images)?;
        let labels = read_idx(&files.labels)?;
        if images.kind() != IdxType::U8 {
            return Err(DataError::Unsupported {
                path: images.path().into(),
                format: "IDX",
                what: format!(
                    "pixel type {:?} (Fashion-MNIST pixels are unsigned bytes)",
                    images.kind()
                ),
            });
        }
        if images.len() != labels.len() {
            return Err(DataError::CountMismatch {
                images_path: images.path().into(),
                images: images.len(),
                labels_path: labels.path().into(),
                labels: labels.len(),
            });
        }
        let mut x = images.head_matrix(k)?;
        x.mapv_inplace(scale_pixel);
        let y = labels.head_vector(k)?;
        Ok((x, y))
    }
}

/// A grey level 0–255 as a value in `[0, 1]`.
fn scale_pixel(p: f64) -> f64 {
    p / FashionMnist::MAX_PIXEL
}

/// The path of `{prefix}-{kind}-idx{ndim}-ubyte[.gz]` in `dir` if one of its spellings exists, else the pattern
/// that was searched (for the error message).
fn find_file(dir: &Path, prefix: &str, kind: &str, ndim: u8) -> std::result::Result<PathBuf, String> {
    let base = format!("{prefix}-{kind}-idx{ndim}-ubyte");
    let dotted = format!("{prefix}-{kind}.idx{ndim}-ubyte");
    let candidates = [format!("{base}.gz"), base.clone(), format!("{dotted}.gz"), dotted];
    for name in &candidates {
        let path = dir.join(name);
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(dir.join(format!("{base}[.gz]")).display().to_string())
}

/// Classes 0–4 → −1 and 5–9 → +1: the binary Fashion-MNIST problem (tops, trousers, dresses, coats against shoes,
/// shirts and bags).
pub fn binary_labels(labels: &Array1<f64>) -> Array1<f64> {
    labels.mapv(|c| if c <= 4.0 { -1.0 } else { 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idx::tests::idx_bytes;
    use ndarray::array;

    #[test]
    fn search_dirs_follow_the_environment_variable() {
        assert_eq!(
            FashionMnist::search_dirs_for(None),
            vec![PathBuf::from(FashionMnist::DEFAULT_DIR)]
        );
        assert_eq!(
            FashionMnist::search_dirs_for(Some(PathBuf::new())),
            vec![PathBuf::from(FashionMnist::DEFAULT_DIR)]
        );
        assert_eq!(
            FashionMnist::search_dirs_for(Some(PathBuf::from("/data"))),
            vec![PathBuf::from("/data"), PathBuf::from("/data/fashion-mnist")]
        );
    }

    #[test]
    fn missing_data_set_lists_searched_paths_and_hint() {
        let dirs = vec![PathBuf::from("/nonexistent/a"), PathBuf::from("/nonexistent/b")];
        let err = FashionMnist::locate_in(&dirs, Split::Test).unwrap_err();
        let DataError::DatasetMissing {
            name,
            searched,
            install_hint,
        } = &err
        else {
            panic!("wrong error {err:?}");
        };
        assert_eq!(*name, "fashion-mnist");
        assert_eq!(*install_hint, "apt-get install dataset-fashion-mnist");
        assert_eq!(searched.len(), 4);
        assert_eq!(searched[0], "/nonexistent/a/t10k-images-idx3-ubyte[.gz]");
        assert!(err.to_string().contains("apt-get install dataset-fashion-mnist"));
    }

    #[test]
    fn loads_a_small_fake_data_set() {
        let dir = std::env::temp_dir().join(format!("gradus-data-fashion-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pixels: Vec<u8> = (0..3 * 4).map(|k| (k * 20) as u8).collect();
        std::fs::write(
            dir.join("train-images-idx3-ubyte"),
            idx_bytes(0x08, &[3, 2, 2], &pixels),
        )
        .unwrap();
        std::fs::write(dir.join("train-labels-idx1-ubyte"), idx_bytes(0x08, &[3], &[9, 0, 5])).unwrap();
        let files = FashionMnist::locate_in(std::slice::from_ref(&dir), Split::Train).unwrap();
        let (x, y) = FashionMnist::load_files(&files, usize::MAX).unwrap();
        assert_eq!(x.dim(), (3, 4));
        assert_eq!(x[[1, 3]], 140.0 / 255.0);
        assert_eq!(y, array![9.0, 0.0, 5.0]);
        let (x2, y2) = FashionMnist::load_files(&files, 2).unwrap();
        assert_eq!(x2.nrows(), 2);
        assert_eq!(binary_labels(&y2), array![1.0, -1.0]);
        // Mismatched counts.
        std::fs::write(dir.join("train-labels-idx1-ubyte"), idx_bytes(0x08, &[2], &[9, 0])).unwrap();
        assert!(matches!(
            FashionMnist::load_files(&files, 5),
            Err(DataError::CountMismatch {
                images: 3,
                labels: 2,
                ..
            })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn binary_split_of_classes() {
        let y: Array1<f64> = (0..10).map(f64::from).collect();
        assert_eq!(
            binary_labels(&y),
            array![-1.0, -1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
        );
    }

    /// Runs only where the Debian package is installed.
    #[test]
    fn loads_the_installed_data_set_if_present() {
        let dirs = vec![PathBuf::from(FashionMnist::DEFAULT_DIR)];
        let Ok(files) = FashionMnist::locate_in(&dirs, Split::Test) else {
            return;
        };
        let (x, y) = FashionMnist::load_files(&files, 100).unwrap();
        assert_eq!(x.dim(), (100, 784));
        assert_eq!(y.len(), 100);
        assert!(x.iter().all(|&p| (0.0..=1.0).contains(&p)));
        assert!(y.iter().all(|&c| (0.0..=9.0).contains(&c) && c.fract() == 0.0));
        let (x, y) = FashionMnist::load_files(&files, usize::MAX).unwrap();
        assert_eq!((x.nrows(), y.len()), (10_000, 10_000));
    }
}
