//! Numbers as little-endian blobs, the notebook's one array format.

/// The little-endian bytes of `values`.
pub fn to_le<T: Copy, const K: usize>(values: &[T], to: impl Fn(T) -> [u8; K]) -> Vec<u8> {
    values.iter().flat_map(|&v| to(v)).collect()
}

/// Values read back from `bytes` (trailing bytes of a partial value are ignored).
pub fn from_le<T, const K: usize>(bytes: &[u8], from: impl Fn([u8; K]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(K)
        .map(|c| from(c.try_into().expect("chunks of K bytes")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let v = [1.5f64, -0.0, f64::MAX, 1e-300];
        assert_eq!(from_le(&to_le(&v, f64::to_le_bytes), f64::from_le_bytes), v);
        let w = [7u32, 0, u32::MAX];
        assert_eq!(from_le(&to_le(&w, u32::to_le_bytes), u32::from_le_bytes), w);
    }
}
