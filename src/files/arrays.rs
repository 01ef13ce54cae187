//! Named arrays from the files frameworks save weights in: NumPy `.npz` (a zip of `.npy`
//! arrays, as `np.savez` and `np.savez_compressed` write them) and `.safetensors`. Values are
//! widened to f64, C order; `.npy` arrays may be floating-point, integer or boolean (a task's
//! condition labels), safetensors floating-point.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use half::{bf16, f16};

use crate::LabError;

/// One array: its shape and its values in C (row-major) order.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f64>,
}

/// The arrays of one file by name. Keras 2 names end in `:0`; that suffix is dropped.
pub type Arrays = BTreeMap<String, Array>;

/// Most bytes an array file may hold, on disk and (for `.npz`) inflated: an eighth of this
/// machine's memory, at most 1 GiB (the f32 weights of an LSTM of 8,192 units, the widest
/// rnnlab trains).
pub fn max_array_bytes() -> u64 {
    (crate::experiment::limits::machine_memory() / 8.0).min((1u64 << 30) as f64) as u64
}

/// Reads every array of an `.npz` or `.safetensors` file; the error names the file and, where
/// one is at fault, the array. Only a regular file is read, its format is told from its first
/// bytes, and nothing is read or inflated past [`max_array_bytes`].
pub fn read_arrays(path: &Path) -> Result<Arrays, LabError> {
    let bad = |m: String| LabError::Invalid(format!("{}: {m}", path.display()));
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let expected = match extension.as_deref() {
        Some("npz") => "npz",
        Some("safetensors") => "safetensors",
        _ => {
            return Err(bad(
                "not an .npz or .safetensors file (save the state_dict as one of those; \
                 see README \"rnnlab import\")"
                    .into(),
            ))
        }
    };
    let bytes = crate::files::read_bounded(path, max_array_bytes())?;
    arrays_of(path, expected, &bytes)
}

/// The arrays of a file's `bytes` already read (`path` names it in errors), in the format
/// `expected` (`npz` or `safetensors`).
pub fn arrays_of(path: &Path, expected: &str, bytes: &[u8]) -> Result<Arrays, LabError> {
    let bad = |m: String| LabError::Invalid(format!("{}: {m}", path.display()));
    let limit = max_array_bytes();
    let arrays = match (expected, format_of(bytes)) {
        ("npz", Some("npz")) => read_npz(bytes, limit),
        ("safetensors", Some("safetensors")) => read_safetensors(bytes),
        (_, Some(other)) => Err(format!("named .{expected} but it is a .{other} file")),
        (_, None) => Err(format!(
            "not a readable .{expected} file (it does not start as {} does)",
            if expected == "npz" {
                "a zip archive"
            } else {
                "a safetensors header"
            }
        )),
    }
    .map_err(bad)?;
    if arrays.is_empty() {
        return Err(bad("holds no arrays".into()));
    }
    Ok(arrays)
}

/// The format told from a file's first bytes: a zip archive (`.npz`) or a safetensors header
/// (8-byte little-endian length, then a JSON object).
fn format_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some("npz");
    }
    let header = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    (header >= 2 && bytes.get(8) == Some(&b'{')).then_some("safetensors")
}

fn named(name: &str) -> String {
    name.strip_suffix(":0").unwrap_or(name).to_string()
}

/// The arrays of an `.npz`, inflating at most `limit` bytes in all: each entry is read up to
/// the size its header declares (and refused if it inflates past it).
fn read_npz(bytes: &[u8], limit: u64) -> Result<Arrays, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable .npz (zip) file: {e}"))?;
    let mut arrays = Arrays::new();
    let mut budget = limit;
    for k in 0..zip.len() {
        let entry = zip.by_index(k).map_err(|e| format!("zip entry {k}: {e}"))?;
        let name = entry.name().to_string();
        let Some(stem) = name.strip_suffix(".npy") else {
            continue;
        };
        let declared = entry.size();
        if declared > budget {
            return Err(format!(
                "array {stem}: {declared} bytes inflated; rnnlab reads at most {limit} bytes of \
                 arrays from one file"
            ));
        }
        budget -= declared;
        let mut npy = Vec::with_capacity(declared.min(1 << 20) as usize);
        entry
            .take(declared + 1)
            .read_to_end(&mut npy)
            .map_err(|e| format!("array {stem}: {e}"))?;
        if npy.len() as u64 != declared {
            return Err(format!(
                "array {stem}: inflates to {}{} bytes, its zip header says {declared}",
                if npy.len() as u64 > declared {
                    "more than "
                } else {
                    ""
                },
                npy.len().min(declared as usize)
            ));
        }
        let array = parse_npy(&npy).map_err(|e| format!("array {stem}: {e}"))?;
        arrays.insert(named(stem), array);
    }
    Ok(arrays)
}

