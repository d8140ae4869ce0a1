//! SciPy's sparse `.npz` files (`scipy.sparse.save_npz`), read into a CSR [`Design`].
//!
//! # Format
//!
//! A ZIP archive (stored or deflated, as `np.savez` / `np.savez_compressed` write it) of NPY files:
//!
//! | member | holds |
//! |---|---|
//! | `format.npy` | the string `csr` (bytes `|S3` or unicode `<U3`) |
//! | `shape.npy` | `(nrows, ncols)`, integers |
//! | `indptr.npy` | `nrows + 1` row offsets, integers |
//! | `indices.npy` | `nnz` column indices, integers |
//! | `data.npy` | `nnz` values (any element type the [`npy`](crate::npy) reader reads) |
//!
//! Only CSR is read (`csc`, `coo`, … are refused with [`DataError::Unsupported`], naming the format found). Column
//! indices need not be sorted within a row and duplicates are summed, as SciPy does; explicit zeros are kept.
//! Every error names the archive and the member, e.g. `data.npz/indices.npy: element 3 is 7.5 …`.

use std::io::{Read, Seek};
use std::path::Path;

use gradus_oracle::design::{Csr, Design};
use ndarray::{Array1, ArrayD};

use crate::error::{DataError, Result};
use crate::npy::{parse_npy, parse_npy_string};

/// The format's name in error messages.
const FORMAT: &str = "NPZ";
/// The members a SciPy CSR archive needs, for error messages.
const MEMBERS: &str = "format.npy, shape.npy, indptr.npy, indices.npy and data.npy";

/// Reads a SciPy sparse `.npz` file holding a CSR matrix.
pub fn read_npz_csr(path: impl AsRef<Path>) -> Result<Design> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    parse_npz_csr(std::io::BufReader::new(file), &name)
}

/// Reads a SciPy sparse CSR `.npz` archive from any seekable reader; `name` is used in error messages.
pub fn parse_npz_csr<R: Read + Seek>(reader: R, name: &str) -> Result<Design> {
    let zip_err = |member: Option<&str>, e: zip::result::ZipError| DataError::Zip {
        path: name.into(),
        member: member.map(str::to_string),
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| zip_err(None, e))?;
    let mut member = |m: &'static str| -> Result<Vec<u8>> {
        let mut file = match archive.by_name(m) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => {
                return Err(DataError::MissingMember {
                    path: name.into(),
                    member: m,
                    expected: MEMBERS,
                });
            }
            Err(e) => return Err(zip_err(Some(m), e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| DataError::Zip {
            path: name.into(),
            member: Some(m.into()),
            reason: e.to_string(),
        })?;
        Ok(bytes)
    };
    let format = member("format.npy")?;
    let format_name = format!("{name}/format.npy");
    match parse_npy_string(&format) {
        Some(f) if f == "csr" => {}
        Some(f) => {
            return Err(DataError::Unsupported {
                path: format_name,
                format: FORMAT,
                what: format!("sparse format '{f}' (only csr is read; convert with .tocsr())"),
            });
        }
        None => {
            return Err(DataError::Malformed {
                path: format_name,
                format: FORMAT,
                offset: 0,
                reason: "expected an NPY string array holding 'csr'".into(),
            });
        }
    }
    let shape = integers(&member("shape.npy")?, &format!("{name}/shape.npy"), usize::MAX)?;
    let shape_name = format!("{name}/shape.npy");
    let &[nrows, ncols] = shape.as_slice() else {
        return Err(DataError::BadShape {
            path: shape_name,
            expected: "two integers (nrows, ncols)",
            shape: vec![shape.len()],
        });
    };
    let indptr_name = format!("{name}/indptr.npy");
    let indices_name = format!("{name}/indices.npy");
    let data_name = format!("{name}/data.npy");
    let indptr = integers(&member("indptr.npy")?, &indptr_name, usize::MAX)?;
    let indices = integers(&member("indices.npy")?, &indices_name, ncols.saturating_sub(1))?;
    let data = vector(parse_npy(&member("data.npy")?, &data_name)?, &data_name)?;
    if indptr.len() != nrows + 1 {
        return Err(mismatch(
            &indptr_name,
            format!("{} entries, expected nrows + 1 = {}", indptr.len(), nrows + 1),
        ));
    }
    if indices.len() != data.len() {
        return Err(mismatch(
            &indices_name,
            format!(
                "{} column indices but data.npy holds {} values",
                indices.len(),
                data.len()
            ),
        ));
    }
    if indptr[0] != 0 || indptr[nrows] != data.len() || indptr.windows(2).any(|w| w[1] < w[0]) {
        return Err(mismatch(
            &indptr_name,
            format!(
                "row offsets must rise from 0 to nnz = {} without decreasing",
                data.len()
            ),
        ));
    }
    let (indptr, indices, data) = canonical_rows(&indptr, &indices, data.as_slice().expect("standard layout"));
    Ok(Design::sparse(Csr::new(nrows, ncols, indptr, indices, data)?)?)
}

/// A [`DataError::Malformed`] about member `path`.
fn mismatch(path: &str, reason: String) -> DataError {
    DataError::Malformed {
        path: path.into(),
        format: FORMAT,
        offset: 0,
        reason,
    }
}

/// A 1-D array from any-rank `a` of shape `(n,)`.
fn vector(a: ArrayD<f64>, name: &str) -> Result<Array1<f64>> {
    let shape = a.shape().to_vec();
    a.into_dimensionality::<ndarray::Ix1>()
        .map_err(|_| DataError::BadShape {
            path: name.into(),
            expected: "a 1-D array",
            shape,
        })
}

