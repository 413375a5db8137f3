//! Threads that step one long row together on the CPU, for cells whose step reduces over the
//! row (WTAS's softmax and spike count).
//!
//! Each thread owns a range of the row that starts and ends on a [`ROW_CHUNK`] boundary (the
//! last one at the row's end). A row reduction is done as the GPU does it: every chunk's
//! partial in `workgroup_sum`'s order, then the partials of all chunks, again in that order
//! ([`crate::reductions::row_sum`]'s two levels); the threads publish their chunks' partials,
//! wait for each other, and each combines all of them in the same order. So the result is bit
//! for bit the one-thread [`crate::reductions::row_sum`], whatever the number of threads.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use crate::reductions::{ROW_CHUNK, row_sum_of, workgroup_sum, workgroup_sum_of};

/// The reductions a row step needs: over the whole row ([`WholeRow`]) or over one thread's
/// part of it ([`TeamPart`]).
pub trait RowReduce {
    /// The row's maximum, given the maximum of this part.
    fn max(&self, local: f32) -> f32;
    /// The row's [`row_sum_of`], given this part's values.
    fn sum(&self, values: &[f32]) -> f32;
    /// The row's [`row_sum_of`] of `spikes` (each 0 or 1), given also their number `local`.
    /// Every partial sum of a row of at most [`EXACT_COUNT_LIMIT`] units is an integer the f32
    /// holds exactly, so that sum is the count, in any order: such rows add the threads'
    /// counts and do not read `spikes`; longer rows are summed.
    fn count(&self, local: u32, spikes: &[f32]) -> f32;
}

/// The longest row whose spike count [`RowReduce::count`] adds as integers: 2²⁴, up to which
/// every integer is an f32.
pub const EXACT_COUNT_LIMIT: usize = 1 << 24;

/// A whole row on one thread.
#[derive(Debug, Clone, Copy)]
pub struct WholeRow;

impl RowReduce for WholeRow {
    #[inline(always)]
    fn max(&self, local: f32) -> f32 {
        local
    }

    #[inline(always)]
    fn sum(&self, values: &[f32]) -> f32 {
        row_sum_of(values)
    }

    #[inline(always)]
    fn count(&self, local: u32, spikes: &[f32]) -> f32 {
        if spikes.len() <= EXACT_COUNT_LIMIT {
            local as f32
        } else {
            row_sum_of(spikes)
        }
    }
}

/// A barrier for a few threads that spins briefly before yielding: a step of a 1e5-unit row
/// takes tens of microseconds, about what a sleeping barrier's wake-up costs. A thread that
/// panics poisons it ([`Team::poison_on_panic`]), and the others then panic at their next wait
/// instead of waiting for ever.
#[derive(Debug)]
pub struct SpinBarrier {
    threads: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    poisoned: AtomicBool,
}

impl SpinBarrier {
    /// A barrier for `threads` threads.
    pub fn new(threads: usize) -> SpinBarrier {
        SpinBarrier {
            threads,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// Makes every present and future [`SpinBarrier::wait`] panic.
    pub fn poison(&self) {
        self.poisoned.store(true, Ordering::Release);
    }

    /// Returns once all `threads` threads have called `wait` (for this generation).
    pub fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            // Invariant: the barrier is poisoned only by a thread that is already panicking;
            // this thread then unwinds too, so that the scope ends and reports that panic.
            assert!(
                !self.poisoned.load(Ordering::Acquire),
                "another thread of the row team panicked"
            );
            if spins < 2_000 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// What the threads of one row share: the barrier and the published partials.
#[derive(Debug)]
pub struct Team {
    barrier: SpinBarrier,
    /// One maximum per thread (f32 bits).
    maxima: Vec<AtomicU32>,
    /// One spike count per thread (a slot of its own: a thread may publish the next step's
    /// maximum while another still reads the counts).
    counts: Vec<AtomicU32>,
    /// One partial sum per chunk of the row (f32 bits), twice: consecutive sums alternate
    /// between the halves, so that a thread that has read one sum's partials may write the
    /// next sum's while another is still reading (a thread can run at most one sum ahead: the
    /// reduction between them waits for all).
    partials: Vec<AtomicU32>,
    /// Per thread: the sums it has done, whose parity picks the half of the partials.
    sums: Vec<AtomicUsize>,
    chunks: usize,
    n_units: usize,
}

impl Team {
    /// A team of `threads` threads for a row of `n_units` units.
    pub fn new(threads: usize, n_units: usize) -> Team {
        Team {
            barrier: SpinBarrier::new(threads),
            maxima: (0..threads).map(|_| AtomicU32::new(0)).collect(),
            counts: (0..threads).map(|_| AtomicU32::new(0)).collect(),
            partials: (0..2 * n_units.div_ceil(ROW_CHUNK))
                .map(|_| AtomicU32::new(0))
                .collect(),
            sums: (0..threads).map(|_| AtomicUsize::new(0)).collect(),
            chunks: n_units.div_ceil(ROW_CHUNK),
            n_units,
        }
    }

    /// The ranges of the row the threads own: consecutive runs of whole chunks, as even as
    /// chunks allow (a thread may get none when there are more threads than chunks).
    pub fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        let (threads, chunks) = (self.maxima.len(), self.chunks);
        (0..threads)
            .map(|t| {
                let (first, last) = (chunks * t / threads, chunks * (t + 1) / threads);
                (first * ROW_CHUNK).min(self.n_units)..(last * ROW_CHUNK).min(self.n_units)
            })
            .collect()
    }

    /// A guard that poisons the team's barrier if dropped while its thread panics (hold it
    /// around a step).
    pub fn poison_on_panic(&self) -> PoisonOnPanic<'_> {
        PoisonOnPanic(&self.barrier)
    }

    /// Thread `worker`'s view of the team, for the range starting at unit `first`.
    pub fn part(&self, worker: usize, first: usize) -> TeamPart<'_> {
        TeamPart {
            team: self,
            worker,
            first_chunk: first / ROW_CHUNK,
        }
    }
}