/// One `.npy` array (format versions 1 to 3) of a float, integer or boolean type.
pub fn parse_npy(bytes: &[u8]) -> Result<Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not in NumPy's .npy format".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!(".npy format version {v} is not supported")),
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated .npy header")?;
    let descr = header_value(header, "descr")
        .and_then(|d| {
            let quote = d.chars().next()?;
            d[quote.len_utf8()..].split(quote).next()
        })
        .map(str::to_string)
        .ok_or("the .npy header has no descr")?;
    let fortran = header_value(header, "fortran_order").is_some_and(|v| v.starts_with("True"));
    let shape_text = header_value(header, "shape").ok_or("the .npy header has no shape")?;
    let shape: Vec<usize> = shape_text
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<usize>()
                .map_err(|_| format!("bad shape {shape_text}"))
        })
        .collect::<Result<_, _>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("shape too large")?;
    let (little, kind) = match descr.as_bytes().first() {
        Some(b'<' | b'|' | b'=') => (true, &descr[1..]),
        Some(b'>') => (false, &descr[1..]),
        _ => (true, descr.as_str()),
    };
    let width = match kind {
        "f2" | "i2" | "u2" => 2,
        "f4" | "i4" | "u4" => 4,
        "f8" | "i8" | "u8" => 8,
        "i1" | "u1" | "b1" => 1,
        other => {
            return Err(format!(
                "dtype {other} is not a number type (save the arrays as float32 or int64)"
            ))
        }
    };
    let body = &bytes[start + header_len..];
    let need = count
        .checked_mul(width)
        .filter(|&n| n <= body.len())
        .ok_or_else(|| {
            format!(
                "truncated: shape {shape:?} of {width}-byte values needs more than the {} \
                 bytes the file has",
                body.len()
            )
        })?;
    let data: Vec<f64> = body[..need]
        .chunks_exact(width)
        .map(|c| {
            let mut b = c.to_vec();
            if !little {
                b.reverse();
            }
            match kind {
                "f2" => f64::from(f16::from_le_bytes([b[0], b[1]])),
                "f4" => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
                "f8" => f64::from_le_bytes(b.try_into().expect("8 bytes")),
                "i1" => f64::from(b[0] as i8),
                "u1" | "b1" => f64::from(b[0]),
                "i2" => f64::from(i16::from_le_bytes([b[0], b[1]])),
                "u2" => f64::from(u16::from_le_bytes([b[0], b[1]])),
                "i4" => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                "u4" => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                "i8" => i64::from_le_bytes(b.try_into().expect("8 bytes")) as f64,
                _ => u64::from_le_bytes(b.try_into().expect("8 bytes")) as f64,
            }
        })
        .collect();
    let data = if fortran && shape.len() > 1 {
        from_fortran(&data, &shape)
    } else {
        data
    };
    Ok(Array { shape, data })
}

/// The text after `'key':` in a .npy header dictionary, up to the end of the header.
fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    Some(rest.trim_start().strip_prefix(':')?.trim_start())
}

