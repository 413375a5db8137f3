// Elementary functions with + - * /, floor and bit operations only: the twin of src/math.rs
// (line for line), so that the GPU computes the CPU's bits on adapters that do not fuse
// multiply-adds. fdlibm's logf, and expf with a polynomial in place of its rational form;
// bounds and out-of-domain values in src/math.rs.

const MATH_LN2_HI: f32 = 6.9314575195e-1;   // 0x3f317200
const MATH_LN2_LO: f32 = 1.4286067653e-6;   // 0x35bfbe8e
const MATH_INV_LN2: f32 = 1.4426950216;     // 0x3fb8aa3b
const MATH_EXP_C2: f32 = 0.4999999403953552;    // 0x3efffffe
const MATH_EXP_C3: f32 = 0.1666652113199234;    // 0x3e2aaa49
const MATH_EXP_C4: f32 = 0.04166838899254799;   // 0x3d2aac79
const MATH_EXP_C5: f32 = 0.008368710987269878;  // 0x3c091ceb
const MATH_EXP_C6: f32 = 0.0013814610429108143; // 0x3ab51224
const MATH_EXP_MIN: f32 = -87.33654;        // 0xc2aeac4f
const MATH_EXP_MAX: f32 = 88.72283;         // 0x42b17217
const MATH_F32_MAX: f32 = 3.4028234663852886e38; // 0x7f7fffff
const MATH_F32_MIN_POSITIVE: f32 = 1.1754943508e-38; // 0x00800000

// y · 2^k by adding k to y's exponent field: exact, since the product is normal for every x in
// math_exp's domain (see src/math.rs).
fn math_scale_by_power_of_two(y: f32, k: i32) -> f32 {
    return bitcast<f32>(bitcast<i32>(y) + (k << 23u));
}

// x for every finite x, and a barrier that Mesa's reassociation of sums does not cross: it
// computes `1 + (hi + (q - lo))` as `((1 + hi) + q) - lo` and fdlibm's `1 - ((lo - q) - hi)` as
// `1 - ((lo - hi) - q)` (docs/PORTABILITY.md). The CPU twin has no barrier: Rust computes as
// written.
fn math_kept(x: f32) -> f32 {
    return min(x, MATH_F32_MAX);
}

fn math_exp(x: f32) -> f32 {
    if (x < MATH_EXP_MIN) {
        return 0.0;
    }
    if (x > MATH_EXP_MAX) {
        return MATH_F32_MAX;
    }
    let k = floor(x * MATH_INV_LN2 + 0.5);
    let hi = x - k * MATH_LN2_HI;
    let lo = k * MATH_LN2_LO;
    let r = hi - lo;
    let q = (r * r) * (MATH_EXP_C2 + r * (MATH_EXP_C3 + r * (MATH_EXP_C4 + r * (MATH_EXP_C5 + r * MATH_EXP_C6))));
    let y = 1.0 + math_kept(hi + math_kept(q - lo));
    return math_scale_by_power_of_two(y, i32(k));
}

const MATH_LOG_LN2_HI: f32 = 6.9313812256e-1; // 0x3f317180
const MATH_LOG_LN2_LO: f32 = 9.0580006145e-6; // 0x3717f7d1
const MATH_LG1: f32 = 0.66666662693;          // 0x3f2aaaaa
const MATH_LG2: f32 = 0.40000972152;          // 0x3eccce13
const MATH_LG3: f32 = 0.28498786688;          // 0x3e91e9ee
const MATH_LG4: f32 = 0.24279078841;          // 0x3e789e26

fn math_log(x: f32) -> f32 {
    if (x < MATH_F32_MIN_POSITIVE) {
        return -MATH_F32_MAX;
    }
    let bits = bitcast<u32>(x) + (0x3f800000u - 0x3f3504f3u);
    let k = i32(bits >> 23u) - 127;
    let m = bitcast<f32>((bits & 0x007fffffu) + 0x3f3504f3u);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (MATH_LG2 + w * MATH_LG4);
    let t2 = z * (MATH_LG1 + w * MATH_LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let kf = f32(k);
    return s * (hfsq + r) + kf * MATH_LOG_LN2_LO - hfsq + f + kf * MATH_LOG_LN2_HI;
}
