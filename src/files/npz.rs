//! NumPy `.npz` files: a zip of `.npy` arrays, written beside the target and renamed into
//! place, so an interrupted export never leaves a truncated file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::LabError;

/// One array in NumPy's .npy format (version 1.0).
pub fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// f32 values of `shape`.
pub fn f32_npy(values: &[f32], shape: &[usize]) -> Vec<u8> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy("<f4", shape, &bytes)
}

/// A unicode string scalar.
pub fn text_npy(s: &str) -> Vec<u8> {
    let bytes: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    npy(&format!("<U{}", s.chars().count().max(1)), &[], &bytes)
}

/// An int64 scalar.
pub fn int_npy(v: i64) -> Vec<u8> {
    npy("<i8", &[], &v.to_le_bytes())
}

/// f64 values of `shape`.
pub fn f64_npy(values: &[f64], shape: &[usize]) -> Vec<u8> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy("<f8", shape, &bytes)
}

/// Complex values, given as (re, im) pairs, of `shape`.
pub fn complex_npy(pairs: &[[f64; 2]], shape: &[usize]) -> Vec<u8> {
    let bytes: Vec<u8> = pairs
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    npy("<c16", shape, &bytes)
}

/// int64 values of `shape`.
pub fn ints_npy(values: &[i64], shape: &[usize]) -> Vec<u8> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy("<i8", shape, &bytes)
}

/// An `.npz` being written.
pub struct Npz {
    zip: zip::ZipWriter<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl Npz {
    /// Starts `path` (as `path.partial` until [`Npz::finish`]).
    pub fn create(path: &Path) -> Result<Npz, LabError> {
        let tmp = crate::files::partial_path(path);
        let file = File::create(&tmp).map_err(|source| LabError::Io {
            path: tmp.clone(),
            source,
        })?;
        Ok(Npz {
            zip: zip::ZipWriter::new(BufWriter::new(file)),
            tmp,
            path: path.to_path_buf(),
        })
    }

    fn io(&self, source: std::io::Error) -> LabError {
        LabError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds `name.npy` holding `npy` (from the functions above).
    pub fn add(&mut self, name: &str, npy: &[u8]) -> Result<(), LabError> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        self.zip
            .start_file(format!("{name}.npy"), options)
            .map_err(|z| LabError::Invalid(format!("{}: {z}", self.path.display())))?;
        self.zip.write_all(npy).map_err(|e| self.io(e))
    }

    /// Completes the archive, syncs it and renames it into place.
    pub fn finish(self) -> Result<(), LabError> {
        let path = self.path.clone();
        let io = |source| LabError::Io {
            path: path.clone(),
            source,
        };
        let file = self
            .zip
            .finish()
            .map_err(|z| LabError::Invalid(format!("{}: {z}", path.display())))?;
        file.into_inner()
            .map_err(|b| io(b.into_error()))?
            .sync_all()
            .map_err(io)?;
        crate::files::publish(&self.tmp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_aligned_and_describe_the_array() {
        let a = f32_npy(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        assert_eq!(&a[..8], b"\x93NUMPY\x01\x00");
        let len = u16::from_le_bytes([a[8], a[9]]) as usize;
        assert_eq!((10 + len) % 64, 0);
        let header = std::str::from_utf8(&a[10..10 + len]).unwrap();
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        assert!(header.ends_with('\n'));
        assert_eq!(a.len(), 10 + len + 24);
        assert_eq!(
            f32::from_le_bytes(a[10 + len..14 + len].try_into().unwrap()),
            1.0
        );
        assert!(String::from_utf8_lossy(&f32_npy(&[1.0], &[1])).contains("'shape': (1,)"));
        let t = text_npy("gru");
        assert!(String::from_utf8_lossy(&t).contains("'descr': '<U3'"));
        assert!(String::from_utf8_lossy(&t).contains("'shape': ()"));
    }

    #[test]
    fn complex_and_integer_arrays_say_their_type() {
        let c = complex_npy(&[[1.0, -2.0]], &[1]);
        assert!(String::from_utf8_lossy(&c).contains("'descr': '<c16'"));
        assert_eq!(c.len() % 16, 0);
        assert!(String::from_utf8_lossy(&ints_npy(&[3, 4], &[2])).contains("'descr': '<i8'"));
        assert!(String::from_utf8_lossy(&f64_npy(&[0.5; 6], &[2, 3])).contains("(2, 3)"));
    }
}
