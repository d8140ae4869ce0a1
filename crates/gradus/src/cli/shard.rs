//! Reading one process's rows of a data file, for runs split over nodes (`gradus decentral`, `gradus fit
//! --nodes`).
//!
//! The n samples are split over the m nodes in contiguous blocks, in file order, as equal as possible:
//! node i holds rows [`blocks`]`(n, m)[i]` (the first n mod m nodes one row more). A process holding nodes
//! a..b reads only rows of those nodes:
//! - **LIBSVM** (plain or gzip): every process reads the file once to count the samples (a sample is a line with a
//!   token before any `#`, as gradus-data's reader counts them), then parses only its own lines; the others are
//!   passed to the parser as empty lines, so error messages keep the file's line numbers. The number of features is
//!   the largest index over all processes (agreed by a reduction).
//! - **NPY** (2-D, C order): the header gives n and d; the process seeks to its rows and reads only them (other
//!   layouts and IDX files are read whole, then sliced).
//! - **Labels** (`--labels`, an NPY vector): the same rows.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use gradus_data::DataError;
use gradus_data::libsvm::{LibsvmOptions, binary_pm1, parse_libsvm};
use gradus_data::npy::{parse_npy_matrix, parse_npy_vector, read_npy_matrix, read_npy_vector};
use gradus_oracle::Design;
use gradus_oracle::design::Csr;
use ndarray::{Array1, Array2, s};

use super::CliError;

/// Contiguous blocks of `count` items over `parts` owners, in order, as equal as possible (the first
/// count mod parts blocks one item larger).
pub fn blocks(count: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let (q, r) = (count / parts, count % parts);
    (0..parts)
        .map(|p| {
            let start = p * q + p.min(r);
            start..start + q + usize::from(p < r)
        })
        .collect()
}

fn io(path: &Path, source: std::io::Error) -> CliError {
    DataError::Io {
        path: path.display().to_string(),
        source,
    }
    .into()
}

fn open(path: &Path) -> Result<BufReader<Box<dyn Read>>, CliError> {
    let file = File::open(path).map_err(|e| io(path, e))?;
    let mut reader = BufReader::new(file);
    let gzip = reader.fill_buf().map_err(|e| io(path, e))?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    Ok(BufReader::new(inner))
}

/// Whether a LIBSVM line holds a sample: a non-whitespace byte before any `#`.
fn is_sample(line: &[u8]) -> bool {
    let body = match line.iter().position(|&b| b == b'#') {
        Some(k) => &line[..k],
        None => line,
    };
    body.iter().any(|b| !b.is_ascii_whitespace())
}

/// The number of samples of a LIBSVM file.
pub fn count_libsvm_samples(path: &Path) -> Result<usize, CliError> {
    let mut reader = open(path)?;
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(|e| io(path, e))? == 0 {
            return Ok(n);
        }
        n += usize::from(is_sample(&buf));
    }
}

/// The samples `rows` of a LIBSVM file (CSR, as many columns as its largest index), with their labels; error
/// messages name the file's own line numbers.
pub fn read_libsvm_rows(path: &Path, rows: Range<usize>) -> Result<(Csr, Array1<f64>), CliError> {
    let mut reader = open(path)?;
    let mut buf = Vec::new();
    let mut kept = Vec::new();
    let mut sample = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(|e| io(path, e))? == 0 {
            break;
        }
        if is_sample(&buf) {
            if rows.contains(&sample) {
                kept.extend_from_slice(&buf);
                if !buf.ends_with(b"\n") {
                    kept.push(b'\n');
                }
            } else {
                kept.push(b'\n');
            }
            sample += 1;
            if sample >= rows.end {
                break;
            }
        } else {
            kept.push(b'\n');
        }
    }
    let data = parse_libsvm(&kept[..], &path.display().to_string(), &LibsvmOptions::default())?;
    let csr = match data.x {
        Design::Sparse(c) => c,
        Design::Dense(a) => dense_to_csr(a.view())?,
    };
    Ok((csr, data.y))
}

fn dense_to_csr(a: ndarray::ArrayView2<f64>) -> Result<Csr, CliError> {
    let mut indptr = vec![0];
    let (mut indices, mut data) = (Vec::new(), Vec::new());
    for row in a.rows() {
        for (j, &v) in row.iter().enumerate() {
            indices.push(j as u32);
            data.push(v);
        }
        indptr.push(indices.len());
    }
    Ok(Csr::new(a.nrows(), a.ncols(), indptr, indices, data)?)
}