/// Poisons a [`SpinBarrier`] when dropped during a panic ([`Team::poison_on_panic`]).
#[derive(Debug)]
pub struct PoisonOnPanic<'a>(&'a SpinBarrier);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison();
        }
    }
}

/// One thread's part of a [`Team`].
#[derive(Debug, Clone, Copy)]
pub struct TeamPart<'a> {
    team: &'a Team,
    worker: usize,
    first_chunk: usize,
}

impl RowReduce for TeamPart<'_> {
    fn max(&self, local: f32) -> f32 {
        let team = self.team;
        team.maxima[self.worker].store(local.to_bits(), Ordering::Relaxed);
        team.barrier.wait();
        team.maxima
            .iter()
            .map(|m| f32::from_bits(m.load(Ordering::Relaxed)))
            .fold(f32::MIN, f32::max)
    }

    #[inline(always)]
    fn sum(&self, values: &[f32]) -> f32 {
        let team = self.team;
        let sums = team.sums[self.worker].fetch_add(1, Ordering::Relaxed);
        let half = &team.partials[(sums % 2) * team.chunks..][..team.chunks];
        // The part starts on a chunk boundary, so its chunks are the row's.
        for (c, chunk) in values.chunks(ROW_CHUNK).enumerate() {
            half[self.first_chunk + c].store(workgroup_sum_of(chunk).to_bits(), Ordering::Relaxed);
        }
        team.barrier.wait();
        workgroup_sum(team.chunks, |c| f32::from_bits(half[c].load(Ordering::Relaxed)))
    }

    fn count(&self, local: u32, spikes: &[f32]) -> f32 {
        let team = self.team;
        if team.n_units > EXACT_COUNT_LIMIT {
            return self.sum(spikes);
        }
        team.counts[self.worker].store(local, Ordering::Relaxed);
        team.barrier.wait();
        team.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum::<u32>() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_thread_releases_the_others_instead_of_leaving_them_waiting() {
        let team = Team::new(2, 3 * ROW_CHUNK);
        let outcomes: Vec<bool> = std::thread::scope(|scope| {
            let failing = scope.spawn(|| {
                let _guard = team.poison_on_panic();
                panic!("a step failed");
            });
            let waiting = scope.spawn(|| {
                let _guard = team.poison_on_panic();
                team.barrier.wait();
            });
            vec![failing.join().is_err(), waiting.join().is_err()]
        });
        assert_eq!(outcomes, vec![true, true]);
    }

    #[test]
    fn the_barrier_lets_threads_through_together() {
        let team = Team::new(3, 3 * ROW_CHUNK);
        let counter = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for round in 1..=100 {
                        counter.fetch_add(1, Ordering::SeqCst);
                        team.barrier.wait();
                        assert!(counter.load(Ordering::SeqCst) >= 3 * round);
                        team.barrier.wait();
                    }
                });
            }
        });
        assert_eq!(counter.load(Ordering::SeqCst), 300);
    }
}
