//! Elementary functions written with `+ − × ÷`, `floor` and bit operations only, so that the
//! CPU and the GPU compute the same bits: the WGSL twin is `shaders/lib/math.wgsl`
//! (`math_exp`, `math_log`), line for line. A platform's own `exp` differs between vendors
//! and from Rust's libm in the last bit, so a cell that calls it can only match the CPU within
//! a tolerance; with these it matches bit for bit on every adapter that evaluates `a × b + c`
//! as two rounded operations (lavapipe does; a GPU that fuses them into one multiply-add is
//! within an ulp or two).
//!
//! | function | domain | max error (exhaustive over every f32 of the domain, against f64) |
//! |---|---|---|
//! | [`exp`] | [−87.33654, 88.72283] | ≤ 1 ulp |
//! | [`log`] | normal positive floats [2⁻¹²⁶, f32::MAX] | ≤ 1 ulp |
//!
//! Outside the domain, [`exp`] returns 0 below (where `eˣ` would be a subnormal, which GPUs may
//! flush) and `f32::MAX` above (where JAX's `exp` gives inf: spikegpu's kernels never make an
//! infinity, see `docs/PORTABILITY.md`), and NaN for NaN (the WGSL twin does not promise that:
//! a GPU may compile on the assumption that there is no NaN); [`log`] of 0, a subnormal or a
//! negative number returns −f32::MAX (JAX: −inf or NaN). `tests/math_library.rs` checks the
//! bounds exhaustively and the GPU twin bit for bit.
//!
//! The algorithms follow fdlibm's `expf` and `logf` (Sun Microsystems, 1993; as in musl and
//! FreeBSD): Cody–Waite argument reduction with a two-part ln 2 whose leading part has
//! trailing zero bits (so `k · LN2_HI` is exact), then a polynomial on the reduced range:
//! fdlibm's own for `log`; for `exp` one of degree 6 fitted for spikegpu
//! (`scripts/exp_polynomial.py`) in place of fdlibm's rational form, whose division is as
//! costly as the rest of `exp` in a vector loop. `exp` lost no accuracy by it (0.895 ulp at
//! most over its domain, fdlibm's form 0.910), and XLA's CPU `exp` agrees with either on 95 %
//! of a sample of inputs.

/// ln 2's leading part: 0x3f317200, 15 significant bits, so `k · LN2_HI` is exact for |k| ≤ 2⁹.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
/// ln 2 − LN2_HI (0x35bfbe8e).
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
/// 1 / ln 2.
const INV_LN2: f32 = std::f32::consts::LOG2_E;
/// `eʳ ≈ 1 + r + r²·(C2 + C3·r + C4·r² + C5·r³ + C6·r⁴)` on |r| ≤ ln 2 / 2: a minimax fit of
/// the relative error, 3.1e-9 before rounding: 0.05 ulp of a result below 1, 0.026 above
/// (`scripts/exp_polynomial.py` derives it).
const EXP_C2: f32 = f32::from_bits(0x3eff_fffe);
const EXP_C3: f32 = f32::from_bits(0x3e2a_aa49);
const EXP_C4: f32 = f32::from_bits(0x3d2a_ac79);
const EXP_C5: f32 = f32::from_bits(0x3c09_1ceb);
const EXP_C6: f32 = f32::from_bits(0x3ab5_1224);
/// Below this, `eˣ` is subnormal (< 2⁻¹²⁶).
pub const EXP_MIN: f32 = f32::from_bits(0xc2ae_ac4f);
/// 1.5·2²³: `x + ROUND_TO_INT` holds the integer x (|x| < 2²²) in its low mantissa bits.
const ROUND_TO_INT: f32 = 12_582_912.0;
/// Above this, `eˣ` overflows f32.
pub const EXP_MAX: f32 = f32::from_bits(0x42b1_7217);

/// `eˣ` (≤ 1 ulp on [`EXP_MIN`], [`EXP_MAX`]; 0 below, `f32::MAX` above). Twin: `math_exp`.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    exp_with::<true>(x)
}

/// [`exp`] for arguments known to be ≤ 0 (a softmax's `v − max`): the same bits for every
/// x ≤ 0 and NaN, without the upper clamp and its select. Twin: `math_exp` (whose upper branch
/// such an argument never takes).
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    exp_with::<false>(x)
}

