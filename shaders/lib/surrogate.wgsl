// Surrogate derivatives. Twin of src/surrogate.rs.
// 1/pi in float32 (src/surrogate.rs INV_PI, formed in f64 and rounded once).
const SURROGATE_INV_PI: f32 = 0.31830987;

// src/surrogate.rs `arctan_d`.
fn surrogate_arctan_d(v: f32, thr: f32, slope: f32) -> f32 {
    let x = slope * (v - thr);
    return (1.0 / (1.0 + x * x)) * SURROGATE_INV_PI;
}