/// Column-major values of `shape` in row-major order.
fn from_fortran(data: &[f64], shape: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; data.len()];
    let mut index = vec![0usize; shape.len()];
    for value in data {
        // `index` runs through the array with the first dimension fastest.
        let flat = index.iter().zip(shape).fold(0, |a, (&i, &d)| a * d + i);
        out[flat] = *value;
        for (i, &d) in index.iter_mut().zip(shape) {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

fn read_safetensors(bytes: &[u8]) -> Result<Arrays, String> {
    use safetensors::Dtype;
    let file = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a readable .safetensors file: {e}"))?;
    let mut arrays = Arrays::new();
    for (name, view) in file.iter() {
        let raw = view.data();
        let data: Vec<f64> = match view.dtype() {
            Dtype::F32 => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
                .collect(),
            Dtype::F64 => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
            Dtype::F16 => raw
                .chunks_exact(2)
                .map(|c| f64::from(f16::from_le_bytes([c[0], c[1]])))
                .collect(),
            Dtype::BF16 => raw
                .chunks_exact(2)
                .map(|c| f64::from(bf16::from_le_bytes([c[0], c[1]])))
                .collect(),
            other => {
                return Err(format!(
                    "array {name}: dtype {other:?} is not a floating-point type (save the \
                     weights as float32)"
                ))
            }
        };
        arrays.insert(
            named(name),
            Array {
                shape: view.shape().to_vec(),
                data,
            },
        );
    }
    Ok(arrays)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::npz::{f32_npy, f64_npy, npy};

    #[test]
    fn reads_back_what_the_exporter_writes() {
        let a = parse_npy(&f32_npy(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let b = parse_npy(&f64_npy(&[0.25], &[1])).unwrap();
        assert_eq!((b.shape, b.data), (vec![1], vec![0.25]));
    }

    #[test]
    fn fortran_order_big_endian_and_half_precision() {
        // [[1, 2, 3], [4, 5, 6]] stored column by column, big-endian f8.
        let column_major = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0];
        let bytes: Vec<u8> = column_major.iter().flat_map(|v| v.to_be_bytes()).collect();
        let mut raw = npy(">f8", &[2, 3], &bytes);
        // Same header length: "False" → "True ".
        let at = raw.windows(5).position(|w| w == b"False").unwrap();
        raw[at..at + 5].copy_from_slice(b"True ");
        let a = parse_npy(&raw).unwrap();
        assert_eq!(a.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        // 1.0, -2.0, 0.5 and the smallest subnormal in IEEE half precision.
        let halves: Vec<u8> = [0x3c00u16, 0xc000, 0x3800, 0x0001]
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect();
        let h = parse_npy(&npy("<f2", &[4], &halves)).unwrap();
        assert_eq!(h.data, vec![1.0, -2.0, 0.5, 2f64.powi(-24)]);
    }

    #[test]
    fn mangled_files_are_refused_without_a_panic() {
        let good = f32_npy(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
        // Every byte of the header and the start of the data, set to characters that upset
        // parsers: quotes, brackets, digits, a multi-byte character's first byte, NUL, 0xff.
        for at in 0..good.len().min(80) {
            for b in [b'\'', b'"', b'(', b')', b',', b'9', 0xc3, 0, 0xff, b' '] {
                let mut bad = good.clone();
                bad[at] = b;
                let _ = parse_npy(&bad);
                let _ = parse_npy(&bad[..at]);
            }
        }
        let mut accented = good.clone();
        let at = accented.windows(3).position(|w| w == b"'<f").unwrap();
        accented.splice(at..at + 1, "é".bytes());
        assert!(parse_npy(&accented).is_err());
    }

    #[test]
    fn reads_numbers_and_refuses_what_is_not_one() {
        assert!(parse_npy(b"not numpy")
            .unwrap_err()
            .contains("NumPy's .npy"));
        // Integers and booleans are read (a task's condition labels), widened to f64.
        let ints = npy(
            "<i8",
            &[2],
            &[(-7i64).to_le_bytes(), 9i64.to_le_bytes()].concat(),
        );
        assert_eq!(parse_npy(&ints).unwrap().data, vec![-7.0, 9.0]);
        let small = npy("|u1", &[2], &[3u8, 255]);
        assert_eq!(parse_npy(&small).unwrap().data, vec![3.0, 255.0]);
        let complex = npy("<c16", &[1], &[0u8; 16]);
        assert!(parse_npy(&complex)
            .unwrap_err()
            .contains("not a number type"));
        let short = npy("<f4", &[4], &[0u8; 8]);
        assert!(parse_npy(&short).unwrap_err().contains("truncated"));
    }
}
