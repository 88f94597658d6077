//! Order-preserving parallel map, for the stages that dominate large builds (parsing a large
//! file, compiling, rendering, reading `out/`). The items are cut into contiguous blocks that
//! the threads take in turn, and the results are joined in order, so the outcome is the same as
//! one thread's.

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
///
/// The threads take blocks of items in turn from a shared counter rather than one fixed share
/// each: on a VM the two cores are rarely equally fast for a whole stage (another process, the
/// kernel's write-back, a fresh page fault), and with fixed halves the stage lasted as long as
/// the slower half. The calling thread takes blocks too.
pub fn map_on<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    min_chunk: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let min_chunk = min_chunk.max(1);
    let threads = threads.max(1).min(items.len().div_ceil(min_chunk));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    // Blocks small enough to even out the threads, large enough that taking one costs nothing.
    let block = (items.len() / (threads * BLOCKS_PER_THREAD)).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(block, std::sync::atomic::Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + block).min(items.len());
            done.push((start, items[start..end].iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut blocks = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut blocks = work();
        for w in workers {
            blocks.extend(w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        blocks
    });
    blocks.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (_, part) in blocks {
        out.extend(part);
    }
    out
}

/// How many blocks a stage's items are cut into for each thread.
const BLOCKS_PER_THREAD: usize = 8;

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

    #[test]
    fn keeps_the_order_when_some_items_are_slow() {
        // Slow items make the threads take blocks out of turn; the result is still in order.
        let items: Vec<u32> = (0..300).collect();
        let slow = |x: &u32| {
            if x.is_multiple_of(37) {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            x + 1
        };
        let expected: Vec<u32> = (1..301).collect();
        for threads in [2, 3, 8] {
            assert_eq!(map_on(&items, threads, 1, slow), expected);
        }
    }
}
