//! Helpers for the unit tests.

/// Deterministic pseudo-random numbers (xorshift64) for tests that try many inputs: each call
/// gives a number below its argument (0 for 0). `seed` must not be 0.
pub fn numbers(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    }
}
