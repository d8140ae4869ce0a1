//! The error type of gradus-data.
//!
//! Every variant carries what was wrong and where: the file (or the name given to an in-memory input), the 1-based
//! line and byte column for text formats, the byte offset or element index for binary formats, the parameter name
//! and value for bad arguments. The messages can be shown to a user as they are, for example
//! `data.svm:17: feature index 0 is not >= 1 (LIBSVM indices are 1-based)`.

use gradus_oracle::error::OracleError;
use thiserror::Error;

/// Everything that can go wrong when reading, generating or preprocessing data.
#[derive(Debug, Error)]
pub enum DataError {
    /// Opening or reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Creating or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A LIBSVM line whose label is not a number.
    #[error("{path}:{line}: label `{token}` is not a number")]
    BadLabel {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The label as written (shortened if long).
        token: String,
    },
    /// A LIBSVM label that parses to NaN or ±∞.
    #[error("{path}:{line}: label {value} is not finite")]
    NonFiniteLabel {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The parsed label.
        value: f64,
    },
    /// A LIBSVM token that is not of the form `index:value`.
    #[error("{path}:{line}:{column}: token `{token}` is not of the form index:value")]
    BadPair {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the token starts.
        column: usize,
        /// The token as written (shortened if long).
        token: String,
    },
    /// A LIBSVM feature index that is not an integer in `1..=4294967295`.
    #[error("{path}:{line}:{column}: feature index `{token}` is not an integer in 1..=4294967295")]
    BadIndex {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the token starts.
        column: usize,
        /// The index as written (shortened if long).
        token: String,
    },
    /// A LIBSVM feature index equal to 0.
    #[error("{path}:{line}:{column}: feature index 0 is not >= 1 (LIBSVM indices are 1-based)")]
    ZeroIndex {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the token starts.
        column: usize,
    },
    /// LIBSVM feature indices that are not strictly increasing within a line.
    #[error(
        "{path}:{line}:{column}: feature index {index} does not come after {previous} \
         (indices must be strictly increasing within a line)"
    )]
    IndexNotIncreasing {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the token starts.
        column: usize,
        /// The offending (1-based) index.
        index: u64,
        /// The (1-based) index before it on the same line.
        previous: u64,
    },
    /// A LIBSVM feature index larger than the requested number of features.
    #[error("{path}:{line}:{column}: feature index {index} exceeds n_features = {n_features}")]
    IndexOutOfRange {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the token starts.
        column: usize,
        /// The offending (1-based) index.
        index: u64,
        /// The number of features that was asked for.
        n_features: usize,
    },
    /// A LIBSVM feature value that is not a number.
    #[error("{path}:{line}:{column}: value `{token}` of feature {index} is not a number")]
    BadValue {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the `index:value` token starts.
        column: usize,
        /// The (1-based) feature index.
        index: u64,
        /// The value as written (shortened if long).
        token: String,
    },
    /// A LIBSVM feature value that parses to NaN or ±∞.
    #[error("{path}:{line}:{column}: value {value} of feature {index} is not finite")]
    NonFiniteValue {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based byte column where the `index:value` token starts.
        column: usize,
        /// The (1-based) feature index.
        index: u64,
        /// The parsed value.
        value: f64,
    },
    /// A data file without a single sample.
    #[error("{path}: no samples (every line is blank or a comment)")]
    NoSamples {
        /// The file.
        path: String,
    },
    /// A dense matrix was requested that would exceed the configured size limit.
    #[error(
        "{path}: a dense {nrows} x {ncols} matrix exceeds max_dense_elements = {max}; \
         read it as sparse or raise the limit"
    )]
    DenseTooLarge {
        /// The file.
        path: String,
        /// Number of rows.
        nrows: usize,
        /// Number of columns.
        ncols: usize,
        /// The limit on rows × columns.
        max: usize,
    },

    /// A binary file (NPY, IDX) whose bytes do not follow the format.
    #[error("{path}: byte {offset}: malformed {format} file: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// `"NPY"`, `"IDX"`, …
        format: &'static str,
        /// Byte offset where the problem was found (in the decompressed stream for gzip files).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A well-formed binary file using a feature this crate does not read (a data type, for instance).
    #[error("{path}: unsupported {format} file: {what}")]
    Unsupported {
        /// The file.
        path: String,
        /// `"NPY"`, `"IDX"`, …
        format: &'static str,
        /// The feature, with the value found.
        what: String,
    },
    /// A binary file whose data section is shorter or longer than its header says.
    #[error("{path}: the {format} header describes {expected} data bytes but the file holds {actual}")]
    SizeMismatch {
        /// The file.
        path: String,
        /// `"NPY"`, `"IDX"`, …
        format: &'static str,
        /// Bytes the header describes (saturated at `u64::MAX` if the product overflows).
        expected: u64,
        /// Bytes present (for gzip files: up to one byte past `expected`, since reading stops there).
        actual: u64,
    },
    /// An array of the wrong number of dimensions.
    #[error("{path}: expected {expected}, found shape {shape:?}")]
    BadShape {
        /// The file.
        path: String,
        /// What was expected, e.g. `"a 1-D array"`.
        expected: &'static str,
        /// The shape found.
        shape: Vec<usize>,
    },
    /// A NaN or infinite element of a 1-D array (or of the flat data of an array of other rank).
    #[error("{path}: element {index} is {value} (data must be finite)")]
    NonFiniteElement {
        /// The file.
        path: String,
        /// 0-based element index.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A NaN or infinite element of a matrix.
    #[error("{path}: element [{row}, {column}] is {value} (data must be finite)")]
    NonFiniteMatrixElement {
        /// The file.
        path: String,
        /// 0-based row.
        row: usize,
        /// 0-based column.
        column: usize,
        /// The value found.
        value: f64,
    },
    /// A ZIP archive (SciPy's `.npz`) that cannot be opened or read.
    #[error("{path}: cannot read the ZIP archive{}: {reason}", .member.as_ref().map(|m| format!(" member {m}")).unwrap_or_default())]
    Zip {
        /// The file.
        path: String,
        /// The archive member being read, if any.
        member: Option<String>,
        /// The ZIP library's message.
        reason: String,
    },
    /// A `.npz` archive without a member the format requires.
    #[error("{path}: the archive has no member {member} (a SciPy sparse .npz holds {expected})")]
    MissingMember {
        /// The file.
        path: String,
        /// The missing member.
        member: &'static str,
        /// The members the format needs.
        expected: &'static str,
    },
    /// A gzip stream that cannot be decompressed.
    #[error("{path}: gzip decompression failed after {offset} decompressed bytes: {source}")]
    Decompress {
        /// The file.
        path: String,
        /// Decompressed bytes read before the failure.
        offset: u64,
        /// The decoder's error.
        source: std::io::Error,
    },

    /// A data set that is not installed.
    #[error(
        "data set {name} not found (searched {}); install it with `{install_hint}` \
         or point the GRADUS_DATA_DIR environment variable at a directory holding its files",
        .searched.join(", ")
    )]
    DatasetMissing {
        /// The data set's name.
        name: &'static str,
        /// Every path that was tried.
        searched: Vec<String>,
        /// The command that installs it.
        install_hint: &'static str,
    },
    /// An image file and a label file with different numbers of samples.
    #[error("{images_path} holds {images} samples but {labels_path} holds {labels} labels")]
    CountMismatch {
        /// The image (feature) file.
        images_path: String,
        /// Its number of samples.
        images: usize,
        /// The label file.
        labels_path: String,
        /// Its number of labels.
        labels: usize,
    },
    /// Labels that cannot be mapped to ±1 because they take more than two values.
    #[error("labels are not binary: they take {distinct} distinct values ({}), expected 2", preview(.values))]
    NotBinary {
        /// The number of distinct label values.
        distinct: usize,
        /// The smallest distinct values (at most 10).
        values: Vec<f64>,
    },
    /// A function argument outside its range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name as the caller writes it.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// An error from gradus-oracle (building a design matrix, for instance).
    #[error(transparent)]
    Oracle(#[from] OracleError),
}