/// [`exp`], with the upper edge (`x > EXP_MAX`) handled only if `UPPER`.
#[inline(always)]
fn exp_with<const UPPER: bool>(x: f32) -> f32 {
    // Branch-free so that element loops vectorise: the formula runs on x clamped to the domain
    // (which changes no in-domain x and keeps NaN), then the edges are selected.
    // (Without the upper edge, the select `x > EXP_MIN ? x : EXP_MIN`, one instruction: it
    // turns a NaN into EXP_MIN, which the final select undoes.)
    let xc = if UPPER {
        x.clamp(EXP_MIN, EXP_MAX)
    } else if x > EXP_MIN {
        x
    } else {
        EXP_MIN
    };
    // x = k·ln 2 + r with |r| ≤ ln 2 / 2; `floor(· + 0.5)` rounds the same way in WGSL and Rust.
    let k = (xc * INV_LN2 + 0.5).floor();
    let hi = xc - k * LN2_HI;
    let lo = k * LN2_LO;
    let r = hi - lo;
    // eʳ = 1 + (hi − lo) + r²·Q(r), the small terms added first so that one rounding of the
    // part below 1 (≤ 2⁻²⁶) precedes the last. (fdlibm's rational form divides, which cost as
    // much as the rest of exp in vector loops.) The WGSL twin guards the two sums against
    // Mesa's reassociation (`math_kept`, docs/PORTABILITY.md).
    let q = (r * r) * (EXP_C2 + r * (EXP_C3 + r * (EXP_C4 + r * (EXP_C5 + r * EXP_C6))));
    let y = 1.0 + (hi + (q - lo));
    // k is an integer in [−126, 128]: adding 1.5·2²³ puts it in the low mantissa bits exactly.
    // (`k as i32` would give the same, but its saturating semantics keep loops scalar.)
    let k_int = (k + ROUND_TO_INT).to_bits() as i32 - ROUND_TO_INT.to_bits() as i32;
    let inside = scale_by_power_of_two(y, k_int);
    if x.is_nan() {
        x
    } else if x < EXP_MIN {
        0.0
    } else if UPPER && x > EXP_MAX {
        f32::MAX
    } else {
        inside
    }
}

/// `y · 2ᵏ` for y in [0.5, 2] and k in [−126, 128] where the product is a normal float (it is
/// for every x in exp's domain: checked for all of them against two exact multiplications by
/// powers of two): k added to y's exponent field, which is exact then and costs two integer
/// operations instead of building two powers of two and multiplying twice.
#[inline(always)]
fn scale_by_power_of_two(y: f32, k: i32) -> f32 {
    f32::from_bits((y.to_bits() as i32).wrapping_add(k << 23) as u32)
}

/// `logf`'s own split of ln 2 (0x3f317180 and 0x3717f7d1).
const LOG_LN2_HI: f32 = f32::from_bits(0x3f31_7180);
const LOG_LN2_LO: f32 = f32::from_bits(0x3717_f7d1);
/// fdlibm `logf`'s polynomial: `log(1+f) = f − hfsq + s·(hfsq + R)`, `R ≈ Lg1·s² + … + Lg4·s⁸`.
const LG1: f32 = f32::from_bits(0x3f2a_aaaa);
const LG2: f32 = f32::from_bits(0x3ecc_ce13);
const LG3: f32 = f32::from_bits(0x3e91_e9ee);
const LG4: f32 = f32::from_bits(0x3e78_9e26);

/// Natural logarithm (≤ 1 ulp on the normal positive floats; −f32::MAX for x < 2⁻¹²⁶). Twin:
/// `math_log`.
#[inline(always)]
pub fn log(x: f32) -> f32 {
    // x = 2ᵏ · m with m in [√2/2, √2): move the mantissa's exponent field to 0x3f800000 or
    // 0x3f000000 (0x3f3504f3 ≈ √2/2 is the boundary).
    let bits = x.to_bits().wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let k = (bits >> 23) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) + 0x3f35_04f3);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * LG4);
    let t2 = z * (LG1 + w * LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let kf = k as f32;
    let inside = s * (hfsq + r) + kf * LOG_LN2_LO - hfsq + f + kf * LOG_LN2_HI;
    // Selected rather than returned early, so that element loops vectorise.
    if x < f32::MIN_POSITIVE { -f32::MAX } else { inside }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_points_and_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(log(1.0), 0.0);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(100.0), f32::MAX);
        assert_eq!(log(0.0), -f32::MAX);
        assert_eq!(log(-1.0), -f32::MAX);
        // Every NaN stays NaN: the exponent is added to the bits, which could otherwise make one
        // finite.
        assert!(
            (0x7f80_0001..=0x7fff_ffffu32)
                .step_by(4093)
                .all(|b| exp(f32::from_bits(b)).is_nan() && exp(-f32::from_bits(b)).is_nan())
        );
        assert!(exp(EXP_MAX).is_finite() && exp(EXP_MIN) >= f32::MIN_POSITIVE);
        assert!((log(f32::MAX) - 88.722_84).abs() < 1e-4);
    }
}