/// The rows `rows` of a CSR matrix, with `ncols` columns (≥ its own).
pub fn csr_rows(c: &Csr, rows: Range<usize>, ncols: usize) -> Result<Csr, CliError> {
    let ptr = c.indptr();
    let (a, b) = (ptr[rows.start], ptr[rows.end]);
    let indptr = ptr[rows.start..=rows.end].iter().map(|p| p - a).collect();
    Ok(Csr::new(
        rows.len(),
        ncols,
        indptr,
        c.indices()[a..b].to_vec(),
        c.data()[a..b].to_vec(),
    )?)
}

/// An NPY header: element type, C order, shape, and where the data start.
struct NpyHeader {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
    data_start: u64,
}

fn npy_header(path: &Path) -> Result<NpyHeader, CliError> {
    let bad = |what: &str| CliError::Usage(format!("{}: cannot read the NPY header ({what})", path.display()));
    let mut f = File::open(path).map_err(|e| io(path, e))?;
    let mut pre = [0u8; 12];
    f.read_exact(&mut pre).map_err(|e| io(path, e))?;
    let (len, start) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10),
        2 | 3 => (u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]) as usize, 12),
        v => return Err(bad(&format!("version {v}"))),
    };
    if len > 1 << 20 {
        return Err(bad("header longer than 1 MiB"));
    }
    let mut text = vec![0u8; len];
    f.seek(SeekFrom::Start(start as u64)).map_err(|e| io(path, e))?;
    f.read_exact(&mut text).map_err(|e| io(path, e))?;
    let text = String::from_utf8_lossy(&text).into_owned();
    let value_after = |key: &str| text.find(key).map(|k| text[k + key.len()..].trim_start().to_string());
    let descr = value_after("'descr':")
        .and_then(|v| {
            v.strip_prefix('\'')
                .and_then(|v| v.split('\'').next())
                .map(str::to_string)
        })
        .ok_or_else(|| bad("no descr"))?;
    let fortran = value_after("'fortran_order':").is_some_and(|v| v.starts_with("True"));
    let shape_text = value_after("'shape':")
        .and_then(|v| {
            v.strip_prefix('(')
                .and_then(|v| v.split(')').next())
                .map(str::to_string)
        })
        .ok_or_else(|| bad("no shape"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<usize>().map_err(|_| bad("shape")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NpyHeader {
        descr,
        fortran,
        shape,
        data_start: (start + len) as u64,
    })
}

/// The bytes of an in-memory NPY file (version 1.0) with this element type and shape, followed by `data`.
fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

fn item_size(descr: &str) -> Option<usize> {
    descr.get(2..)?.parse().ok()
}

/// Reads `rows` of a C-order NPY array (matrix or vector) by seeking; `None` when the layout needs a whole read.
fn npy_rows_bytes(path: &Path, h: &NpyHeader, rows: &Range<usize>) -> Result<Option<Vec<u8>>, CliError> {
    let Some(item) = item_size(&h.descr) else {
        return Ok(None);
    };
    if h.fortran || h.shape.is_empty() || h.shape.len() > 2 || rows.end > h.shape[0] {
        return Ok(None);
    }
    let width = if h.shape.len() == 2 { h.shape[1] } else { 1 };
    let mut f = File::open(path).map_err(|e| io(path, e))?;
    f.seek(SeekFrom::Start(h.data_start + (rows.start * width * item) as u64))
        .map_err(|e| io(path, e))?;
    let mut data = vec![0u8; rows.len() * width * item];
    f.read_exact(&mut data).map_err(|e| {
        CliError::Usage(format!(
            "{}: the data end before row {} (the header says {:?}): {e}",
            path.display(),
            rows.end,
            h.shape
        ))
    })?;
    Ok(Some(data))
}

/// The name of a block of a file in messages.
fn block_name(path: &Path, rows: &Range<usize>) -> String {
    format!("{} (rows {}..{})", path.display(), rows.start, rows.end)
}

/// The number of rows and columns of a 2-D NPY file (from its header).
pub fn npy_matrix_shape(path: &Path) -> Result<(usize, usize), CliError> {
    let h = npy_header(path)?;
    match h.shape[..] {
        [n, d] => Ok((n, d)),
        _ => Err(CliError::Usage(format!(
            "{}: an NPY matrix must be 2-D, its shape is {:?}",
            path.display(),
            h.shape
        ))),
    }
}

/// Rows `rows` of a 2-D NPY file (seeking to them for C order).
pub fn read_npy_matrix_rows(path: &Path, rows: Range<usize>) -> Result<Array2<f64>, CliError> {
    let h = npy_header(path)?;
    if let Some(data) = npy_rows_bytes(path, &h, &rows)? {
        let bytes = npy_bytes(&h.descr, &[rows.len(), h.shape[1]], &data);
        return Ok(parse_npy_matrix(&bytes, &block_name(path, &rows))?);
    }
    Ok(read_npy_matrix(path)?.slice(s![rows, ..]).to_owned())
}

/// Entries `rows` of an NPY vector (seeking to them for a plain 1-D array).
pub fn read_npy_vector_rows(path: &Path, rows: Range<usize>) -> Result<Array1<f64>, CliError> {
    let h = npy_header(path)?;
    if h.shape.len() == 1
        && let Some(data) = npy_rows_bytes(path, &h, &rows)?
    {
        let bytes = npy_bytes(&h.descr, &[rows.len()], &data);
        return Ok(parse_npy_vector(&bytes, &block_name(path, &rows))?);
    }
    let y = read_npy_vector(path)?;
    if rows.end > y.len() {
        return Err(CliError::Usage(format!(
            "{}: {} labels, fewer than the {} rows of the data",
            path.display(),
            y.len(),
            rows.end
        )));
    }
    Ok(y.slice(s![rows]).to_owned())
}

/// The processes of a run, for the setup's agreements (the solvers talk through the `Communicator`).
pub enum Procs<'w> {
    /// One process holding every node.
    One,
    /// MPI processes.
    #[cfg(feature = "mpi")]
    Mpi(&'w gradus_decentral::mpi_backend::MpiWorld),
    #[cfg(not(feature = "mpi"))]
    #[allow(dead_code)]
    Never(std::marker::PhantomData<&'w ()>),
}

impl Procs<'_> {
    /// This process's rank.
    pub fn rank(&self) -> usize {
        match self {
            #[cfg(feature = "mpi")]
            Procs::Mpi(w) => w.rank(),
            _ => 0,
        }
    }

    /// The number of processes.
    pub fn size(&self) -> usize {
        match self {
            #[cfg(feature = "mpi")]
            Procs::Mpi(w) => w.size(),
            _ => 1,
        }
    }

    /// True on every process iff true on one.
    pub fn any(&self, flag: bool) -> bool {
        match self {
            #[cfg(feature = "mpi")]
            Procs::Mpi(w) => w.any(flag),
            _ => flag,
        }
    }

    /// Every process's `k` values, in rank order.
    pub fn gather(&self, values: &[f64]) -> Vec<f64> {
        match self {
            #[cfg(feature = "mpi")]
            Procs::Mpi(w) => {
                let counts = vec![values.len(); w.size()];
                let mut out = vec![0.0; values.len() * w.size()];
                w.all_gather_varcount(values, &counts, &mut out);
                out
            }
            _ => values.to_vec(),
        }
    }

    /// Agrees on the outcome of a local step: Ok everywhere, or every process returns an error (the failing ones
    /// their own).
    ///
    /// A failing process prints its message here, before a second collective step that every process takes: so no
    /// process exits (which makes mpirun end the job) before every message is out.
    pub fn agree<T>(&self, local: Result<T, CliError>) -> Result<T, CliError> {
        let failed_somewhere = self.any(local.is_err());
        if !failed_somewhere {
            return local;
        }
        let reported = match local {
            Err(e) => {
                eprintln!("error: {e}");
                use std::io::Write;
                let _ = std::io::stderr().flush();
                true
            }
            Ok(_) => false,
        };
        // Every process waits here until the failing ones have printed.
        self.any(false);
        Err(if reported {
            CliError::Reported
        } else {
            CliError::OtherProcess { rank: self.rank() }
        })
    }
}

/// Whether an MPI launcher started this process.
pub fn launched_by_mpi() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// This process's rows: the design (all local nodes' rows, in file order) and raw labels.
pub struct Rows {
    /// The number of samples n of the whole file.
    pub n: usize,
    /// This process's rows.
    pub x: Design,
    /// Their raw labels.
    pub y: Array1<f64>,
    /// The global index of the first row.
    pub first_row: usize,
}

impl Rows {
    /// The number of features: the widest block over every process (LIBSVM blocks may not use the last features).
    pub fn agreed_dim(&self, procs: &Procs) -> usize {
        procs
            .gather(&[self.x.ncols() as f64])
            .into_iter()
            .fold(0.0f64, f64::max) as usize
    }
}

fn is_npy(path: &Path) -> Result<bool, CliError> {
    use std::io::Read;
    let mut head = [0u8; 6];
    let mut f = std::fs::File::open(path).map_err(|source| gradus_data::DataError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let got = f.read(&mut head).unwrap_or(0);
    Ok(got == 6 && &head == b"\x93NUMPY")
}

/// Reads the rows of the nodes `nodes` of `m` (the process's block).
pub fn read_rows(data: &Path, labels: Option<&Path>, m: usize, nodes: Range<usize>) -> Result<Rows, CliError> {
    let npy = is_npy(data)?;
    let n = if npy {
        npy_matrix_shape(data)?.0
    } else {
        count_libsvm_samples(data)?
    };
    if n < m {
        return Err(CliError::Usage(format!(
            "{}: {n} samples for {m} nodes (every node needs at least one sample)",
            data.display()
        )));
    }
    let node_rows = blocks(n, m);
    let rows = node_rows[nodes.start].start..node_rows[nodes.end - 1].end;
    let (x, y) = if npy {
        (Design::dense(read_npy_matrix_rows(data, rows.clone())?)?, None)
    } else {
        let (c, y) = read_libsvm_rows(data, rows.clone())?;
        (Design::sparse(c)?, Some(y))
    };
    let y = match labels {
        Some(p) => read_npy_vector_rows(p, rows.clone())?,
        None => {
            y.ok_or_else(|| CliError::Usage(format!("{} has no labels: pass --labels FILE.npy", data.display())))?
        }
    };
    Ok(Rows {
        n,
        x,
        y,
        first_row: rows.start,
    })
}

/// The distinct values of `y` (at most `k + 1` of them, ascending, padded with NaN to k + 1).
fn distinct_padded(y: &Array1<f64>, k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = Vec::new();
    for &t in y {
        if !v.contains(&t) {
            v.push(t);
            if v.len() > k {
                break;
            }
        }
    }
    v.sort_by(f64::total_cmp);
    v.resize(k + 1, f64::NAN);
    v
}

/// The labels mapped to ±1 consistently on every process: `binary_pm1` applied to the set of labels of the whole
/// file (gathered from every process).
pub fn signed_labels(procs: &Procs, y: &Array1<f64>, source: &Path) -> Result<Array1<f64>, CliError> {
    let all = procs.gather(&distinct_padded(y, 2));
    let mut set: Vec<f64> = all.into_iter().filter(|v| !v.is_nan()).collect();
    set.sort_by(f64::total_cmp);
    set.dedup();
    let mapped =
        binary_pm1(&Array1::from(set.clone())).map_err(|e| CliError::Usage(format!("{}: {e}", source.display())))?;
    Ok(y.mapv(|t| {
        let k = set
            .iter()
            .position(|&v| v == t)
            .expect("every label is in the gathered set");
        mapped[k]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_data::npy::{write_npy_matrix, write_npy_vector};

    #[test]
    fn blocks_cover_in_order() {
        assert_eq!(blocks(10, 4), vec![0..3, 3..6, 6..8, 8..10]);
        assert_eq!(blocks(3, 3), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn libsvm_rows_keep_line_numbers_and_match_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.svm");
        std::fs::write(&p, "# head\n1 1:0.5 3:2\n\n-1 2:1 # c\n1 4:3\n-1 1:1\n").unwrap();
        assert_eq!(count_libsvm_samples(&p).unwrap(), 4);
        let whole = gradus_data::libsvm::read_libsvm(&p).unwrap();
        let Design::Sparse(wc) = &whole.x else { panic!() };
        for r in [0..2, 1..3, 3..4, 0..4] {
            let (c, y) = read_libsvm_rows(&p, r.clone()).unwrap();
            let c = csr_rows(&c, 0..c.nrows(), 4).unwrap();
            let want = csr_rows(wc, r.clone(), 4).unwrap();
            assert_eq!(c.to_dense(), want.to_dense());
            assert_eq!(y, whole.y.slice(s![r]).to_owned());
        }
        std::fs::write(&p, "1 1:0.5\n-1 2:x\n1 1:1\n").unwrap();
        assert!(read_libsvm_rows(&p, 0..1).is_ok());
        let e = read_libsvm_rows(&p, 1..3).err().unwrap().to_string();
        assert!(e.contains(":2:"), "{e}");
    }

    #[test]
    fn npy_rows_match_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let a = Array2::from_shape_fn((7, 3), |(i, j)| (i * 3 + j) as f64 + 0.5);
        write_npy_matrix(&p, &a).unwrap();
        assert_eq!(npy_matrix_shape(&p).unwrap(), (7, 3));
        let v = Array1::from_shape_fn(7, |i| i as f64);
        let q = dir.path().join("y.npy");
        write_npy_vector(&q, &v).unwrap();
        for r in [0..7, 2..5, 6..7] {
            assert_eq!(read_npy_matrix_rows(&p, r.clone()).unwrap(), a.slice(s![r.clone(), ..]));
            assert_eq!(read_npy_vector_rows(&q, r.clone()).unwrap(), v.slice(s![r]));
        }
    }
}