/// `Result` with [`DataError`].
pub type Result<T> = std::result::Result<T, DataError>;

/// Formats label values as `a, b, c, …`.
fn preview(values: &[f64]) -> String {
    let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    shown.join(", ")
}

/// Longest token reproduced in an error message, in bytes.
const MAX_SNIPPET: usize = 40;

/// A printable, shortened copy of an input token for error messages (invalid UTF-8 is replaced).
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let short = &bytes[..bytes.len().min(MAX_SNIPPET)];
    let mut s = String::from_utf8_lossy(short).into_owned();
    if bytes.len() > MAX_SNIPPET {
        s.push('…');
    }
    s
}

/// An [`DataError::InvalidParameter`] with a formatted value.
pub(crate) fn invalid(name: &'static str, value: impl std::fmt::Display, reason: &'static str) -> DataError {
    DataError::InvalidParameter {
        name,
        value: value.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_line_and_problem() {
        let e = DataError::ZeroIndex {
            path: "data.svm".into(),
            line: 17,
            column: 4,
        };
        assert_eq!(
            e.to_string(),
            "data.svm:17:4: feature index 0 is not >= 1 (LIBSVM indices are 1-based)"
        );
        let e = DataError::NotBinary {
            distinct: 3,
            values: vec![0.0, 1.0, 2.0],
        };
        assert_eq!(
            e.to_string(),
            "labels are not binary: they take 3 distinct values (0, 1, 2), expected 2"
        );
        let e = DataError::DatasetMissing {
            name: "fashion-mnist",
            searched: vec!["/a".into(), "/b".into()],
            install_hint: "apt-get install dataset-fashion-mnist",
        };
        assert!(e.to_string().contains("searched /a, /b"));
    }

    #[test]
    fn snippets_are_short_and_lossy() {
        assert_eq!(snippet(b"abc"), "abc");
        assert_eq!(snippet(&[0xff, b'a']), "\u{fffd}a");
        let long = vec![b'x'; 100];
        assert_eq!(snippet(&long).chars().count(), MAX_SNIPPET + 1);
    }
}
