//! Runtime CPU-feature dispatch for the CPU backend's element loops.
//!
//! A cell's CPU step is a straight loop over structure-of-arrays slices, written so that LLVM
//! turns it into vector code; how wide depends on the instructions the code may use. The default
//! build targets every x86-64 (SSE2, 4 lanes), so [`vectorised`] compiles the loop it is given
//! three times, for AVX-512 (16 lanes), for AVX2 + FMA (8 lanes) and for the baseline, and runs
//! the widest one this CPU has (detected once). On aarch64 NEON (4 lanes) is the baseline and
//! there is one copy.
//!
//! Why `#[target_feature]` clones of one scalar loop rather than the `multiversion` or `pulp`
//! crates: the loop stays ordinary Rust, shared line for line with the per-step path and mirrored
//! by the WGSL kernels, with no SIMD types in the cells; `multiversion` would do the same cloning
//! with a dependency and a proc macro, and `pulp` would mean rewriting every cell in explicit
//! vector types. The unsafe part is this module's three calls, guarded by the feature check.
//!
//! **The numbers do not depend on the copy that runs.** Rust never contracts `a × b + c` into a
//! fused multiply-add unless the code asks for one (`mul_add`, which no cell uses), vector
//! `+ − × ÷`, `sqrt`, `floor`, `min`/`max` round exactly as their scalar forms, and the math
//! library ([`crate::math`]) uses nothing else; so AVX-512, AVX2 and SSE2 give the same bits,
//! which `tests/vectorised_cpu.rs` checks on every copy this CPU can run.
//!
//! For the compiler to vectorise, the closure passed to [`vectorised`] must be
//! `#[inline(always)]`, and so must every function its loop calls: a call that is not inlined
//! is compiled without the wider instructions and keeps the loop scalar.

use std::sync::atomic::{AtomicU8, Ordering};

/// The instruction sets [`vectorised`] chooses between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The target's baseline: SSE2 on x86-64, NEON on aarch64, whatever the target has elsewhere.
    Baseline = 1,
    /// x86-64 with AVX2 and FMA (x86-64-v3).
    Avx2 = 2,
    /// x86-64 with AVX-512 F, BW, CD, DQ and VL (x86-64-v4).
    Avx512 = 3,
}

impl Level {
    /// The name used in reports (`spikegpu info`, the bench).
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
}

/// 0 = not detected yet, else a [`Level`] as u8, the widest allowed.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The widest level this CPU supports.
pub fn detected() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512cd")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// The level [`vectorised`] runs: the detected one, or a lower one set by [`limit`] or by the
/// environment variable `SPIKEGPU_SIMD` (`baseline`, `avx2`, `avx512`; read once).
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => {
            let mut level = detected();
            if let Ok(name) = std::env::var("SPIKEGPU_SIMD") {
                let wanted = [Level::Baseline, Level::Avx2, Level::Avx512]
                    .into_iter()
                    .find(|l| l.name() == name.trim());
                match wanted {
                    Some(wanted) => level = level.min(wanted),
                    // Read once per process, where no caller could receive an error.
                    None => eprintln!("spikegpu: SPIKEGPU_SIMD={name:?} is not baseline, avx2 or avx512; ignored"),
                }
            }
            LEVEL.store(level as u8, Ordering::Relaxed);
            level
        }
        1 => Level::Baseline,
        2 => Level::Avx2,
        _ => Level::Avx512,
    }
}

/// Runs later element loops at `wanted`, or at the widest level the CPU has if that is lower;
/// returns the level now in force. For tests and benchmarks that compare the copies.
pub fn limit(wanted: Level) -> Level {
    let level = detected().min(wanted);
    LEVEL.store(level as u8, Ordering::Relaxed);
    level
}

/// Runs `body` compiled for the widest instruction set of [`level`]. `body` must be an
/// `#[inline(always)]` closure (see the [module docs](self)).
#[inline(always)]
pub fn vectorised<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        match level() {
            // SAFETY: `level()` never exceeds `detected()`, which checked that the CPU has
            // every feature these copies are compiled for.
            Level::Avx512 => return unsafe { x86::avx512(body) },
            Level::Avx2 => return unsafe { x86::avx2(body) },
            Level::Baseline => {}
        }
    }
    body()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    /// `body` compiled for x86-64-v4.
    #[target_feature(enable = "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(super) unsafe fn avx512<R>(body: impl FnOnce() -> R) -> R {
        body()
    }

    /// `body` compiled for x86-64-v3.
    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(super) unsafe fn avx2<R>(body: impl FnOnce() -> R) -> R {
        body()
    }
}
