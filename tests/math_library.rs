//! The math library (`spikegpu::math`, `shaders/lib/math.wgsl`): its error bound checked over
//! every f32 of each function's domain against f64, and the WGSL twin equal to the CPU bit for
//! bit on the GPU.

mod common;

use spikegpu::gpu::math_check::{MathFn, gpu_math};
use spikegpu::math;

/// The f32 ulp at the magnitude of `reference` (2^(e − 23) for its binary exponent e).
fn ulp(reference: f64) -> f64 {
    let e = ((reference.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    2f64.powi(e - 23)
}

/// The largest error in ulps of `f` against `reference` over the f32 bit patterns `bits`, split
/// across the machine's cores, and the input where it occurs.
fn max_error(bits: std::ops::RangeInclusive<u32>, f: fn(f32) -> f32, reference: fn(f64) -> f64) -> (f64, f32) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8) as u32;
    let (start, end) = (*bits.start(), *bits.end());
    let chunk = (end - start) / threads + 1;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let lo = start.saturating_add(t * chunk);
                let hi = lo.saturating_add(chunk - 1).min(end);
                scope.spawn(move || {
                    let mut worst = (0.0f64, 0.0f32);
                    if lo > end {
                        return worst;
                    }
                    for b in lo..=hi {
                        let x = f32::from_bits(b);
                        let r = reference(f64::from(x));
                        let err = (f64::from(f(x)) - r).abs() / ulp(r);
                        if err > worst.0 {
                            worst = (err, x);
                        }
                    }
                    worst
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker finished"))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
    })
}

#[test]
fn exp_is_within_one_ulp_on_every_f32_of_its_domain() {
    let negative = max_error(0x8000_0001..=math::EXP_MIN.to_bits(), math::exp, f64::exp);
    let positive = max_error(0..=math::EXP_MAX.to_bits(), math::exp, f64::exp);
    eprintln!(
        "exp: max error {:.3} ulp at {}, {:.3} ulp at {}",
        negative.0, negative.1, positive.0, positive.1
    );
    assert!(negative.0 <= 1.0 && positive.0 <= 1.0, "{negative:?} {positive:?}");
    // Every value in the domain is a normal float: nothing a GPU could flush to zero.
    assert!(math::exp(math::EXP_MIN) >= f32::MIN_POSITIVE);
}

#[test]
fn exp_of_a_nonpositive_argument_is_exp_for_every_one() {
    // Every f32 ≤ 0 (and −0), split across the cores like max_error.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8) as u32;
    let (start, end) = (0x8000_0000u32, 0xff80_0000u32);
    let chunk = (end - start) / threads + 1;
    let differing: u64 = std::thread::scope(|scope| {
        (0..threads)
            .map(|t| {
                let lo = start + t * chunk;
                let hi = lo.saturating_add(chunk - 1).min(end);
                scope.spawn(move || {
                    (lo..=hi)
                        .filter(|&b| {
                            let x = f32::from_bits(b);
                            math::exp_nonpositive(x).to_bits() != math::exp(x).to_bits()
                        })
                        .count() as u64
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|w| w.join().expect("a checking thread panicked"))
            .sum()
    });
    assert_eq!(differing, 0);
    assert!(math::exp_nonpositive(0.0) == 1.0 && math::exp_nonpositive(f32::NAN).is_nan());
}

#[test]
fn log_is_within_one_ulp_on_every_normal_positive_f32() {
    let (err, at) = max_error(f32::MIN_POSITIVE.to_bits()..=f32::MAX.to_bits(), math::log, f64::ln);
    eprintln!("log: max error {err:.3} ulp at {at}");
    assert!(err <= 1.0, "{err} ulp at {at}");
}

/// Every 251st f32 of each domain, the domain's ends and their neighbours, and values outside.
fn sample(bits: std::ops::RangeInclusive<u32>) -> Vec<f32> {
    let (lo, hi) = (*bits.start(), *bits.end());
    let mut v: Vec<f32> = bits.step_by(251).map(f32::from_bits).collect();
    v.extend([lo, lo + 1, hi - 1, hi, hi + 1].map(f32::from_bits));
    v
}

#[test]
fn the_wgsl_twins_compute_the_cpus_bits() {
    let Some(ctx) = common::gpu() else { return };
    let mut exp_inputs = sample(0x8000_0000..=math::EXP_MIN.to_bits());
    exp_inputs.extend(sample(0..=math::EXP_MAX.to_bits()));
    exp_inputs.extend([-1000.0, 1000.0, f32::MAX, -f32::MAX]);
    let mut log_inputs = sample(f32::MIN_POSITIVE.to_bits()..=f32::MAX.to_bits() - 1);
    log_inputs.extend([0.0, -1.0, 1e-40, f32::MAX]);
    for (function, inputs, cpu) in [
        (MathFn::Exp, exp_inputs, math::exp as fn(f32) -> f32),
        (MathFn::Log, log_inputs, math::log),
    ] {
        let mut mismatches = 0;
        let mut first = None;
        for chunk in inputs.chunks(1 << 22) {
            let gpu = gpu_math(&ctx, function, chunk).expect("the math check kernel runs");
            for (&x, &g) in chunk.iter().zip(&gpu) {
                if g.to_bits() != cpu(x).to_bits() {
                    mismatches += 1;
                    first.get_or_insert((x, g, cpu(x)));
                }
            }
        }
        assert_eq!(
            mismatches,
            0,
            "{function:?} on {}: {mismatches} of {} inputs differ from the CPU, first (x, gpu, cpu) = {first:?}",
            ctx.adapter.name,
            inputs.len()
        );
    }
}
