//! Order-preserving parallel map, for the stages that dominate large builds (parsing a large
//! file, compiling, rendering, reading `out/`). The items are cut into contiguous chunks, one
//! per core, and the results are joined in order, so the outcome is the same as one thread's.

/// How many threads a stage may use: the cores this process may run on. Looked up once: the
/// lookup reads cgroup files, which costs a small build more than some of its stages.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// `f` of every item, in the order of `items`, on up to [`threads`] threads; a chunk holds at
/// least `min_chunk` items, so small inputs stay on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], min_chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, threads(), min_chunk, f)
}

/// [`map`] on at most `threads` threads (tests pin it to show the result does not depend on it).
pub fn map_on<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    min_chunk: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(min_chunk.max(1));
    if items.len() <= chunk {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let one = map_on(&items, 1, 1, |x| x * 2);
        for threads in [2, 3, 7, 64] {
            for min in [1, 10, 999, 5000] {
                assert_eq!(map_on(&items, threads, min, |x| x * 2), one);
            }
        }
        assert!(map_on(&[] as &[u32], 4, 1, |x| *x).is_empty());
    }
}