/// Parses a 1-D NPY array of whole numbers in `0..=max`.
fn integers(bytes: &[u8], name: &str, max: usize) -> Result<Vec<usize>> {
    let v = vector(parse_npy(bytes, name)?, name)?;
    v.iter()
        .enumerate()
        .map(|(index, &value)| {
            if value >= 0.0 && value.fract() == 0.0 && value <= max as f64 {
                Ok(value as usize)
            } else {
                Err(DataError::Malformed {
                    path: name.into(),
                    format: FORMAT,
                    offset: 0,
                    reason: format!("element {index} is {value}, expected a whole number in 0..={max}"),
                })
            }
        })
        .collect()
}

/// Sorts each row's entries by column and sums duplicate columns (SciPy's `sum_duplicates`).
fn canonical_rows(indptr: &[usize], indices: &[usize], data: &[f64]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut out_ptr = Vec::with_capacity(indptr.len());
    let mut out_idx: Vec<u32> = Vec::with_capacity(indices.len());
    let mut out_val = Vec::with_capacity(data.len());
    out_ptr.push(0);
    let mut row: Vec<(usize, f64)> = Vec::new();
    for w in indptr.windows(2) {
        row.clear();
        row.extend((w[0]..w[1]).map(|k| (indices[k], data[k])));
        row.sort_by_key(|&(j, _)| j);
        let start = out_idx.len();
        for &(j, v) in &row {
            // Column indices were checked to be < ncols, which fits in 32 bits (Csr::new checks ncols).
            let j = j as u32;
            if out_idx.len() > start && out_idx.last() == Some(&j) {
                *out_val.last_mut().expect("a value per index") += v;
            } else {
                out_idx.push(j);
                out_val.push(v);
            }
        }
        out_ptr.push(out_idx.len());
    }
    (out_ptr, out_idx, out_val)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use ndarray::{ArrayView1, array};
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::npy::npy_bytes_vector;

    /// An NPY file of a `|S3` string (what SciPy writes for `format`).
    fn npy_string(s: &str) -> Vec<u8> {
        let dict = format!("{{'descr': '|S{}', 'fortran_order': False, 'shape': (), }}\n", s.len());
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.extend_from_slice(s.as_bytes());
        out
    }

    /// An NPY file of little-endian int32 values.
    fn npy_i4(values: &[i32]) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '<i4', 'fortran_order': False, 'shape': ({},), }}\n",
            values.len()
        );
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        out
    }

    /// A ZIP archive of the given members, deflated or stored.
    fn zip_bytes(members: &[(&str, Vec<u8>)], deflate: bool) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let method = if deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        for (name, bytes) in members {
            w.start_file(*name, SimpleFileOptions::default().compression_method(method))
                .unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// The members of [[1, 0, 2], [0, 0, 0], [0, 3, 4]] with row 0 unsorted and row 2 holding a duplicate.
    fn members(format: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("format.npy", npy_string(format)),
            ("shape.npy", npy_i4(&[3, 3])),
            ("indptr.npy", npy_i4(&[0, 2, 2, 5])),
            ("indices.npy", npy_i4(&[2, 0, 1, 2, 2])),
            (
                "data.npy",
                npy_bytes_vector(ArrayView1::from(&[2.0, 1.0, 3.0, 1.5, 2.5])),
            ),
        ]
    }

    #[test]
    fn reads_csr_stored_and_deflated() {
        for deflate in [false, true] {
            let bytes = zip_bytes(&members("csr"), deflate);
            let x = parse_npz_csr(Cursor::new(bytes), "m.npz").unwrap();
            assert!(x.is_sparse());
            assert_eq!((x.nrows(), x.ncols()), (3, 3));
            let mut out = Array1::zeros(3);
            x.matvec(array![1.0, 10.0, 100.0].view(), out.view_mut());
            assert_eq!(out, array![201.0, 0.0, 430.0]);
        }
    }

    #[test]
    fn reads_a_file_from_disk() {
        let dir = std::env::temp_dir().join(format!("gradus-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.npz");
        std::fs::write(&path, zip_bytes(&members("csr"), true)).unwrap();
        assert_eq!(read_npz_csr(&path).unwrap().nrows(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_name_the_archive_and_the_member() {
        let err = |m: Vec<(&str, Vec<u8>)>| {
            parse_npz_csr(Cursor::new(zip_bytes(&m, false)), "m.npz")
                .unwrap_err()
                .to_string()
        };
        assert!(err(members("csc")).starts_with("m.npz/format.npy: unsupported NPZ file: sparse format 'csc'"));
        let mut m = members("csr");
        m.retain(|(n, _)| *n != "indices.npy");
        assert!(err(m).starts_with("m.npz: the archive has no member indices.npy"));
        let mut m = members("csr");
        m[3].1 = npy_i4(&[2, 0, 1, 3, 2]);
        let e = err(m);
        assert!(
            e.starts_with("m.npz/indices.npy: byte 0: malformed NPZ file: element 3 is 3"),
            "{e}"
        );
        let mut m = members("csr");
        m[2].1 = npy_i4(&[0, 2, 2]);
        assert!(err(m).starts_with("m.npz/indptr.npy: byte 0: malformed NPZ file: 3 entries, expected nrows + 1 = 4"));
        let mut m = members("csr");
        m[4].1 = npy_bytes_vector(ArrayView1::from(&[1.0, f64::NAN, 3.0, 1.5, 2.5]));
        assert!(err(m).starts_with("m.npz/data.npy: element 1 is NaN"));
        let e = parse_npz_csr(Cursor::new(b"not a zip".to_vec()), "m.npz").unwrap_err();
        assert!(matches!(e, DataError::Zip { member: None, .. }), "{e}");
    }
}
